"""Run every benchmark and write the results to docs/benchmarks.md.

``nox -s bench`` runs this script. It runs the service benchmarks (ingest, fleet, analytics,
start-up), each as its own process, then the other parts' scripts when present (the
dashboard render, the in-process analytics timing and ``benchmarks/firmware_*``). It
rewrites the page's header, its ``## Service`` section and the scripts' output section.
Sections written by hand or by other scripts (``## Firmware``, ``## Dashboard``) are kept
as they are.

    python benchmarks/run_all.py [--quick] [--only cpu,ingest,fleet,analytics,startup,others]

A full run took 14 minutes on the 2-core machine of the page. ``--quick`` runs shorter and
fewer rounds; its numbers are noisier and the page says that it was a quick run.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import REPO
from _report import commit_latency_ms, fleet_svg, machine, replace_sections, service_section

__all__ = ["main"]

BENCHMARKS = REPO / "benchmarks"
PAGE = REPO / "docs" / "benchmarks.md"
PLOT = REPO / "docs" / "benchmarks" / "fleet-latency.svg"
RESULTS = REPO / "docs" / "benchmarks" / "service-results.json"

FULL = {
    "cpu": ["--batches", "3000"],
    "ingest": ["--runs", "3", "--seconds", "10"],
    "fleet": ["--seconds", "40"],
    "analytics": ["--stores", "10", "--repeat", "10"],
    "startup": ["--runs", "5"],
    "dashboard": ["--runs", "5"],
}
QUICK = {
    "cpu": ["--batches", "1000"],
    "ingest": ["--runs", "2", "--seconds", "5"],
    "fleet": ["--seconds", "20", "--steps", "250,500,1000,2500,5000,10000,15000"],
    "analytics": ["--stores", "1", "--repeat", "5"],
    "startup": ["--runs", "3"],
    "dashboard": ["--runs", "2"],
}
SCRIPTS = {
    "cpu": "ingest_cpu.py",
    "ingest": "service_ingest.py",
    "fleet": "service_fleet.py",
    "analytics": "service_analytics.py",
    "startup": "service_startup.py",
}


def _display(command: list[str]) -> str:
    shown = [Path(part).name if part == sys.executable else part for part in command]
    shown = [
        str(Path(part).relative_to(REPO)) if part.startswith(str(REPO)) else part for part in shown
    ]
    # Temporary folders get a new name every run; show only the file's name in them.
    temporary = tempfile.gettempdir()
    shown = [
        f"TMPDIR/{Path(part).name}" if part.startswith(temporary + "/") else part for part in shown
    ]
    return shlex.join(shown)


def run_service_benchmark(name: str, arguments: list[str], workdir: Path) -> tuple[Any, str]:
    """Run one service benchmark script; return its JSON results and its command line."""
    output = workdir / f"{name}.json"
    command = [sys.executable, str(BENCHMARKS / SCRIPTS[name]), *arguments]
    print(f"== {_display(command)}", flush=True)
    subprocess.run([*command, "--json", str(output)], cwd=REPO, check=True)
    return json.loads(output.read_text()), _display(command)


def run_other_script(path: Path, arguments: list[str]) -> tuple[str, str]:
    """Run a benchmark script owned by another part; return its command and output."""
    interpreter = ["bash"] if path.suffix == ".sh" else [sys.executable]
    command = [*interpreter, str(path), *arguments]
    print(f"== {_display(command)}", flush=True)
    began = time.monotonic()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    print(result.stdout[-2000:], flush=True)
    output = result.stdout.strip()
    if result.returncode != 0:
        output += (
            f"\n\nexited with status {result.returncode} after "
            f"{time.monotonic() - began:.0f} s:\n{result.stderr.strip()[-1500:]}"
        )
    return _display(command), output


def _other_scripts(plan: dict[str, list[str]], workdir: Path) -> list[tuple[Path, list[str]]]:
    """Return the other parts' benchmark scripts that exist, with their arguments."""
    scripts = []
    dashboard = BENCHMARKS / "dashboard_render.py"
    if dashboard.exists():
        scripts.append((dashboard, plan["dashboard"]))
    analytics = BENCHMARKS / "analytics_compute.py"
    if analytics.exists():
        scripts.append((analytics, ["--database", str(workdir / "analytics-compute.db")]))
    firmware = sorted(BENCHMARKS.glob("firmware_*.py")) + sorted(BENCHMARKS.glob("firmware_*.sh"))
    scripts += [(script, []) for script in firmware]
    return scripts


def main() -> None:
    """Run the benchmarks and write the page."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs, fewer rounds")
    parser.add_argument(
        "--only",
        default="cpu,ingest,fleet,analytics,startup,others",
        help="comma-separated parts to run; the page keeps the other parts' last results",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    parts = set(args.only.split(","))

    started = datetime.now(UTC)
    description = machine()
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    with tempfile.TemporaryDirectory(prefix="footfall-bench-") as tmp:
        for name in ("cpu", "ingest", "fleet", "analytics", "startup"):
            if name not in parts:
                continue
            load = Path("/proc/loadavg").read_text().split()[0]
            began = datetime.now(UTC)
            measured, command = run_service_benchmark(name, plan[name], Path(tmp))
            stored[name] = {
                "results": measured,
                "command": f"{command}  # {began:%Y-%m-%d %H:%M} UTC, load average {load}",
            }

    other_outputs = []
    if "others" in parts:
        with tempfile.TemporaryDirectory(prefix="footfall-bench-others-") as tmp:
            for script, arguments in _other_scripts(plan, Path(tmp)):
                other_outputs.append(run_other_script(script, arguments))

    description["Load average at end"] = Path("/proc/loadavg").read_text().split()[0]
    description["SQLite commit at end, p50 / p99"] = "{:.2f} / {:.2f} ms".format(
        *commit_latency_ms()
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(stored, indent=2) + "\n")
    if "fleet" in stored and stored["fleet"]["results"]["steps"]:
        PLOT.write_text(fleet_svg(stored["fleet"]["results"]["steps"], 100.0))

    header = [
        "# Benchmarks",
        "",
        f"Last run: {started:%Y-%m-%d %H:%M} UTC, command "
        f"`{_display([sys.executable, *sys.argv])}` (`nox -s bench` runs "
        "`python benchmarks/run_all.py` in its own virtualenv)"
        + (", quick mode: shorter runs, noisier numbers. " if args.quick else ". ")
        + "Every number below was measured by the command listed with it; none is "
        "extrapolated. Parts left out of a run (`--only`) keep their last results, "
        f"which `{RESULTS.relative_to(REPO)}` stores.",
        "",
        "| machine, at the last run | |",
        "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in description.items()],
        "",
        "The load generators, the server and any other work on the machine share these "
        "cores, so the load average is given with the results.",
    ]
    results = {name: entry["results"] for name, entry in stored.items()}
    commands = [entry["command"] for entry in stored.values()]
    service = service_section(results, commands)

    extra = ""
    if other_outputs:
        extra_lines = ["## Output of the other benchmark scripts", ""]
        for command, output in other_outputs:
            extra_lines += [f"`{command}`:", "", "```", output, "```", ""]
        extra = "\n".join(extra_lines)

    existing = PAGE.read_text() if PAGE.exists() else ""
    PAGE.write_text(replace_sections(existing, "\n".join(header), service, extra))
    print(f"wrote {PAGE.relative_to(REPO)}", flush=True)


if __name__ == "__main__":
    main()
