"""Tables, JSON and times as the commands print them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import click

__all__ = ["echo_json", "echo_table", "format_ms"]


def format_ms(value: int | None) -> str:
    """Format epoch milliseconds as an ISO 8601 UTC time to the second, or ``-``."""
    if value is None:
        return "-"
    return datetime.fromtimestamp(value / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def echo_json(value: Any) -> None:
    """Print ``value`` as indented JSON on standard output."""
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows as columns padded to their widest cell, under a header line."""
    cells = [[str(header) for header in headers]]
    cells.extend([str(value) for value in row] for row in rows)
    widths = [max(len(row[index]) for row in cells) for index in range(len(headers))]

    for row in cells:
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo(line.rstrip())
