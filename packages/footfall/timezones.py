"""The IANA time zone names that stores and analytics accept."""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

__all__ = ["zone_names"]


@functools.cache
def zone_names() -> frozenset[str]:
    """Return the IANA zone names of the installed tz database.

    ``ZoneInfo`` opens any file of the database, so it would also accept "posixrules",
    "Factory" or "localtime", which are not zones a shop is in; those are left out.
    """
    return frozenset(available_timezones()) - {"Factory", "localtime", "posixrules"}
