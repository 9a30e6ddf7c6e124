"""Readers for recorded pedestrian data: MOTChallenge sequences and ETH/UCY files.

Both readers return a `Recording`: frames in time order, each with the boxes
seen in it. MOTChallenge boxes are normalised to the frame (0 to 1, y pointing
down), the convention of the device's line settings. ETH/UCY positions stay in
metres, so a counting line for them is given in metres too. This module uses only the
standard library, so the accuracy benchmark can import it from a separate
virtual environment.
"""

from __future__ import annotations

import configparser
import itertools
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Box",
    "Frame",
    "Recording",
    "SourceError",
    "find_detections_file",
    "read_eth_ucy",
    "read_mot",
    "read_mot_detections",
    "read_mot_ground_truth",
]

# ETH/UCY files were resampled to one row every 10 video frames at 25 fps.
ETH_UCY_STEP_S = 0.4


class SourceError(ValueError):
    """A recording that cannot be read, with the file and the reason."""


@dataclass(frozen=True)
class Box:
    """One detection or ground-truth box, normalised to the frame.

    `cx`, `cy` is the box centre, `width` and `height` its size. `track_id` is
    the annotated identity (ground truth) or -1 for detector output.
    """

    cx: float
    cy: float
    width: float
    height: float
    score: float = 1.0
    track_id: int = -1

    @property
    def bottom_y(self) -> float:
        """Return the y of the bottom centre (where the feet are)."""
        return self.cy + self.height / 2.0


@dataclass
class Frame:
    """The boxes of one frame and its capture time in seconds from the start."""

    index: int
    time_s: float
    boxes: list[Box] = field(default_factory=list)


@dataclass
class Recording:
    """A sequence of frames and what is known about where it came from."""

    name: str
    fps: float
    frames: list[Frame]
    image_width: int = 0
    image_height: int = 0
    # "normalised" (MOTChallenge, 0 to 1 of the frame) or "metres" (ETH/UCY world positions).
    units: str = "normalised"

    def track_ids(self) -> set[int]:
        """Return the annotated identities that appear in the recording."""
        return {box.track_id for frame in self.frames for box in frame.boxes if box.track_id >= 0}


def _read_seqinfo(sequence_dir: Path) -> tuple[str, float, int, int, int]:
    seqinfo_path = sequence_dir / "seqinfo.ini"
    if not seqinfo_path.is_file():
        raise SourceError(
            f"{seqinfo_path} is missing: a MOTChallenge sequence folder needs seqinfo.ini "
            "with frameRate, seqLength, imWidth and imHeight"
        )

    parser = configparser.ConfigParser()
    parser.read(seqinfo_path, encoding="utf-8")
    if not parser.has_section("Sequence"):
        raise SourceError(f"{seqinfo_path} has no [Sequence] section")
    section = parser["Sequence"]

    try:
        fps = float(section["frameRate"])
        length = int(section["seqLength"])
        width = int(section["imWidth"])
        height = int(section["imHeight"])
    except KeyError as missing:
        raise SourceError(f"{seqinfo_path} lacks the key {missing}; add it to [Sequence]") from None
    except ValueError as error:
        raise SourceError(f"{seqinfo_path} has a non-numeric value: {error}") from None

    if fps <= 0 or width <= 0 or height <= 0:
        raise SourceError(
            f"{seqinfo_path}: frameRate={fps}, imWidth={width}, imHeight={height} "
            "must all be positive"
        )
    return section.get("name", sequence_dir.name), fps, length, width, height


def _parse_mot_rows(path: Path) -> list[list[float]]:
    rows: list[list[float]] = []
    with path.open(encoding="utf-8") as stream:
        for line_number, line in enumerate(stream, start=1):
            text = line.strip()
            if not text:
                continue
            try:
                rows.append([float(value) for value in text.split(",")])
            except ValueError:
                raise SourceError(
                    f"{path}:{line_number}: expected comma-separated numbers, got {text[:60]!r}"
                ) from None
            if len(rows[-1]) < 7:
                raise SourceError(
                    f"{path}:{line_number}: expected at least 7 columns "
                    f"(frame, id, left, top, width, height, flag or score), got {len(rows[-1])}"
                )
    return rows


def _empty_frames(length: int, fps: float) -> list[Frame]:
    return [Frame(index=index, time_s=(index - 1) / fps) for index in range(1, length + 1)]


def _frames_from_rows(
    rows: list[list[float]],
    *,
    length: int,
    fps: float,
    width: int,
    height: int,
    ground_truth: bool,
) -> list[Frame]:
    last_frame = max([length, *(int(row[0]) for row in rows)]) if rows else length
    frames = _empty_frames(last_frame, fps)

    for row in rows:
        frame_number = int(row[0])
        if frame_number < 1:
            continue
        left, top, box_width, box_height = row[2], row[3], row[4], row[5]
        if ground_truth:
            # Column 7 is the evaluation flag: 0 marks a box the MOTChallenge
            # devkit ignores, so it is not a pedestrian to count either.
            if row[6] == 0:
                continue
            track_id, score = int(row[1]), 1.0
        else:
            track_id, score = -1, row[6]
        frames[frame_number - 1].boxes.append(
            Box(
                cx=(left + box_width / 2.0) / width,
                cy=(top + box_height / 2.0) / height,
                width=box_width / width,
                height=box_height / height,
                score=score,
                track_id=track_id,
            )
        )
    return frames


