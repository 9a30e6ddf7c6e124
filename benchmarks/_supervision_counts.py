"""Count line crossings with Roboflow supervision's ByteTrack and LineZone.

Run by firmware_accuracy.py under a Python that has `supervision==0.26.1`
installed (the last release line that still ships `ByteTrack`). It reads the
same MOTChallenge detections as the core and prints one JSON object per
sequence and line on stdout.
"""

from __future__ import annotations

import importlib
import json
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import supervision as sv

__all__ = ["count_with_supervision", "main"]

# Frames on the new side before LineZone counts, the counterpart of the core's
# `confirm` setting (2 by default), so both filter jitter on the line alike.
CROSSING_FRAMES = 2

REPLAY_DIR = Path(__file__).resolve().parent.parent / "packages" / "footfall" / "replay"

# The readers use the standard library only. Loading them through a stand-in
# package skips footfall/__init__.py, whose imports need the service's
# dependencies, which this virtual environment does not have.
_readers = types.ModuleType("footfall_replay_readers")
_readers.__path__ = [str(REPLAY_DIR)]
sys.modules[_readers.__name__] = _readers
_sources = importlib.import_module("footfall_replay_readers.sources")
_truth = importlib.import_module("footfall_replay_readers.truth")
Recording = _sources.Recording
read_mot_detections = _sources.read_mot_detections
CountingLine = _truth.CountingLine


def _direction_of_in_count(line: CountingLine) -> str:
    """Return which direction supervision's `in_count` means for this line.

    supervision names the sides by the order of the endpoints, while Footfall
    names them by the inside point, so one synthetic walk from the outside to
    the inside shows how the two map.
    """
    zone = sv.LineZone(
        start=sv.Point(line.start[0] * 1000, line.start[1] * 1000),
        end=sv.Point(line.end[0] * 1000, line.end[1] * 1000),
        triggering_anchors=[sv.Position.CENTER],
        minimum_crossing_threshold=CROSSING_FRAMES,
    )
    mid_x = (line.start[0] + line.end[0]) / 2
    mid_y = (line.start[1] + line.end[1]) / 2
    normal = (line.inside[0] - mid_x, line.inside[1] - mid_y)
    for step in (-0.3, -0.2, 0.2, 0.3):
        x = (mid_x + step * normal[0]) * 1000
        y = (mid_y + step * normal[1]) * 1000
        detections = sv.Detections(
            xyxy=np.array([[x - 5, y - 5, x + 5, y + 5]], dtype=float),
            tracker_id=np.array([1]),
            class_id=np.array([0]),
        )
        zone.trigger(detections)
    if zone.in_count == 1:
        return "entry"
    if zone.out_count == 1:
        return "exit"
    raise RuntimeError(f"synthetic walk across {line} was not counted by supervision's LineZone")


def count_with_supervision(
    recording: Recording, line: CountingLine, min_score: float
) -> dict[str, int]:
    """Run ByteTrack and a centre-anchored LineZone over every frame of `recording`."""
    width, height = recording.image_width, recording.image_height
    tracker = sv.ByteTrack(frame_rate=round(recording.fps))
    zone = sv.LineZone(
        start=sv.Point(line.start[0] * width, line.start[1] * height),
        end=sv.Point(line.end[0] * width, line.end[1] * height),
        triggering_anchors=[sv.Position.CENTER],
        minimum_crossing_threshold=CROSSING_FRAMES,
    )

    for frame in recording.frames:
        boxes = [box for box in frame.boxes if box.score >= min_score]
        xyxy = np.array(
            [
                [
                    (box.cx - box.width / 2) * width,
                    (box.cy - box.height / 2) * height,
                    (box.cx + box.width / 2) * width,
                    (box.cy + box.height / 2) * height,
                ]
                for box in boxes
            ],
            dtype=float,
        ).reshape(-1, 4)
        detections = sv.Detections(
            xyxy=xyxy,
            confidence=np.array([box.score for box in boxes], dtype=float),
            class_id=np.zeros(len(boxes), dtype=int),
        )
        zone.trigger(tracker.update_with_detections(detections))

    # The synthetic walk is in a square frame, so map the line to pixels the
    # same way before asking which of supervision's counters is an entry.
    in_means = _direction_of_in_count(line)
    entries = zone.in_count if in_means == "entry" else zone.out_count
    exits = zone.out_count if in_means == "entry" else zone.in_count
    return {"entries": int(entries), "exits": int(exits)}


def main(argv: list[str]) -> int:
    """Read `[sequence_dir, line_json, min_score]` triples from argv JSON and print counts."""
    warnings.filterwarnings("ignore")
    jobs = json.loads(argv[1])
    for job in jobs:
        sequence_dir = Path(job["sequence"])
        line = CountingLine(
            start=tuple(job["line"]["start"]),  # type: ignore[arg-type]
            end=tuple(job["line"]["end"]),  # type: ignore[arg-type]
            inside=tuple(job["line"]["inside"]),  # type: ignore[arg-type]
        )
        recording = read_mot_detections(sequence_dir)
        counts = count_with_supervision(recording, line, float(job["min_score"]))
        print(
            json.dumps({"sequence": sequence_dir.name, "line": job["line_name"], **counts}),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
