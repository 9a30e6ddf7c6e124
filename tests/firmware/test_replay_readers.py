"""Recording readers and the ground-truth crossing rule, on synthetic and real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from footfall.replay.sources import Box, Frame, Recording, SourceError, read_eth_ucy, read_mot
from footfall.replay.truth import CountingLine, every_true_crossing, true_crossings

HORIZONTAL = CountingLine(start=(0.0, 0.5), end=(1.0, 0.5), inside=(0.5, 1.0))


def _walk(track_ys: dict[int, list[float]], x: float = 0.5) -> Recording:
    frame_count = max(len(ys) for ys in track_ys.values())
    frames = [Frame(index=index + 1, time_s=index / 7.0) for index in range(frame_count)]
    for track_id, ys in track_ys.items():
        for index, y in enumerate(ys):
            frames[index].boxes.append(Box(cx=x, cy=y, width=0.1, height=0.2, track_id=track_id))
    return Recording(name="walk", fps=7.0, frames=frames)


def _write_sequence(folder: Path, gt_rows: list[str], det_rows: list[str]) -> Path:
    (folder / "gt").mkdir(parents=True)
    (folder / "det").mkdir()
    (folder / "seqinfo.ini").write_text(
        "[Sequence]\nname=SYNTH\nframeRate=10\nseqLength=3\nimWidth=200\nimHeight=100\n",
        encoding="utf-8",
    )
    (folder / "gt" / "gt.txt").write_text("\n".join(gt_rows) + "\n", encoding="utf-8")
    (folder / "det" / "det.txt").write_text("\n".join(det_rows) + "\n", encoding="utf-8")
    return folder


def test_truth_entry_with_jitter() -> None:
    walk = _walk({1: [0.30, 0.40, 0.48, 0.52, 0.49, 0.53, 0.51, 0.55, 0.65, 0.80]})
    crossings = true_crossings(walk, HORIZONTAL, band=0.02)
    assert crossings.entries == 1
    assert crossings.exits == 0
    assert crossings.by_track == {1: "entry"}


def test_truth_u_turn_is_no_crossing() -> None:
    walk = _walk({1: [0.30, 0.45, 0.60, 0.70, 0.55, 0.40, 0.30]})
    crossings = true_crossings(walk, HORIZONTAL, band=0.02)
    assert crossings.entries == 0
    assert crossings.exits == 0


def test_every_crossing_counts_u_turn() -> None:
    walk = _walk({1: [0.30, 0.45, 0.60, 0.70, 0.55, 0.40, 0.30], 2: [0.2, 0.49, 0.51, 0.8]})
    crossings = every_true_crossing(walk, HORIZONTAL, band=0.02)
    assert crossings.entries == 2
    assert crossings.exits == 1
    assert crossings.by_track == {1: "exit", 2: "entry"}


def test_truth_ignores_endpoint_order() -> None:
    walk = _walk({1: [0.2, 0.4, 0.6, 0.8], 2: [0.8, 0.6, 0.4, 0.2]})
    reversed_line = CountingLine(start=(1.0, 0.5), end=(0.0, 0.5), inside=(0.5, 1.0))
    for line in (HORIZONTAL, reversed_line):
        crossings = true_crossings(walk, line, band=0.02)
        assert crossings.entries == 1
        assert crossings.exits == 1


def test_truth_diagonal_line_inside_point() -> None:
    line = CountingLine(start=(0.2, 0.2), end=(0.8, 0.8), inside=(0.8, 0.2))
    frames = [Frame(index=index + 1, time_s=index / 7.0) for index in range(3)]
    for index, (x, y) in enumerate([(0.30, 0.60), (0.50, 0.45), (0.70, 0.40)]):
        frames[index].boxes.append(Box(cx=x, cy=y, width=0.1, height=0.2, track_id=1))
    for index, (x, y) in enumerate([(0.25, 0.40), (0.50, 0.40), (0.70, 0.45)]):
        frames[index].boxes.append(Box(cx=x, cy=y, width=0.1, height=0.2, track_id=2))
    crossings = true_crossings(Recording(name="diagonal", fps=7.0, frames=frames), line, band=0.02)
    assert crossings.entries == 2
    assert crossings.exits == 0


def test_truth_beyond_segment_has_no_side() -> None:
    short_line = CountingLine(start=(0.0, 0.5), end=(0.3, 0.5), inside=(0.1, 1.0))
    walk = _walk({1: [0.2, 0.4, 0.6, 0.8]}, x=0.6)
    crossings = true_crossings(walk, short_line, band=0.02)
    assert crossings.entries == 0


def test_zero_length_line_raises() -> None:
    line = CountingLine(start=(0.4, 0.4), end=(0.4, 0.4), inside=(0.5, 1.0))
    with pytest.raises(ValueError, match="zero length"):
        line.signed_distance(0.1, 0.1)


def test_mot_reader_normalises_boxes(tmp_path: Path) -> None:
    folder = _write_sequence(
        tmp_path / "SYNTH",
        gt_rows=[
            "1,7,10,20,20,40,1,-1,-1,-1",
            "2,7,30,20,20,40,0,-1,-1,-1",
            "3,7,50,20,20,40,1,-1,-1,-1",
        ],
        det_rows=["1,-1,10,20,20,40,0.9,-1,-1,-1", "3,-1,100,50,40,20,0.4,-1,-1,-1"],
    )
    truth, detections = read_mot(folder)
    assert truth.fps == 10.0
    assert len(truth.frames) == 3
    assert truth.frames[0].boxes == [
        Box(cx=0.1, cy=0.4, width=0.1, height=0.4, score=1.0, track_id=7)
    ]
    # Frame 2's box carries flag 0, which the MOTChallenge devkit ignores.
    assert truth.frames[1].boxes == []
    assert truth.frames[2].time_s == pytest.approx(0.2)
    assert detections is not None
    assert detections.frames[2].boxes == [
        Box(cx=0.6, cy=0.6, width=0.2, height=0.2, score=0.4, track_id=-1)
    ]


def test_mot_reader_rejects_bad_row(tmp_path: Path) -> None:
    folder = _write_sequence(tmp_path / "BAD", gt_rows=["1,7,ten,20,20,40,1"], det_rows=[])
    with pytest.raises(SourceError, match=r"gt\.txt:1: expected comma-separated numbers"):
        read_mot(folder)


def test_mot_reader_requires_seqinfo(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"seqinfo\.ini is missing"):
        read_mot(tmp_path)


def test_eth_reader_keeps_metres(tmp_path: Path) -> None:
    path = tmp_path / "walk.txt"
    path.write_text("0\t1.0\t2.0\t3.0\n10\t1.0\t2.5\t3.5\n20\t2.0\t-1.0\t0.5\n", encoding="utf-8")
    recording = read_eth_ucy(path, box_size_m=0.4)
    assert recording.units == "metres"
    assert recording.fps == pytest.approx(2.5)
    assert len(recording.frames) == 3
    assert recording.frames[1].time_s == pytest.approx(0.4)
    assert recording.frames[1].boxes == [Box(cx=2.5, cy=3.5, width=0.4, height=0.4, track_id=1)]
    assert recording.track_ids() == {1, 2}


def test_real_mot_sequences_read(mot_dir: Path) -> None:
    truth, detections = read_mot(mot_dir / "PETS09-S2L1")
    assert truth.fps == 7.0
    assert len(truth.frames) == 795
    assert len(truth.track_ids()) == 19
    assert detections is not None
    assert sum(len(frame.boxes) for frame in detections.frames) == 4359


def test_real_eth_file_reads(eth_ucy_dir: Path) -> None:
    recording = read_eth_ucy(eth_ucy_dir / "crowds_zara01.txt")
    assert len(recording.track_ids()) == 148
    assert sum(len(frame.boxes) for frame in recording.frames) == 5153
