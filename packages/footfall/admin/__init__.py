"""Administration of stores, devices and API keys, shared by the CLI and the admin HTTP API.

Every function takes a SQLAlchemy ``Connection`` inside a transaction that the caller opens
with ``Database.write()`` or ``Database.read()``, and raises :class:`AdminError` for input
that cannot be stored.
"""

from footfall.admin.errors import AdminError

__all__ = ["AdminError"]
