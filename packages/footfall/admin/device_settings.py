"""A device's counting settings: defaults, validation and the ETag the device polls with.

``GET /api/v1/devices/me/config`` returns these settings. They are the counting line and its
inside point, and the band around the line in which a track has no side. Then come the
number of observations that confirm a crossing, the counting mode, the anchor point of a
box, the detector's minimum score and the upload intervals. Coordinates are normalised to
the frame (0 to 1, y down).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from footfall.admin.errors import AdminError

__all__ = [
    "DEFAULT_DEVICE_SETTINGS",
    "MAX_BAND",
    "MIN_SIDE_DEPTH",
    "settings_etag",
    "validate_device_settings",
]

DEFAULT_DEVICE_SETTINGS: dict[str, Any] = {
    "line": {"start": [0.0, 0.5], "end": [1.0, 0.5], "inside": [0.5, 1.0]},
    "band": 0.02,
    "confirm": 2,
    "mode": "immediate",
    "anchor": "center",
    "min_score": 0.7,
    "batch_interval_s": 5,
    "heartbeat_interval_s": 60,
}

_LINE_POINTS = ("start", "end", "inside")
_MODES = ("immediate", "deferred")
_ANCHORS = ("center", "bottom_center")

#: Inclusive bounds of the whole-number settings. A batch interval above an hour or a
#: heartbeat interval above an hour would leave the dashboard without news for that long.
_INT_BOUNDS = {
    "confirm": (1, 10),
    "batch_interval_s": (1, 3600),
    "heartbeat_interval_s": (5, 3600),
}

#: Corners of the normalised frame in order around it.
_FRAME = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))

#: Widest accepted band; the firmware core rejects a wider one.
MAX_BAND = 0.25

#: Depth of frame required beyond the band on each side of the line, in frame widths. The
#: firmware core applies the same margin (FF_MIN_SIDE_DEPTH).
MIN_SIDE_DEPTH = 0.05

#: A line shorter than this (in frame widths) has no direction the counter can use.
_MIN_LINE_LENGTH = 1e-6


def validate_device_settings(
    settings: Mapping[str, Any], base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Merge ``settings`` onto ``base`` (the defaults when ``None``) and check the result.

    ``line`` merges point by point, so ``{"line": {"inside": [0.5, 0.0]}}`` keeps the line's
    end points. Return the complete settings with numbers as floats or ints; raise
    :class:`AdminError` (400) naming the first field that is invalid and why.
    """
    if not isinstance(settings, Mapping):
        raise AdminError(
            f"device settings must be a JSON object, not {type(settings).__name__}",
            field="settings",
        )
    merged = _merge(settings, DEFAULT_DEVICE_SETTINGS if base is None else base)

    line = _check_line(merged["line"])
    band = _check_number(merged["band"], "band", low=0.0, high=MAX_BAND, low_open=True)
    _check_line_geometry(line, band)

    checked: dict[str, Any] = {
        "line": line,
        "band": band,
        "confirm": _check_int(merged["confirm"], "confirm"),
        "mode": _check_choice(merged["mode"], "mode", _MODES),
        "anchor": _check_choice(merged["anchor"], "anchor", _ANCHORS),
        "min_score": _check_number(merged["min_score"], "min_score", low=0.0, high=1.0),
        "batch_interval_s": _check_int(merged["batch_interval_s"], "batch_interval_s"),
        "heartbeat_interval_s": _check_int(merged["heartbeat_interval_s"], "heartbeat_interval_s"),
    }
    return checked


