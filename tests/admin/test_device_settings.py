"""Validation of device counting settings: types, ranges and line geometry."""

from __future__ import annotations

from typing import Any

import pytest

from footfall.admin.device_settings import (
    DEFAULT_DEVICE_SETTINGS,
    settings_etag,
    validate_device_settings,
)
from footfall.admin.errors import AdminError


def _line(start: list[float], end: list[float], inside: list[float]) -> dict[str, Any]:
    return {"line": {"start": start, "end": end, "inside": inside}}


def test_defaults_are_valid() -> None:
    assert validate_device_settings({}) == DEFAULT_DEVICE_SETTINGS


def test_line_merges_point_by_point() -> None:
    checked = validate_device_settings({"line": {"inside": [0.5, 0.0]}})

    assert checked["line"] == {"start": [0.0, 0.5], "end": [1.0, 0.5], "inside": [0.5, 0.0]}


def test_merge_onto_base_keeps_base_values() -> None:
    base = validate_device_settings({"confirm": 4, "mode": "deferred"})
    checked = validate_device_settings({"band": 0.05}, base=base)

    assert checked["confirm"] == 4
    assert checked["mode"] == "deferred"
    assert checked["band"] == 0.05


def test_integers_become_floats_for_coordinates() -> None:
    checked = validate_device_settings(_line([0, 0], [1, 1], [1, 0]))

    assert checked["line"]["start"] == [0.0, 0.0]
    assert all(isinstance(value, float) for value in checked["line"]["start"])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (_line([0.3, 0.3], [0.3, 0.3], [0.5, 1.0]), "line"),
        (_line([0.0, 0.5], [1.0, 0.5], [0.5, 0.5]), "line.inside"),
        (_line([0.0, 0.5], [1.0, 0.5], [0.2, 0.515]), "line.inside"),
        # The outside strip above y=0.03 is narrower than band plus margin.
        (_line([0.0, 0.03], [1.0, 0.03], [0.5, 1.0]), "line"),
        # The inside strip below y=0.95 is narrower than band plus margin.
        (_line([0.0, 0.95], [1.0, 0.95], [0.5, 1.0]), "line"),
        (_line([0.0, 1.5], [1.0, 0.5], [0.5, 1.0]), "line.start"),
        (_line([0.0, -0.1], [1.0, 0.5], [0.5, 1.0]), "line.start"),
        ({"line": {"start": [0.0], "end": [1.0, 0.5], "inside": [0.5, 1.0]}}, "line.start"),
        ({"line": {"start": ["a", 0.5]}}, "line.start"),
        ({"line": {"start": [float("nan"), 0.5]}}, "line.start"),
        ({"line": {"middle": [0.5, 0.5]}}, "line.middle"),
        ({"line": "0,0,1,1"}, "line"),
        ({"band": 0}, "band"),
        ({"band": 0.3}, "band"),
        ({"band": "0.02"}, "band"),
        ({"confirm": 0}, "confirm"),
        ({"confirm": 11}, "confirm"),
        ({"confirm": 2.0}, "confirm"),
        ({"confirm": True}, "confirm"),
        ({"mode": "lazy"}, "mode"),
        ({"anchor": "top"}, "anchor"),
        ({"min_score": 1.5}, "min_score"),
        ({"min_score": -0.1}, "min_score"),
        ({"batch_interval_s": 0}, "batch_interval_s"),
        ({"batch_interval_s": 3601}, "batch_interval_s"),
        ({"heartbeat_interval_s": 4}, "heartbeat_interval_s"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_settings_name_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(AdminError) as raised:
        validate_device_settings(changes)

    assert raised.value.status == 400
    assert raised.value.field == field
    assert raised.value.message


def test_edge_line_message_gives_reason() -> None:
    with pytest.raises(AdminError) as raised:
        validate_device_settings(_line([0.0, 0.03], [1.0, 0.03], [0.5, 1.0]))

    assert "outside side" in raised.value.message
    assert "0.030" in raised.value.message
    assert "move the line" in raised.value.message


def test_short_segment_measures_its_own_strip() -> None:
    # Beyond the segment's ends the frame is deep, but next to the segment, near the top
    # edge, the outside side is only 0.04 deep.
    with pytest.raises(AdminError) as raised:
        validate_device_settings(_line([0.4, 0.04], [0.6, 0.04], [0.5, 0.5]))
    assert raised.value.field == "line"

    # A diagonal line has room on both sides.
    checked = validate_device_settings(_line([0.2, 0.2], [0.8, 0.8], [0.8, 0.2]))
    assert checked["line"]["inside"] == [0.8, 0.2]


def test_inside_side_independent_of_endpoint_order() -> None:
    forward = validate_device_settings(_line([0.0, 0.5], [1.0, 0.5], [0.5, 0.0]))
    backward = validate_device_settings(_line([1.0, 0.5], [0.0, 0.5], [0.5, 0.0]))

    assert forward["line"]["inside"] == backward["line"]["inside"]


def test_not_an_object_is_rejected() -> None:
    with pytest.raises(AdminError) as raised:
        validate_device_settings([1, 2])  # type: ignore[arg-type]
    assert raised.value.field == "settings"


def test_etag_stable_and_order_independent() -> None:
    first = settings_etag({"band": 0.02, "confirm": 2})
    second = settings_etag({"confirm": 2, "band": 0.02})

    assert first == second
    assert len(first) == 64
    assert settings_etag({"band": 0.03, "confirm": 2}) != first
