"""Writing the benchmark page: the machine, the service section and the fleet plot."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

from _harness import RATE_LIMIT_ENV

from footfall.config import Settings

__all__ = ["commit_latency_ms", "fleet_svg", "machine", "replace_sections", "service_section"]


def _first(path: str, prefix: str) -> str:
    for line in Path(path).read_text().splitlines():
        if line.startswith(prefix):
            return line.split(":", 1)[1].strip()
    return "unknown"


def commit_latency_ms(commits: int = 200) -> tuple[float, float]:
    """Time one-row SQLite commits with the service's pragmas; return p50 and p99 in ms.

    A one-event ingest request can be no faster than such a commit, so this says how fast the
    disk was while the benchmarks ran.
    """
    with tempfile.TemporaryDirectory(prefix="footfall-commit-") as tmp:
        connection = sqlite3.connect(Path(tmp) / "probe.db", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={Settings().sqlite_synchronous}")
        connection.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, value INTEGER)")
        times = []
        for value in range(commits):
            began = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO probe (value) VALUES (?)", (value,))
            connection.execute("COMMIT")
            times.append((time.perf_counter() - began) * 1000)
        connection.close()
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99) - 1]


def machine() -> dict[str, str]:
    """Describe the machine and the software the benchmarks ran on."""
    filesystem = subprocess.run(
        ["df", "-T", "/tmp"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[-1:]
    return {
        "CPU": _first("/proc/cpuinfo", "model name"),
        "CPU cores": str(os.cpu_count()),
        "Memory": _first("/proc/meminfo", "MemTotal"),
        "Kernel": platform.release(),
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "Litestar / uvicorn": f"{version('litestar')} / {version('uvicorn')}",
        "Database file system": filesystem[0].split()[1] if filesystem else "unknown",
        "SQLite synchronous": Settings().sqlite_synchronous,
        "Load average at start": Path("/proc/loadavg").read_text().split()[0],
        "SQLite commit at start, p50 / p99": "{:.2f} / {:.2f} ms".format(*commit_latency_ms()),
    }


def _ms(summary: dict[str, float]) -> str:
    return f"{summary['median']:.1f} ({summary['min']:.1f} to {summary['max']:.1f})"


def _count(summary: dict[str, float]) -> str:
    return f"{summary['median']:,.0f} ({summary['min']:,.0f} to {summary['max']:,.0f})"


def _ratio(summary: dict[str, float]) -> str:
    return f"{summary['median']:.2f} ({summary['min']:.2f} to {summary['max']:.2f})"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _cpu_ms(row: dict[str, Any]) -> str:
    # Results written before this column existed lack the field.
    value = row.get("server_cpu_ms_per_request")
    if value is None:
        return "not measured"
    if isinstance(value, dict):
        return _ms(value)
    return f"{value:.2f}"


def ingest_table(results: dict[str, Any]) -> list[str]:
    """Return the Markdown lines of the ingest results."""
    lines = [
        f"Median of {results['runs']} runs of {results['seconds']:g} s each, with the lowest "
        "and highest run in brackets.",
        "",
        "| case | requests/s | events/s | p50 ms | p99 ms | server CPU (cores) "
        "| server CPU ms per request | direct-insert limit, events/s | ratio to limit |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for case in results["cases"]:
        lines.append(
            f"| {case['name']} | {_count(case['requests_per_s'])} | "
            f"{_count(case['events_per_s'])} | {_ms(case['p50_ms'])} | {_ms(case['p99_ms'])} | "
            f"{case['server_cpu_cores']['median']:.2f} | "
            f"{_cpu_ms(case)} | "
            f"{_count(case['limit_events_per_s'])} | {_ratio(case['ratio'])} |"
        )
    loads = [load for case in results["cases"] for run in case["load_average"] for load in run]
    lines += [
        "",
        f"One-minute load average during these runs: {min(loads):.1f} to {max(loads):.1f}.",
    ]
    return lines


def fleet_table(results: dict[str, Any]) -> list[str]:
    """Return the Markdown lines of the fleet results."""
    lines = [
        "| devices | requests/s due | answered | p50 ms | p99 ms | first period p99 ms "
        "| server CPU (cores) | server CPU ms per request | server peak RSS MiB "
        "| generator CPU (cores) | generator send delay p99 ms | load average |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for step in results["steps"]:
        first_period = step.get("first_period_p99_ms")
        lines.append(
            f"| {step['devices']:,} | {step['due'] / step['seconds']:.0f} | "
            f"{step['answered']:,} of {step['due']:,} | {step['p50_ms']:.1f} | "
            f"{step['p99_ms']:.1f} | "
            f"{'not measured' if first_period is None else f'{first_period:.1f}'} | "
            f"{step['server_cpu_cores']:.2f} | {_cpu_ms(step)} | "
            f"{step['server_peak_rss_mib']:.0f} | {step['generator_cpu_cores']:.2f} | "
            f"{step['send_delay_p99_ms']:.1f} | {step['load_average']:.1f} |"
        )
    return lines


def analytics_table(results: dict[str, Any]) -> list[str]:
    """Return the Markdown lines of the analytics results."""
    lines = []
    for round_result in results["rounds"]:
        lines += [
            "",
            f"{round_result['stores']} store(s) in the database, "
            f"{round_result['events']:,} events:",
            "",
            "| query | first request ms | warm median ms (min to max) | on the wire, gzip "
            "| uncompressed | time | size |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for query in round_result["queries"]:
            lines.append(
                f"| {query['label']} | {query['cold_ms']:.1f} | "
                f"{query['warm_median_ms']:.1f} ({query['warm_min_ms']:.1f} to "
                f"{query['warm_max_ms']:.1f}) | {query['wire_bytes'] / 1000:.1f} kB | "
                f"{query['plain_bytes'] / 1000:.1f} kB | "
                f"{_verdict(query['warm_median_ms'] < 50)} | "
                f"{_verdict(query['wire_bytes'] < 100_000)} |"
            )
    return lines


def service_section(results: dict[str, Any], commands: list[str]) -> str:
    """Return the ``## Service`` section of the page."""
    lines = ["## Service", ""]
    lines += [
        "The server is `litestar run --host 127.0.0.1 --port PORT` (uvicorn, one process, as "
        "the README documents) on a fresh SQLite file with default settings, except "
        + ", ".join(f"`{name}={value}`" for name, value in RATE_LIMIT_ENV.items())
        + " (rate limits off). Load comes from separate processes on loopback (`wrk` for "
        "ingest, `benchmarks/fleet_load.py` for the fleet, Python's urllib for analytics) "
        "that share the same cores with the server.",
        "",
        "Commands run:",
        "",
        *[f"    {command}" for command in commands],
        "",
    ]
    if "cpu" in results:
        lines += [
            "### CPU per ingest batch, in process",
            "",
            "`benchmarks/ingest_cpu.py`: parse and store v1 batches with `store_batch` from one "
            "thread, no HTTP. CPU time changes little with other load, so it is the figure to "
            "compare versions of the ingest code by.",
            "",
            "| events per batch | batches | CPU µs per batch | wall µs per batch |",
            "| --- | --- | --- | --- |",
            *[
                f"| {case['batch']} | {case['batches']:,} | {case['cpu_us']:.0f} | "
                f"{case['wall_us']:.0f} |"
                for case in results["cpu"]["cases"]
            ],
            "",
        ]
    if "ingest" in results:
        lines += ["### Ingest (benchmarks 1, 2 and 4)", "", *ingest_table(results["ingest"]), ""]
    if "fleet" in results:
        fleet = results["fleet"]
        lines += [
            "### Fleet (benchmarks 3 and 7)",
            "",
            "Every device posts 5 events every 10 s with its own key, over 128 keep-alive "
            f"connections. Each step runs one 10 s posting period, in which the devices new "
            f"to the step are seen for the first time (their keys are looked up in the "
            f"database), then {fleet['seconds']:g} s more. The p50 and p99 columns are of "
            "those seconds and decide whether a step is held; the first period's p99 has its "
            "own column, and every other column covers the whole step. Devices held with "
            f"p99 under 100 ms and no failure: **{fleet['held']:,}**. Resident memory of the "
            f"idle server: {fleet['idle_rss_mib']:.0f} MiB.",
            "",
            "![p50 and p99 latency against the number of devices](benchmarks/fleet-latency.svg)",
            "",
            *fleet_table(fleet),
            "",
        ]
    if "analytics" in results:
        lines += [
            "### Analytics (benchmark 5)",
            "",
            "A year of events per store, seeded as `benchmarks/service_analytics.py` describes; "
            "times are of whole requests on loopback, so they bound the server's time from "
            f"above. Database file: {results['analytics']['database_mib']:.0f} MiB.",
            *analytics_table(results["analytics"]),
            "",
        ]
    if "startup" in results:
        startup = results["startup"]
        lines += [
            "### Start-up (benchmark 8)",
            "",
            f"From `litestar run` to the first response of `/health/live`, migrated database: "
            f"median {startup['median_s']:.2f} s (runs: "
            + ", ".join(f"{value:.2f}" for value in startup["runs"])
            + " s).",
            "",
        ]
    return "\n".join(lines)


