"""Counting line geometry and the true crossings of annotated tracks.

A true crossing is defined on the ground truth only: a track whose first and
last positions outside the band lie on opposite sides of the line is one
crossing, an entry when it ends on the inside. Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .sources import Box, Recording

__all__ = [
    "Anchor",
    "CountingLine",
    "Crossings",
    "anchor_point",
    "every_true_crossing",
    "true_crossings",
]

Anchor = str  # "center" or "bottom_center", as in the device settings


@dataclass(frozen=True)
class CountingLine:
    """A counting line and a point on its inside, in normalised coordinates."""

    start: tuple[float, float]
    end: tuple[float, float]
    inside: tuple[float, float]

    def signed_distance(self, x: float, y: float) -> float:
        """Return the perpendicular distance of (x, y) from the line, positive on the inside."""
        dx = self.end[0] - self.start[0]
        dy = self.end[1] - self.start[1]
        length = math.hypot(dx, dy)
        if length == 0:
            raise ValueError(
                f"line from {self.start} to {self.end} has zero length; give two distinct points"
            )

        def cross(px: float, py: float) -> float:
            return (dx * (py - self.start[1]) - dy * (px - self.start[0])) / length

        # The inside point fixes the sign, so swapping the endpoints changes nothing.
        inside_sign = 1.0 if cross(*self.inside) > 0 else -1.0
        return inside_sign * cross(x, y)

    def side(self, x: float, y: float, band: float) -> int:
        """Return +1 (inside), -1 (outside) or 0 (within `band`, or beyond the segment's ends).

        Points whose projection falls beyond the ends have no side, as in the core,
        so a person walking around the end of a short line is not a crossing.
        """
        dx = self.end[0] - self.start[0]
        dy = self.end[1] - self.start[1]
        projection = ((x - self.start[0]) * dx + (y - self.start[1]) * dy) / (dx * dx + dy * dy)
        if projection < 0.0 or projection > 1.0:
            return 0

        distance = self.signed_distance(x, y)
        if distance > band:
            return 1
        if distance < -band:
            return -1
        return 0


@dataclass
class Crossings:
    """Entry and exit counts, and per-track directions for inspection."""

    entries: int = 0
    exits: int = 0
    by_track: dict[int, str] = field(default_factory=dict)


def anchor_point(box: Box, anchor: Anchor) -> tuple[float, float]:
    """Return the point of a box that the line counter follows."""
    if anchor == "bottom_center":
        return box.cx, box.bottom_y
    return box.cx, box.cy


def true_crossings(
    recording: Recording, line: CountingLine, band: float, anchor: Anchor = "center"
) -> Crossings:
    """Count the crossings of the annotated tracks of a recording.

    Only positions outside the band have a side. A track counts once, by
    comparing its first and last sides, however often it wanders in between.
    """
    first_side: dict[int, int] = {}
    last_side: dict[int, int] = {}

    for frame in recording.frames:
        for box in frame.boxes:
            if box.track_id < 0:
                continue
            side = line.side(*anchor_point(box, anchor), band)
            if side == 0:
                continue
            first_side.setdefault(box.track_id, side)
            last_side[box.track_id] = side

    result = Crossings()
    for track_id, first in first_side.items():
        last = last_side[track_id]
        if first == last:
            continue
        if last > 0:
            result.entries += 1
            result.by_track[track_id] = "entry"
        else:
            result.exits += 1
            result.by_track[track_id] = "exit"
    return result


def every_true_crossing(
    recording: Recording, line: CountingLine, band: float, anchor: Anchor = "center"
) -> Crossings:
    """Count every change of side of the annotated tracks, not only their net crossing.

    A person who walks in, turns and walks out is one entry and one exit here
    but no crossing for `true_crossings`. This is the reference for counters
    that count each crossing as it happens (immediate mode, LineZone).
    `by_track` keeps the direction of each track's last crossing.
    """
    current_side: dict[int, int] = {}
    result = Crossings()

    for frame in recording.frames:
        for box in frame.boxes:
            if box.track_id < 0:
                continue
            side = line.side(*anchor_point(box, anchor), band)
            if side == 0:
                continue
            previous = current_side.get(box.track_id)
            current_side[box.track_id] = side
            if previous is None or previous == side:
                continue
            if side > 0:
                result.entries += 1
                result.by_track[box.track_id] = "entry"
            else:
                result.exits += 1
                result.by_track[box.track_id] = "exit"
    return result
