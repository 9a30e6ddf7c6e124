"""`litestar footfall replay`: run recorded pedestrians through the firmware core.

    litestar footfall replay ../data/mot15/PETS09-S2L1 --line 0,0.5,1,0.5 --inside 0.5,1
    litestar footfall replay biwi_eth.txt --line 2,-5,2,15 --inside 10,5 --band 0.2
    litestar footfall replay PETS09-S2L1 --post http://127.0.0.1:8000 --key KEY \\
        --start 2024-03-05T10:00:00+01:00
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .build import BuildError
from .core import ANCHORS, MODES, CoreError, load_core
from .run import INPUT_KINDS, PostError, ReplayResult, make_settings, post_events, replay_recording
from .sources import (
    Recording,
    SourceError,
    read_eth_ucy,
    read_mot_detections,
    read_mot_ground_truth,
)
from .truth import CountingLine

__all__ = ["replay"]


def _parse_numbers(text: str, count: int, option: str) -> tuple[float, ...]:
    parts = [part.strip() for part in text.split(",")]
    try:
        numbers = tuple(float(part) for part in parts)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not {count} comma-separated numbers", param_hint=option
        ) from None
    if len(numbers) != count:
        raise click.BadParameter(
            f"{text!r} has {len(numbers)} numbers, expected {count}", param_hint=option
        )
    return numbers


def _parse_start(text: str | None) -> int:
    if text is None:
        return int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time such as 2024-03-05T10:00:00+01:00",
            param_hint="--start",
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(
            f"{text!r} has no UTC offset; add one such as +01:00 or Z", param_hint="--start"
        )
    return int(moment.timestamp() * 1000)


def _load_inputs(
    source: Path, detections: Path | None, input_kind: str | None, box_size: float
) -> tuple[Recording, Recording | None, str]:
    """Return the recording fed to the core, the ground truth, and the input kind."""
    if source.is_dir():
        truth = read_mot_ground_truth(source) if (source / "gt" / "gt.txt").is_file() else None
        kind = input_kind or "detections"
        if kind == "detections":
            return read_mot_detections(source, detections), truth, kind
        if truth is None:
            raise SourceError(f"{source} has no gt/gt.txt, so --input {kind} has nothing to read")
        return truth, truth, kind

    if detections is not None:
        raise click.BadParameter(
            "--detections applies to MOTChallenge sequence folders only", param_hint="--detections"
        )
    kind = input_kind or "gt-tracks"
    if kind == "detections":
        raise click.BadParameter(
            "ETH/UCY files hold ground truth only; use --input gt-tracks or gt-boxes",
            param_hint="--input",
        )
    recording = read_eth_ucy(source, box_size_m=box_size)
    return recording, recording, kind


def _print_report(result: ReplayResult, recording: Recording, line: CountingLine) -> None:
    unit = "m" if recording.units == "metres" else "of the frame"
    click.echo(
        f"{result.name}: {result.frames} frames at {recording.fps:g} fps, input {result.input_kind}"
    )
    click.echo(f"line {line.start} -> {line.end}, inside {line.inside} ({unit})")
    click.echo(f"counted: {result.entries} entries, {result.exits} exits")
    if result.truth is None:
        click.echo("true crossings: unknown (no ground truth)")
        return
    click.echo(f"true:    {result.truth.entries} entries, {result.truth.exits} exits")
    for label, counted, true in (
        ("entries", result.entries, result.truth.entries),
        ("exits", result.exits, result.truth.exits),
    ):
        error = counted - true
        if true > 0:
            relative = f"{100.0 * abs(error) / true:.1f}%"
        elif error == 0:
            relative = "0.0%"
        else:
            relative = "n/a"
        click.echo(f"error {label}: {error:+d} ({relative})")


@click.command(name="replay")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--detections",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="MOTChallenge detections file (default: the sequence's det/det.txt or only det/*.txt).",
)
@click.option(
    "--input",
    "input_kind",
    type=click.Choice(INPUT_KINDS),
    default=None,
    help="What the core gets: detector boxes, ground-truth boxes (through the tracker) or "
    "ground-truth tracks (ids kept). Default: detections for MOT, gt-tracks for ETH/UCY.",
)
@click.option(
    "--line",
    "line_text",
    default="0,0.5,1,0.5",
    show_default=True,
    help="Counting line x1,y1,x2,y2: normalised to the frame for MOT, metres for ETH/UCY.",
)
@click.option(
    "--inside",
    "inside_text",
    default="0.5,1",
    show_default=True,
    help="Any point x,y on the inside side of the line, in the line's units.",
)
@click.option(
    "--band",
    type=float,
    default=0.02,
    show_default=True,
    help="Half width of the band around the line where a point has no side (line units).",
)
@click.option(
    "--confirm",
    type=int,
    default=2,
    show_default=True,
    help="Observations outside the band that confirm a side (immediate mode).",
)
@click.option(
    "--mode",
    type=click.Choice(sorted(MODES)),
    default="immediate",
    show_default=True,
    help="immediate: count on confirmation; deferred: count once when the track ends.",
)
@click.option(
    "--anchor",
    type=click.Choice(sorted(ANCHORS)),
    default="center",
    show_default=True,
    help="Point of the box that is counted.",
)
@click.option(
    "--min-score",
    type=float,
    default=0.7,
    show_default=True,
    help="Detections scoring below this are ignored.",
)
@click.option(
    "--box-size",
    type=float,
    default=1.0,
    show_default=True,
    help="ETH/UCY only: side in metres of the box drawn around each position. At 2.5 "
    "positions a second a walker moves about 0.5 m a step, so smaller boxes fall "
    "outside the tracker's gate (centre distance under one box height).",
)
@click.option(
    "--post",
    "post_url",
    default=None,
    help="Base URL of a running Footfall service to send the events to.",
)
@click.option("--key", "api_key", default=None, help="Device key for --post.")
@click.option(
    "--start",
    "start_text",
    default=None,
    help="ISO 8601 time with offset of the recording's first frame (default: now).",
)
@click.option(
    "--protocol",
    type=click.Choice(["v1", "legacy"]),
    default="v1",
    show_default=True,
    help="Device protocol used by --post.",
)
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="PEM certificate(s) that --post trusts for an https:// service "
    "(default: the system's root certificates).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def replay(
    *,
    source: Path,
    detections: Path | None,
    input_kind: str | None,
    line_text: str,
    inside_text: str,
    band: float,
    confirm: int,
    mode: str,
    anchor: str,
    min_score: float,
    box_size: float,
    post_url: str | None,
    api_key: str | None,
    start_text: str | None,
    protocol: str,
    ca_file: Path | None,
    as_json: bool,
) -> None:
    """Replay a MOTChallenge sequence folder or an ETH/UCY trajectory file through the core.

    Prints the entries and exits the core counts, the true crossings from the
    ground truth, and with --post sends the events to a running service.
    """
    if (post_url is None) != (api_key is None):
        raise click.UsageError("--post and --key go together: give both to send events, or neither")
    x1, y1, x2, y2 = _parse_numbers(line_text, 4, "--line")
    inside_x, inside_y = _parse_numbers(inside_text, 2, "--inside")
    line = CountingLine(start=(x1, y1), end=(x2, y2), inside=(inside_x, inside_y))
    start_ms = _parse_start(start_text)

    try:
        recording, truth, kind = _load_inputs(source, detections, input_kind, box_size)
        core = load_core()
    except (SourceError, BuildError) as error:
        raise click.ClickException(str(error)) from None

    settings = make_settings(
        core, line, band=band, confirm=confirm, mode=mode, anchor=anchor, min_score=min_score
    )
    # Normalised lines get the device's full validation; lines in metres only
    # the geometry check, since "inside the frame" has no meaning there.
    problem = core.settings_problem(settings, frame_checks=recording.units == "normalised")
    if problem is not None:
        raise click.BadParameter(
            f"the firmware core rejects these settings: {problem}",
            param_hint="--line/--inside/--band",
        )

    try:
        result = replay_recording(core, recording, settings, kind, truth)
    except CoreError as error:
        raise click.ClickException(str(error)) from None

    report = None
    if post_url is not None and api_key is not None:
        try:
            report = post_events(
                core,
                result.crossings,
                start_epoch_ms=start_ms,
                base_url=post_url,
                api_key=api_key,
                protocol=protocol,
                ca_file=ca_file,
            )
        except PostError as error:
            raise click.ClickException(str(error)) from None

    if as_json:
        payload = {
            "name": result.name,
            "input": result.input_kind,
            "frames": result.frames,
            "entries": result.entries,
            "exits": result.exits,
            "true_entries": None if result.truth is None else result.truth.entries,
            "true_exits": None if result.truth is None else result.truth.exits,
            "events": [
                {"direction": crossing.direction, "time": (start_ms + crossing.time_ms) / 1000.0}
                for crossing in result.crossings
            ],
            "posted": None
            if report is None
            else {
                "batches": report.batches,
                "accepted": report.accepted,
                "duplicates": report.duplicates,
                "rejected": report.rejected,
                "failures": report.failures,
            },
        }
        click.echo(json.dumps(payload))
        return

    _print_report(result, recording, line)
    if report is not None:
        click.echo(
            f"posted to {post_url}: {report.accepted} accepted, {report.duplicates} duplicates, "
            f"{report.rejected} rejected in {report.batches} batches "
            f"({report.failures} failed exchanges retried)"
        )
