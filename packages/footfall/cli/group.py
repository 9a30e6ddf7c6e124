"""The click group class of ``litestar footfall``: turns known errors into clear messages."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from footfall.admin.errors import AdminError

__all__ = ["FootfallGroup"]


class FootfallGroup(click.Group):
    """A group whose commands fail with a one-line message and exit code 1, not a traceback.

    Invalid input to the administration layer and database failures are expected operator
    errors, so they are reported as :class:`click.ClickException`.
    """

    group_class = type

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AdminError as error:
            raise click.ClickException(error.message) from error
        except SQLAlchemyError as error:
            raise click.ClickException(
                f"the database operation failed: {error.__class__.__name__}: {error}. "
                "Check FOOTFALL_DATABASE_URL and that the database is reachable"
            ) from error
