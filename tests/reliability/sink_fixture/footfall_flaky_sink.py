"""An event sink for tests that fails a set number of times, then records every batch.

Its state lives in files of the folder named by ``FLAKY_SINK_DIR``, so that it carries over
a restart of the service: ``attempts`` counts calls, ``delivered.jsonl`` contains one line per
delivered batch. ``FLAKY_SINK_FAILURES`` sets how many calls fail first (default 0).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from sqlalchemy import Connection

from footfall.config import Settings
from footfall.hookspecs import hookimpl
from footfall.plugin_types import Batch, EventSink, StoreOutcome

DIR_VARIABLE = "FLAKY_SINK_DIR"
FAILURES_VARIABLE = "FLAKY_SINK_FAILURES"

_LOCK = threading.Lock()


class FlakySink:
    """Raises ``ConnectionError`` on its first calls, then appends each batch to a file."""

    name = "flaky"
    in_transaction = False

    def write(self, batch: Batch, connection: Connection | None) -> StoreOutcome | None:
        folder = Path(os.environ[DIR_VARIABLE])
        failures = int(os.environ.get(FAILURES_VARIABLE, "0"))
        with _LOCK:
            attempts_file = folder / "attempts"
            attempts = int(attempts_file.read_text()) + 1 if attempts_file.exists() else 1
            attempts_file.write_text(str(attempts))
            if attempts <= failures:
                raise ConnectionError(
                    f"sink endpoint unreachable (call {attempts} of {failures} failing)"
                )

            line = json.dumps(
                {
                    "batch_id": batch.batch_id,
                    "device": batch.device.name,
                    "store": batch.device.store_name,
                    "seqs": [event.seq for event in batch.events],
                }
            )
            with (folder / "delivered.jsonl").open("a") as delivered:
                delivered.write(line + "\n")
        return None


def delivered(folder: Path) -> list[dict[str, object]]:
    """Return the batches the sink recorded in ``folder``."""
    path = folder / "delivered.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@hookimpl
def footfall_event_sinks(settings: Settings) -> list[EventSink]:
    """Return the flaky sink."""
    return [FlakySink()]