def settings_etag(settings: Mapping[str, Any]) -> str:
    """Return the hex SHA-256 of the settings as canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _merge(changes: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if key not in DEFAULT_DEVICE_SETTINGS:
            known = ", ".join(DEFAULT_DEVICE_SETTINGS)
            raise AdminError(
                f"unknown device setting {key!r}: the settings are {known}", field=str(key)
            )
        if key == "line" and isinstance(value, Mapping) and isinstance(merged["line"], dict):
            merged["line"] = {**merged["line"], **value}
        else:
            merged[key] = value
    return merged


def _check_line(line: object) -> dict[str, list[float]]:
    if not isinstance(line, Mapping):
        raise AdminError(
            "line must be an object with start, end and inside points, each [x, y]",
            field="line",
        )
    unknown = sorted(str(key) for key in line if key not in _LINE_POINTS)
    if unknown:
        raise AdminError(
            f"unknown line field {unknown[0]!r}: a line has start, end and inside",
            field=f"line.{unknown[0]}",
        )
    missing = [name for name in _LINE_POINTS if name not in line]
    if missing:
        raise AdminError(
            f"line has no {missing[0]} point: give it as [x, y]", field=f"line.{missing[0]}"
        )
    return {name: _check_point(line[name], f"line.{name}") for name in _LINE_POINTS}


def _check_point(point: object, field: str) -> list[float]:
    if not isinstance(point, list | tuple) or len(point) != 2:
        raise AdminError(
            f"{field} is {point!r}: give a point as [x, y] with both numbers from 0 to 1",
            field=field,
        )
    return [_check_number(value, field, low=0.0, high=1.0) for value in point]


def _check_line_geometry(line: dict[str, list[float]], band: float) -> None:
    (x1, y1), (x2, y2) = line["start"], line["end"]
    length = math.hypot(x2 - x1, y2 - y1)
    if length <= _MIN_LINE_LENGTH:
        raise AdminError(
            f"line start {line['start']} and end {line['end']} are the same point, so the "
            "line has no direction: move one end point",
            field="line",
        )
    ux, uy = (x2 - x1) / length, (y2 - y1) / length

    def signed_distance(point: Sequence[float]) -> float:
        return ux * (point[1] - y1) - uy * (point[0] - x1)

    inside_distance = signed_distance(line["inside"])
    if abs(inside_distance) <= band:
        raise AdminError(
            f"line.inside {line['inside']} lies {abs(inside_distance):.3f} from the line, "
            f"within the band of {band}, so it does not say which side is inside: pick a "
            "point farther from the line",
            field="line.inside",
        )

    # A crossing counts only when a track is seen beyond the band on both sides. Past the
    # segment's ends a person walks around the line, so the depth is measured within the
    # strip that the segment sweeps, and it must exceed the band plus a margin.
    inside_sign = 1.0 if inside_distance > 0 else -1.0
    start_along = ux * x1 + uy * y1
    strip = _clip(_FRAME, ux, uy, start_along)
    strip = _clip(strip, -ux, -uy, -(start_along + length))
    depths = [inside_sign * signed_distance(point) for point in strip]
    needed = band + MIN_SIDE_DEPTH
    sides = (("outside", -min(depths, default=0.0)), ("inside", max(depths, default=0.0)))
    for side, depth in sides:
        if depth < needed:
            raise AdminError(
                f"the {side} side of the line reaches only {max(depth, 0.0):.3f} from it "
                f"within the frame, but the band ({band}) and a margin of {MIN_SIDE_DEPTH} "
                f"need {needed:.3f}, so no track could be seen there and nothing would be "
                "counted: move the line away from the frame edge or narrow the band",
                field="line",
            )


def _clip(
    polygon: Sequence[tuple[float, float]], a: float, b: float, limit: float
) -> list[tuple[float, float]]:
    """Keep the part of a convex polygon where ``a * x + b * y >= limit``."""
    kept: list[tuple[float, float]] = []
    for index, p in enumerate(polygon):
        q = polygon[(index + 1) % len(polygon)]
        value_p = a * p[0] + b * p[1] - limit
        value_q = a * q[0] + b * q[1] - limit
        if value_p >= 0:
            kept.append(p)
        if (value_p >= 0) != (value_q >= 0):
            t = value_p / (value_p - value_q)
            kept.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return kept


def _check_number(
    value: object, field: str, *, low: float, high: float, low_open: bool = False
) -> float:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise AdminError(f"{field} is {value!r}: give a number", field=field)

    number = float(value)  # type: ignore[arg-type]
    too_low = number <= low if low_open else number < low
    if too_low or number > high:
        lower = f"above {low}" if low_open else f"from {low}"
        raise AdminError(
            f"{field} is {number}, out of range: give a number {lower} to {high}", field=field
        )
    return number


def _check_int(value: object, field: str) -> int:
    low, high = _INT_BOUNDS[field]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise AdminError(
            f"{field} is {value!r}: give a whole number from {low} to {high}", field=field
        )
    return value


def _check_choice(value: object, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise AdminError(
            f"{field} is {value!r}: use one of {', '.join(choices)}", field=field
        )
    return str(value)