def replace_sections(page: str, header: str, service: str, extra: str) -> str:
    """Replace the header, ``## Service`` and, when given, the scripts' output.

    Every other ``## `` section of the page is kept as it is.
    """
    sections = re.split(r"(?m)^(?=## )", page)
    kept = [
        section
        for section in sections[1:]
        if not section.startswith("## Service\n")
        and not (extra and section.startswith("## Output of the other benchmark scripts"))
    ]
    parts = [header.rstrip() + "\n\n", service.rstrip() + "\n\n"]
    parts += [section.rstrip() + "\n\n" for section in kept]
    if extra:
        parts.append(extra.rstrip() + "\n")
    return "".join(parts).rstrip() + "\n"


def fleet_svg(steps: list[dict[str, Any]], limit_ms: float) -> str:
    """Draw p50 and p99 latency against the number of devices as an SVG line chart."""
    width, height, left, bottom, top, right = 640, 360, 70, 50, 30, 20
    devices = [step["devices"] for step in steps]
    p50 = [step["p50_ms"] for step in steps]
    p99 = [step["p99_ms"] for step in steps]
    x_max = max(devices) * 1.05
    y_max = max([*p99, limit_ms]) * 1.15

    def x(value: float) -> float:
        return left + (width - left - right) * value / x_max

    def y(value: float) -> float:
        return height - bottom - (height - bottom - top) * value / y_max

    def polyline(values: list[float], colour: str) -> str:
        points = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in zip(devices, values, strict=True))
        dots = "".join(
            f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>'
            for d, v in zip(devices, values, strict=True)
        )
        return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>{dots}'

    ticks = []
    for index in range(6):
        value = y_max * index / 5
        ticks.append(
            f'<text x="{left - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{value:.0f}</text>'
            f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#ddd"/>'
        )
    for value in devices:
        ticks.append(
            f'<text x="{x(value):.1f}" y="{height - bottom + 18}" '
            f'text-anchor="middle">{value:,}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">'
        '<rect width="100%" height="100%" fill="white"/>'
        + "".join(ticks)
        + f'<line x1="{left}" x2="{width - right}" y1="{y(limit_ms):.1f}" '
        f'y2="{y(limit_ms):.1f}" stroke="#c00" stroke-dasharray="6 4"/>'
        f'<text x="{width - right}" y="{y(limit_ms) - 6:.1f}" text-anchor="end" fill="#c00">'
        f"p99 limit {limit_ms:.0f} ms</text>"
        + polyline(p50, "#1f77b4")
        + polyline(p99, "#ff7f0e")
        + f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">'
        "devices, each posting 5 events every 10 s</text>"
        f'<text x="16" y="{(top + height - bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(top + height - bottom) / 2})">latency, ms</text>'
        f'<text x="{left + 10}" y="{top - 10}" fill="#1f77b4">p50</text>'
        f'<text x="{left + 50}" y="{top - 10}" fill="#ff7f0e">p99</text>'
        "</svg>\n"
    )
