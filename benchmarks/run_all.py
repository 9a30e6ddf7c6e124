"""Run every benchmark and write the results to docs/benchmarks.md.

``nox -s bench`` runs this script. It runs the service benchmarks (ingest, fleet, analytics,
start-up), each as its own process, then the dashboard benchmark and the firmware scripts
(``benchmarks/firmware_*.py``) when present, and rewrites the page's header, its
``## Service`` section and the scripts' output section. Sections written by hand or by other
scripts (``## Firmware``, ``## Dashboard``) are kept as they are.

    python benchmarks/run_all.py [--quick] [--only ingest,fleet,analytics,startup,others]

``--quick`` runs shorter and fewer rounds (about 8 minutes instead of about 25); its numbers
are noisier and the page says that it was a quick run.
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
from _report import fleet_svg, machine, replace_sections, service_section

__all__ = ["main"]

BENCHMARKS = REPO / "benchmarks"
PAGE = REPO / "docs" / "benchmarks.md"
PLOT = REPO / "docs" / "benchmarks" / "fleet-latency.svg"

FULL = {
    "ingest": ["--runs", "3", "--seconds", "10"],
    "fleet": ["--seconds", "40"],
    "analytics": ["--stores", "10", "--repeat", "10"],
    "startup": ["--runs", "5"],
    "dashboard": ["--runs", "5"],
}
QUICK = {
    "ingest": ["--runs", "2", "--seconds", "5"],
    "fleet": ["--seconds", "20", "--steps", "1000,2500,5000,10000,15000"],
    "analytics": ["--stores", "1", "--repeat", "5"],
    "startup": ["--runs", "3"],
    "dashboard": ["--runs", "2"],
}
SCRIPTS = {
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
    command = [sys.executable, str(path), *arguments]
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


def main() -> None:
    """Run the benchmarks and write the page."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs, fewer rounds")
    parser.add_argument(
        "--only",
        default="ingest,fleet,analytics,startup,others",
        help="comma-separated parts to run; the page keeps the other parts' last results",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    parts = set(args.only.split(","))

    started = datetime.now(UTC)
    description = machine()
    results: dict[str, Any] = {}
    commands: list[str] = []
    with tempfile.TemporaryDirectory(prefix="footfall-bench-") as tmp:
        for name in ("ingest", "fleet", "analytics", "startup"):
            if name in parts:
                results[name], command = run_service_benchmark(name, plan[name], Path(tmp))
                commands.append(command)

    other_outputs = []
    if "others" in parts:
        dashboard = BENCHMARKS / "dashboard_render.py"
        if dashboard.exists():
            other_outputs.append(run_other_script(dashboard, plan["dashboard"]))
        for script in sorted(BENCHMARKS.glob("firmware_*.py")):
            other_outputs.append(run_other_script(script, []))

    description["Load average at end"] = Path("/proc/loadavg").read_text().split()[0]
    if "fleet" in results and results["fleet"]["steps"]:
        PLOT.parent.mkdir(parents=True, exist_ok=True)
        PLOT.write_text(fleet_svg(results["fleet"]["steps"], 100.0))

    header = [
        "# Benchmarks",
        "",
        f"Last run: {started:%Y-%m-%d %H:%M} UTC, "
        + (
            "`python benchmarks/run_all.py --quick` (shorter runs: noisier numbers). "
            if args.quick
            else "`nox -s bench`, which runs `python benchmarks/run_all.py`. "
        )
        + "Every number below was measured in that run; none is extrapolated.",
        "",
        "| machine | |",
        "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in description.items()],
        "",
        "The load generators, the server and the other work on the machine share these "
        "cores, so the load average is given with the results.",
    ]
    results["notes"] = []
    existing = PAGE.read_text() if PAGE.exists() else ""
    service = service_section(results, commands) if results.get("ingest") or commands else ""
    if not commands:
        # Only the other scripts ran: keep the last service section.
        start = existing.find("## Service")
        end = existing.find("\n## ", start + 1)
        end = len(existing) if end < 0 else end
        service = existing[start:end] if start >= 0 else ""

    extra = ""
    if other_outputs:
        extra_lines = ["## Output of the firmware and dashboard scripts", ""]
        for command, output in other_outputs:
            extra_lines += [f"`{command}`:", "", "```", output, "```", ""]
        extra = "\n".join(extra_lines)

    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(replace_sections(existing, "\n".join(header), service, extra))
    print(f"wrote {PAGE.relative_to(REPO)}", flush=True)


if __name__ == "__main__":
    main()
