"""Entry point of ``litestar run``: started from the repository root, the Litestar command
line finds this module in the working directory and calls its ``create_app`` factory."""

from footfall.app import create_app

__all__ = ["create_app"]
