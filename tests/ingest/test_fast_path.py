"""The fast validation path gives exactly what the event-by-event validation gives.

``parse_v1_events`` and ``parse_legacy_events`` first decode a body straight into typed
structs and fall back to checking each event when anything is wrong. Hypothesis generates
bodies of valid and invalid events, and every body must come out of both paths the same.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.config import Settings
from footfall.ingest import (
    MAX_SEQ,
    _parse_legacy_each,
    _parse_legacy_valid,
    _parse_v1_each,
    _parse_v1_valid,
    parse_legacy_events,
    parse_v1_events,
)
from footfall.plugin_types import IngestEvent
from footfall.problems import ProblemError

NOW_S = 1_800_000_000.0
SETTINGS = Settings(max_batch_events=20)

_valid_times = st.one_of(
    st.floats(min_value=1_577_836_800, max_value=NOW_S + 86_400, allow_nan=False),
    st.integers(min_value=1_577_836_800, max_value=int(NOW_S) + 86_400),
)
# Out of range, of the wrong type, or not finite: each must send the body to the
# event-by-event path.
_other_times = st.one_of(
    st.floats(min_value=0, max_value=1_577_836_799.999),
    st.integers(min_value=int(NOW_S) + 86_401, max_value=int(NOW_S) + 10**7),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.text(max_size=3),
    st.none(),
)
_valid_seqs = st.integers(min_value=0, max_value=MAX_SEQ - 1)
_other_seqs = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
_valid_directions = st.sampled_from(["entry", "exit"])
_other_directions = st.one_of(st.text(max_size=6), st.integers())


def _field(draw: Any, event: dict[str, Any], key: str, valid: Any, other: Any) -> None:
    # Mostly valid, so that whole batches are often valid, and now and then a value of
    # the wrong kind, or no value at all, to exercise each rejection.
    roll = draw(st.integers(min_value=0, max_value=11))
    if roll == 0:
        return
    event[key] = draw(other if roll == 1 else valid)


@st.composite
def v1_events(draw: Any) -> Any:
    if draw(st.integers(min_value=0, max_value=29)) == 0:
        return draw(st.one_of(st.integers(), st.text(max_size=3), st.none()))
    event: dict[str, Any] = {}
    _field(draw, event, "seq", _valid_seqs, _other_seqs)
    _field(draw, event, "time", _valid_times, _other_times)
    _field(draw, event, "direction", _valid_directions, _other_directions)
    if draw(st.booleans()):
        event["extra"] = draw(st.integers())
    return event


@st.composite
def legacy_movements(draw: Any) -> Any:
    movement: dict[str, Any] = {}
    _field(draw, movement, "time", _valid_times, _other_times)
    _field(draw, movement, "form", st.booleans(), st.one_of(st.integers(0, 1), st.none()))
    return movement


def _encode(document: Any) -> bytes:
    # json.dumps writes NaN and Infinity, which are not JSON, so both decoders reject them.
    return json.dumps(document).encode()


def _outcome(parse: Any, body: bytes) -> Any:
    try:
        return parse(body, SETTINGS, NOW_S)
    except ProblemError as error:
        return ("problem", error.status_code, str(error))


@settings(max_examples=400, deadline=None)
@given(st.lists(v1_events(), max_size=22))
def test_v1_fast_path_agrees(events: list[Any]) -> None:
    body = _encode({"events": events})
    assert _outcome(parse_v1_events, body) == _outcome(_parse_v1_each, body)


@settings(max_examples=400, deadline=None)
@given(st.lists(legacy_movements(), max_size=22))
def test_legacy_fast_path_agrees(movements: list[Any]) -> None:
    body = _encode(movements)
    assert _outcome(parse_legacy_events, body) == _outcome(_parse_legacy_each, body)


def test_valid_batch_takes_the_fast_path() -> None:
    body = _encode(
        {
            "events": [
                {"seq": 7, "time": 1_700_000_000.25, "direction": "entry"},
                {"seq": 8, "time": 1_700_000_001, "direction": "exit"},
            ]
        }
    )
    expected = [
        IngestEvent(seq=7, time_ms=1_700_000_000_250, is_entry=True),
        IngestEvent(seq=8, time_ms=1_700_000_001_000, is_entry=False),
    ]
    assert _parse_v1_valid(body, SETTINGS, NOW_S) == expected
    assert _parse_v1_each(body, SETTINGS, NOW_S) == (expected, [])


@pytest.mark.parametrize(
    "event",
    [
        {"seq": 1.0, "time": 1_700_000_000, "direction": "entry"},
        {"seq": True, "time": 1_700_000_000, "direction": "entry"},
        {"seq": 1, "time": True, "direction": "entry"},
        {"seq": 1, "time": 1_000, "direction": "entry"},
        {"seq": 1, "time": NOW_S + 90_000, "direction": "entry"},
        {"seq": MAX_SEQ, "time": 1_700_000_000, "direction": "entry"},
        {"seq": 1, "time": 1_700_000_000, "direction": "in"},
        {"seq": 1, "time": 1_700_000_000},
    ],
)
def test_faulty_event_leaves_the_fast_path(event: dict[str, Any]) -> None:
    body = _encode({"events": [event]})
    assert _parse_v1_valid(body, SETTINGS, NOW_S) is None
    events, rejections = parse_v1_events(body, SETTINGS, NOW_S)
    assert events == [None]
    assert len(rejections) == 1


def test_legacy_valid_batch_takes_the_fast_path() -> None:
    body = _encode(
        [{"time": 1_700_000_000, "form": True}, {"time": 1_700_000_002.5, "form": False}]
    )
    expected = [
        IngestEvent(seq=None, time_ms=1_700_000_000_000, is_entry=True),
        IngestEvent(seq=None, time_ms=1_700_000_002_500, is_entry=False),
    ]
    assert _parse_legacy_valid(body, SETTINGS, NOW_S) == expected
    assert _parse_legacy_each(body, SETTINGS, NOW_S) == (expected, [])


def test_overlong_integer_is_described_not_replaced() -> None:
    body = b'{"events": [{"seq": ' + b"9" * 5000 + b', "time": 1700000000, "direction": "exit"}]}'

    events, rejections = parse_v1_events(body, SETTINGS, NOW_S)

    assert events == [None]
    assert rejections[0].reason == (
        "seq must be an integer from 0 to 2^53-1, got an integer of more than 100 digits"
    )