def read_mot_ground_truth(sequence_dir: Path) -> Recording:
    """Read `gt/gt.txt` of a MOTChallenge sequence, skipping boxes flagged 0."""
    name, fps, length, width, height = _read_seqinfo(sequence_dir)
    gt_path = sequence_dir / "gt" / "gt.txt"
    if not gt_path.is_file():
        raise SourceError(
            f"{gt_path} is missing: ground truth needs gt/gt.txt in the sequence folder"
        )
    frames = _frames_from_rows(
        _parse_mot_rows(gt_path),
        length=length,
        fps=fps,
        width=width,
        height=height,
        ground_truth=True,
    )
    return Recording(name=name, fps=fps, frames=frames, image_width=width, image_height=height)


def find_detections_file(sequence_dir: Path) -> Path:
    """Return the detections file of a sequence: `det/det.txt`, else the only `det/*.txt`."""
    det_dir = sequence_dir / "det"
    preferred = det_dir / "det.txt"
    if preferred.is_file():
        return preferred
    candidates = sorted(det_dir.glob("*.txt")) if det_dir.is_dir() else []
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise SourceError(f"no detections file in {det_dir}: expected det/det.txt or one det/*.txt")
    names = ", ".join(path.name for path in candidates)
    raise SourceError(
        f"{det_dir} contains several detection files ({names}); pass one with --detections"
    )


def read_mot_detections(sequence_dir: Path, detections_path: Path | None = None) -> Recording:
    """Read detector output in MOTChallenge format (`frame, -1, left, top, w, h, score, ...`)."""
    name, fps, length, width, height = _read_seqinfo(sequence_dir)
    path = detections_path if detections_path is not None else find_detections_file(sequence_dir)
    if not path.is_file():
        raise SourceError(f"detections file {path} does not exist")
    frames = _frames_from_rows(
        _parse_mot_rows(path),
        length=length,
        fps=fps,
        width=width,
        height=height,
        ground_truth=False,
    )
    return Recording(name=name, fps=fps, frames=frames, image_width=width, image_height=height)


def read_mot(
    sequence_dir: Path, detections_path: Path | None = None
) -> tuple[Recording, Recording | None]:
    """Read a sequence's ground truth and, where there is one, its detections."""
    truth = read_mot_ground_truth(sequence_dir)
    try:
        detections = read_mot_detections(sequence_dir, detections_path)
    except SourceError:
        if detections_path is not None:
            raise
        detections = None
    return truth, detections


def read_eth_ucy(path: Path, box_size_m: float = 1.0, step_s: float = ETH_UCY_STEP_S) -> Recording:
    """Read an ETH/UCY trajectory file (`frame id x y` in metres, tab or space separated).

    Each position becomes a square box of `box_size_m` metres around it, so the
    tracker can take it as a detection. The track ids are the annotated ones.
    """
    if not path.is_file():
        raise SourceError(f"trajectory file {path} does not exist")
    if box_size_m <= 0:
        raise SourceError(f"box size {box_size_m} m must be positive")

    rows: list[tuple[int, int, float, float]] = []
    with path.open(encoding="utf-8") as stream:
        for line_number, line in enumerate(stream, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < 4:
                raise SourceError(
                    f"{path}:{line_number}: expected 'frame id x y', got {line.strip()!r}"
                )
            try:
                rows.append(
                    (
                        int(float(fields[0])),
                        int(float(fields[1])),
                        float(fields[2]),
                        float(fields[3]),
                    )
                )
            except ValueError:
                raise SourceError(
                    f"{path}:{line_number}: expected numbers, got {line.strip()!r}"
                ) from None
    if not rows:
        raise SourceError(f"{path} contains no trajectory rows")

    # Frame numbers advance by a fixed stride (10 video frames per row).
    frame_numbers = sorted({row[0] for row in rows})
    stride = min((b - a for a, b in itertools.pairwise(frame_numbers) if b > a), default=1)
    first = frame_numbers[0]
    count = (frame_numbers[-1] - first) // stride + 1
    frames = [Frame(index=index + 1, time_s=index * step_s) for index in range(count)]

    for frame_number, track_id, x_m, y_m in rows:
        slot = (frame_number - first) // stride
        frames[slot].boxes.append(
            Box(cx=x_m, cy=y_m, width=box_size_m, height=box_size_m, track_id=track_id)
        )

    return Recording(name=path.stem, fps=1.0 / step_s, frames=frames, units="metres")
