"""A pytest plugin that fails the run if an API key appears in any log of the session.

It records every key generated in the test process (``footfall.keys.generate_key``) and every
key that ``litestar footfall keys create`` printed for a live server. It captures every log
record of the test process. At the end of the session it searches those records, and every
``*.log`` file under the session's temporary folder where live servers write their output,
for each key. A key found there fails the run and is reported with the file or logger.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import footfall.keys

#: Keys of this service: the prefix and 32 random bytes in URL-safe base64.
KEY_PATTERN = re.compile(r"ff_[A-Za-z0-9_-]{43}")


@dataclass
class KeyLeakWatch:
    """The keys created during the session and the log lines written."""

    keys: set[str] = field(default_factory=set)
    lines: list[tuple[str, str]] = field(default_factory=list)
    """(logger name, formatted message with any traceback)."""


WATCH = KeyLeakWatch()


#: Loggers of the tests' own HTTP clients. They log the URLs that tests send, and a legacy
#: request carries its key in the URL by design, so they are not the service's logs.
CLIENT_LOGGERS = ("httpx", "httpcore")


class _RecordingHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(CLIENT_LOGGERS):
            return
        try:
            text = record.getMessage()
        except Exception:  # a malformed record must not break the test run
            text = str(record.msg)
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        WATCH.lines.append((record.name, text))


def find_leaks(
    keys: Iterable[str], sources: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Return ``(source, key prefix)`` for every key that occurs in a source's text."""
    wanted = set(keys)
    leaks = []
    for source, text in sources:
        for match in KEY_PATTERN.finditer(text):
            if match.group(0) in wanted:
                # Only the prefix is reported, so the report itself leaks nothing.
                leaks.append((source, match.group(0)[:8] + "..."))
    return leaks


def _log_files(folder: Path) -> Iterable[tuple[str, str]]:
    for path in sorted(folder.rglob("*.log")):
        try:
            yield str(path), path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue


def pytest_configure(config: pytest.Config) -> None:
    """Start recording keys and log records."""
    original_generate = footfall.keys.generate_key

    def recording_generate() -> str:
        key = original_generate()
        WATCH.keys.add(key)
        return key

    footfall.keys.generate_key = recording_generate  # type: ignore[assignment]

    from tests.helpers import LiveServer

    original_cli = LiveServer.cli

    def recording_cli(self: LiveServer, *args: str) -> str:
        output = original_cli(self, *args)
        WATCH.keys.update(KEY_PATTERN.findall(output))
        return output

    LiveServer.cli = recording_cli  # type: ignore[method-assign]

    handler = _RecordingHandler(level=logging.DEBUG)
    logging.getLogger().addHandler(handler)
    config.stash[_HANDLER_KEY] = handler


_HANDLER_KEY = pytest.StashKey[logging.Handler]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: Any) -> None:
    """Fail the session if a created key appears in a log line or a server's log file."""
    handler = session.config.stash.get(_HANDLER_KEY, None)
    if handler is not None:
        logging.getLogger().removeHandler(handler)
    if not WATCH.keys:
        return

    sources: list[tuple[str, str]] = [(f"logger {name}", text) for name, text in WATCH.lines]
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        sources.extend(_log_files(factory.getbasetemp()))

    leaks = find_leaks(WATCH.keys, sources)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"key leak check: {len(WATCH.keys)} keys searched in {len(sources)} logs, "
            f"{len(leaks)} found"
        )
    if leaks:
        if reporter is not None:
            for source, prefix in leaks[:20]:
                reporter.write_line(f"API key {prefix} appears in {source}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
