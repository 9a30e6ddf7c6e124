"""Counting accuracy of the firmware core on recorded pedestrians.

For each sequence and for a horizontal and a vertical line through the centre
of the frame, this prints the true crossings (from the ground-truth tracks),
the crossings the core counts from the real detections in both counting
modes, and the crossings Roboflow supervision's ByteTrack and LineZone count
from the same detections, side by side in one run. It then counts the ETH/UCY
trajectories across a line in metres, from the annotated tracks and from boxes
drawn around the positions.

    python benchmarks/firmware_accuracy.py \\
        --supervision-python ~/.venvs/supervision/bin/python > accuracy.md

The supervision numbers need a separate virtual environment with
`pip install supervision==0.26.1` (the last release line with ByteTrack);
without --supervision-python that column is left out.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from footfall.replay.core import load_core
from footfall.replay.run import make_settings, replay_recording
from footfall.replay.sources import read_eth_ucy, read_mot
from footfall.replay.truth import CountingLine, every_true_crossing

__all__ = ["LINES", "STATIC_SEQUENCES", "main"]

REPO_ROOT = Path(__file__).resolve().parent.parent
STATIC_SEQUENCES = ("PETS09-S2L1", "TUD-Campus", "TUD-Stadtmitte", "KITTI-17")
MOVING_SEQUENCES = ("ETH-Bahnhof", "ETH-Sunnyday", "ADL-Rundle-8", "KITTI-13")
LINES = {
    "horizontal": CountingLine(start=(0.0, 0.5), end=(1.0, 0.5), inside=(0.5, 1.0)),
    "vertical": CountingLine(start=(0.5, 0.0), end=(0.5, 1.0), inside=(1.0, 0.5)),
}


@dataclass
class Row:
    """Counts of one sequence and one line, as (entries, exits) pairs."""

    sequence: str
    line: str
    truth: tuple[int, int]
    every: tuple[int, int]
    immediate: tuple[int, int]
    deferred: tuple[int, int]
    supervision: tuple[int, int] | None = None


def _default_data_dir() -> Path:
    configured = os.environ.get("FOOTFALL_SHARED_DATA")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"


def _count_core(sequence_dir: Path, min_score: float) -> list[Row]:
    core = load_core()
    truth, detections = read_mot(sequence_dir)
    if detections is None:
        raise SystemExit(f"{sequence_dir} has no detections file under det/")

    rows = []
    for line_name, line in LINES.items():
        counts = {}
        for mode in ("immediate", "deferred"):
            settings = make_settings(
                core, line, band=0.02, confirm=2, mode=mode, anchor="center", min_score=min_score
            )
            result = replay_recording(core, detections, settings, "detections", truth)
            assert result.truth is not None
            counts[mode] = (result.entries, result.exits)
            true_counts = (result.truth.entries, result.truth.exits)
        every = every_true_crossing(truth, line, band=0.02)
        rows.append(
            Row(
                sequence=sequence_dir.name,
                line=line_name,
                truth=true_counts,
                every=(every.entries, every.exits),
                immediate=counts["immediate"],
                deferred=counts["deferred"],
            )
        )
    return rows


def _count_supervision(
    python: str, sequence_dirs: list[Path], min_score: float
) -> dict[tuple[str, str], tuple[int, int]]:
    jobs = [
        {
            "sequence": str(sequence_dir),
            "line_name": line_name,
            "line": {"start": line.start, "end": line.end, "inside": line.inside},
            "min_score": min_score,
        }
        for sequence_dir in sequence_dirs
        for line_name, line in LINES.items()
    ]
    script = Path(__file__).resolve().parent / "_supervision_counts.py"
    completed = subprocess.run(
        [python, str(script), json.dumps(jobs)], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(
            f"the supervision run with {python} failed (exit code {completed.returncode}):\n"
            f"{completed.stderr[-3000:]}\n"
            f"Install it with: {python} -m pip install supervision==0.26.1"
        )
    counts = {}
    for line in completed.stdout.splitlines():
        item = json.loads(line)
        counts[(item["sequence"], item["line"])] = (item["entries"], item["exits"])
    return counts


def _error(counted: tuple[int, int], truth: tuple[int, int]) -> int:
    return abs(counted[0] - truth[0]) + abs(counted[1] - truth[1])


def _percent(counted: int, true: int) -> str:
    if true == 0:
        return "0%" if counted == 0 else "n/a"
    return f"{100.0 * abs(counted - true) / true:.0f}%"


def _pair(counts: tuple[int, int] | None) -> str:
    return "-" if counts is None else f"{counts[0]} / {counts[1]}"


def _print_table(rows: list[Row], with_supervision: bool) -> None:
    header = (
        "| sequence | camera | line | true (net) in / out | true (every) in / out "
        "| core immediate | core deferred |"
    )
    rule = "| --- | --- | --- | --- | --- | --- | --- |"
    if with_supervision:
        header += " supervision ByteTrack + LineZone |"
        rule += " --- |"
    print(header)
    print(rule)
    for row in rows:
        camera = "static" if row.sequence in STATIC_SEQUENCES else "moving"
        cells = [
            row.sequence,
            camera,
            row.line,
            _pair(row.truth),
            _pair(row.every),
            _pair(row.immediate),
            _pair(row.deferred),
        ]
        if with_supervision:
            cells.append(_pair(row.supervision))
        print("| " + " | ".join(cells) + " |")


def _print_totals(rows: list[Row], with_supervision: bool) -> None:
    static = [row for row in rows if row.sequence in STATIC_SEQUENCES]
    methods = ["immediate", "deferred"] + (["supervision"] if with_supervision else [])
    references = ("truth", "every")

    print()
    print(
        "Totals over the static-camera sequences (both lines), entries / exits, and the "
        "error per direction against each reference:"
    )
    print()
    for reference in references:
        print(
            f"- true ({'net' if reference == 'truth' else 'every'}): "
            f"{sum(getattr(row, reference)[0] for row in static)} / "
            f"{sum(getattr(row, reference)[1] for row in static)}"
        )
    for method in methods:
        pairs = [getattr(row, method) for row in static]
        if any(pair is None for pair in pairs):
            continue
        counted_in = sum(pair[0] for pair in pairs)
        counted_out = sum(pair[1] for pair in pairs)
        errors = []
        for reference in references:
            true_in = sum(getattr(row, reference)[0] for row in static)
            true_out = sum(getattr(row, reference)[1] for row in static)
            label = "net" if reference == "truth" else "every"
            errors.append(
                f"vs {label} {_percent(counted_in, true_in)} entries, "
                f"{_percent(counted_out, true_out)} exits"
            )
        print(f"- {method}: {counted_in} / {counted_out}; " + "; ".join(errors))

    print()
    print(
        "Absolute count error per static sequence (sum over lines and directions), "
        "against the net and the every-crossing reference:"
    )
    print()
    for sequence in STATIC_SEQUENCES:
        sequence_rows = [row for row in static if row.sequence == sequence]
        parts = []
        for method in methods:
            if any(getattr(row, method) is None for row in sequence_rows):
                continue
            net = sum(_error(getattr(row, method), row.truth) for row in sequence_rows)
            every = sum(_error(getattr(row, method), row.every) for row in sequence_rows)
            parts.append(f"{method} {net} / {every}")
        print(f"- {sequence}: " + ", ".join(parts))


def _print_eth_ucy(folder: Path, box_size_m: float) -> None:
    """Count the ETH/UCY trajectories across a line in metres through the scene."""
    core = load_core()
    print()
    print(
        f"ETH/UCY trajectories (ground truth only, positions in metres, 2.5 Hz): a vertical "
        f"line through the median x of each scene, inside towards +x, band 0.2 m. "
        f"`tracks` feeds the annotated tracks to the line counter; `boxes` feeds "
        f"{box_size_m:g} m boxes around the positions through the tracker, identities dropped."
    )
    print()
    print(
        "| file | max people in a frame | true (net) | tracks deferred | boxes deferred "
        "| true (every) | tracks immediate | boxes immediate |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for path in sorted(folder.glob("*.txt")):
        recording = read_eth_ucy(path, box_size_m=box_size_m)
        xs = [box.cx for frame in recording.frames for box in frame.boxes]
        ys = [box.cy for frame in recording.frames for box in frame.boxes]
        middle_x = statistics.median(xs)
        line = CountingLine(
            start=(middle_x, min(ys) - 1.0),
            end=(middle_x, max(ys) + 1.0),
            inside=(middle_x + 5.0, (min(ys) + max(ys)) / 2.0),
        )
        counted = {}
        for mode in ("deferred", "immediate"):
            settings = make_settings(
                core, line, band=0.2, confirm=2, mode=mode, anchor="center", min_score=0.5
            )
            for kind in ("gt-tracks", "gt-boxes"):
                result = replay_recording(core, recording, settings, kind)
                counted[(mode, kind)] = (result.entries, result.exits)
                net = result.truth
        every = every_true_crossing(recording, line, band=0.2)
        assert net is not None
        crowd = max(len(frame.boxes) for frame in recording.frames)
        cells = [
            path.stem,
            str(crowd),
            _pair((net.entries, net.exits)),
            _pair(counted[("deferred", "gt-tracks")]),
            _pair(counted[("deferred", "gt-boxes")]),
            _pair((every.entries, every.exits)),
            _pair(counted[("immediate", "gt-tracks")]),
            _pair(counted[("immediate", "gt-boxes")]),
        ]
        print("| " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print Markdown tables on stdout."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=_default_data_dir(),
        help="folder holding mot15-2dmot2015-train and eth-ucy-trajectories",
    )
    parser.add_argument(
        "--eth-box-size", type=float, default=1.0, help="box side in metres for ETH/UCY"
    )
    parser.add_argument(
        "--supervision-python", default=None, help="Python of a venv with supervision==0.26.1"
    )
    parser.add_argument(
        "--min-score",
        type=float,
        default=0.7,
        help="score threshold for both counters (core default 0.7)",
    )
    options = parser.parse_args(argv)

    mot_dir = options.data / "mot15-2dmot2015-train"
    if not mot_dir.is_dir():
        raise SystemExit(
            f"MOTChallenge data not found at {mot_dir}; pass --data or set FOOTFALL_SHARED_DATA"
        )
    sequence_dirs = [
        mot_dir / name for name in STATIC_SEQUENCES + MOVING_SEQUENCES if (mot_dir / name).is_dir()
    ]

    rows = [
        row
        for sequence_dir in sequence_dirs
        for row in _count_core(sequence_dir, options.min_score)
    ]
    with_supervision = options.supervision_python is not None
    if with_supervision:
        counts = _count_supervision(options.supervision_python, sequence_dirs, options.min_score)
        for row in rows:
            row.supervision = counts.get((row.sequence, row.line))

    print(
        "Line through the centre, band 0.02, confirm 2, centre anchor, "
        f"min score {options.min_score}."
    )
    print()
    _print_table(rows, with_supervision)
    _print_totals(rows, with_supervision)

    eth_dir = options.data / "eth-ucy-trajectories"
    if eth_dir.is_dir():
        _print_eth_ucy(eth_dir, options.eth_box_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
