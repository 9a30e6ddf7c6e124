"""The firmware core driven through ctypes: the counting cases and the replay command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from footfall.replay.command import replay
from footfall.replay.core import CoreLibrary, Counting, Detection, Observation, load_core
from footfall.replay.run import make_settings, replay_recording
from footfall.replay.sources import Box, Frame, Recording
from footfall.replay.truth import CountingLine

HORIZONTAL = CountingLine(start=(0.0, 0.5), end=(1.0, 0.5), inside=(0.5, 1.0))
FRAME_MS = 1000.0 / 7.0


def _settings_options(mode: str) -> dict[str, object]:
    return {"band": 0.02, "confirm": 2, "mode": mode, "anchor": "center", "min_score": 0.7}


@pytest.fixture(scope="module")
def core() -> CoreLibrary:
    """Return the core library, built from firmware/lib/footfall_core on first use."""
    return load_core()


def _count_tracks(
    core: CoreLibrary,
    frames: list[list[tuple[int, float, float]]],
    line: CountingLine = HORIZONTAL,
    mode: str = "immediate",
) -> tuple[int, int]:
    counting = Counting(core, make_settings(core, line, **_settings_options(mode)))
    crossings = []
    for index, points in enumerate(frames):
        observations = [
            Observation(track_id=track, frame=index, time_ms=round(index * FRAME_MS), x=x, y=y)
            for track, x, y in points
        ]
        crossings += counting.process_tracks(observations)
    crossings += counting.finish()
    entries = sum(1 for crossing in crossings if crossing.direction == "entry")
    return entries, len(crossings) - entries


def _count_detections(
    core: CoreLibrary, frames: list[list[tuple[float, float]]], mode: str = "immediate"
) -> tuple[int, int]:
    counting = Counting(core, make_settings(core, HORIZONTAL, **_settings_options(mode)))
    crossings = []
    for index, centres in enumerate(frames):
        boxes = [Detection(x=x - 0.05, y=y - 0.10, w=0.10, h=0.20, score=0.9) for x, y in centres]
        crossings += counting.process(boxes, round(index * FRAME_MS))
    crossings += counting.finish()
    entries = sum(1 for crossing in crossings if crossing.direction == "entry")
    return entries, len(crossings) - entries


def _single_track(ys: list[float]) -> list[list[tuple[int, float, float]]]:
    return [[(1, 0.5, y)] for y in ys]


WALKS = {
    "jitter": ([0.30, 0.40, 0.48, 0.52, 0.49, 0.53, 0.51, 0.55, 0.65, 0.80], (1, 0)),
    "standing_on_line": ([0.40, 0.46, 0.50, 0.50, 0.50, 0.50, 0.50, 0.50, 0.58, 0.70], (1, 0)),
    "fast_mover": ([0.20, 0.32, 0.44, 0.56, 0.68, 0.80], (1, 0)),
}


@pytest.mark.parametrize("name", sorted(WALKS))
def test_counter_walks_through_ctypes(core: CoreLibrary, name: str) -> None:
    ys, expected = WALKS[name]
    assert _count_tracks(core, _single_track(ys)) == expected


@pytest.mark.parametrize("name", sorted(WALKS))
def test_tracker_walks_through_ctypes(core: CoreLibrary, name: str) -> None:
    ys, expected = WALKS[name]
    assert _count_detections(core, [[(0.5, y)] for y in ys]) == expected


def test_counter_u_turn_by_mode(core: CoreLibrary) -> None:
    walk = _single_track([0.30, 0.45, 0.60, 0.70, 0.55, 0.40, 0.30])
    assert _count_tracks(core, walk, mode="deferred") == (0, 0)
    assert _count_tracks(core, walk, mode="immediate") == (1, 1)


def test_counter_endpoint_order(core: CoreLibrary) -> None:
    walk = _single_track([0.2, 0.4, 0.6, 0.8])
    reversed_line = CountingLine(start=(1.0, 0.5), end=(0.0, 0.5), inside=(0.5, 1.0))
    assert _count_tracks(core, walk, HORIZONTAL) == (1, 0)
    assert _count_tracks(core, walk, reversed_line) == (1, 0)


def test_counter_identity_switch(core: CoreLibrary) -> None:
    frames: list[list[tuple[int, float, float]]] = [[(1, 0.5, y)] for y in (0.10, 0.25, 0.40, 0.46)]
    frames.append([])
    frames += [[(2, 0.5, y)] for y in (0.56, 0.72, 0.90)]
    assert _count_tracks(core, frames) == (1, 0)


def test_settings_line_near_edge_rejected(core: CoreLibrary) -> None:
    line = CountingLine(start=(0.0, 0.03), end=(1.0, 0.03), inside=(0.5, 1.0))
    problem = core.settings_problem(
        make_settings(core, line, **_settings_options("immediate")), frame_checks=True
    )
    assert problem is not None
    assert len(problem) > 10


def test_settings_defaults_accepted(core: CoreLibrary) -> None:
    assert core.settings_problem(core.default_settings(), frame_checks=True) is None


def test_settings_json_parsed_by_core(core: CoreLibrary) -> None:
    body = json.dumps(
        {
            "line": {"start": [0.2, 0.2], "end": [0.8, 0.8], "inside": [0.8, 0.2]},
            "band": 0.03,
            "mode": "deferred",
        }
    ).encode()
    settings, problem = core.parse_settings_json(body)
    assert problem is None
    assert settings.band == pytest.approx(0.03)
    assert settings.mode == 1
    assert settings.inside.x == pytest.approx(0.8)


def test_replay_recording_counts_walk(core: CoreLibrary) -> None:
    frames = [Frame(index=index + 1, time_s=index / 7.0) for index in range(6)]
    for index, y in enumerate([0.20, 0.32, 0.44, 0.56, 0.68, 0.80]):
        frames[index].boxes.append(Box(cx=0.5, cy=y, width=0.1, height=0.2, score=0.9, track_id=4))
    recording = Recording(name="walk", fps=7.0, frames=frames)
    settings = make_settings(core, HORIZONTAL, **_settings_options("immediate"))
    for kind in ("detections", "gt-boxes", "gt-tracks"):
        result = replay_recording(core, recording, settings, kind)
        assert (result.entries, result.exits) == (1, 0), kind
        assert result.truth is not None
        assert (result.truth.entries, result.truth.exits) == (1, 0)


def test_replay_command_on_real_sequence(mot_dir: Path) -> None:
    runner = CliRunner()
    outcome = runner.invoke(
        replay,
        [
            str(mot_dir / "TUD-Stadtmitte"),
            "--line",
            "0.5,0,0.5,1",
            "--inside",
            "1,0.5",
            "--min-score",
            "0.5",
            "--json",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.output.strip().splitlines()[-1])
    assert payload["frames"] == 179
    assert payload["true_entries"] == 1
    assert payload["true_exits"] == 1
    assert payload["entries"] + payload["exits"] == len(payload["events"])


def test_replay_command_text_report(mot_dir: Path) -> None:
    outcome = CliRunner().invoke(replay, [str(mot_dir / "KITTI-17"), "--mode", "deferred"])
    assert outcome.exit_code == 0, outcome.output
    assert "counted:" in outcome.output
    assert "true:    4 entries, 0 exits" in outcome.output


def test_replay_command_rejects_edge_line(mot_dir: Path) -> None:
    outcome = CliRunner().invoke(
        replay, [str(mot_dir / "TUD-Campus"), "--line", "0,0.03,1,0.03", "--inside", "0.5,1"]
    )
    assert outcome.exit_code == 2
    assert "rejects these settings" in outcome.output


def test_replay_command_eth_in_metres(eth_ucy_dir: Path) -> None:
    outcome = CliRunner().invoke(
        replay,
        [
            str(eth_ucy_dir / "crowds_zara01.txt"),
            "--line",
            "7,0,7,20",
            "--inside",
            "14,10",
            "--band",
            "0.2",
            "--json",
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.output.strip().splitlines()[-1])
    assert payload["input"] == "gt-tracks"
    assert payload["true_entries"] + payload["true_exits"] > 10
    assert payload["entries"] == payload["true_entries"]
    assert payload["exits"] == payload["true_exits"]
