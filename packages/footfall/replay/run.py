"""Run a recording frame by frame through the firmware core and post its events.

`replay_recording` feeds each frame to the core (ctypes), exactly as the device
feeds each camera frame, and collects the crossings. `post_events` hands the
crossings to the core's own event queue and uplink, which send them to a
running service with the v1 (or legacy) protocol.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .core import ANCHORS, MODES, CoreLibrary, Counting, Crossing, Detection, Observation, Settings
from .sources import Recording
from .truth import CountingLine, Crossings, anchor_point, true_crossings
from .uplink import DeviceUplink, HttpExchange, Transport, UplinkResult, urllib_transport

__all__ = [
    "INPUT_KINDS",
    "PostError",
    "PostReport",
    "ReplayResult",
    "make_settings",
    "post_events",
    "replay_recording",
    "service_last_seq",
]

# Inputs a recording can give the core: detector boxes through the tracker,
# ground-truth boxes through the tracker (identities dropped), or ground-truth
# tracks straight into the line counter (identities kept).
INPUT_KINDS = ("detections", "gt-boxes", "gt-tracks")


class PostError(RuntimeError):
    """The service did not take the events."""


@dataclass
class ReplayResult:
    """The counts of one replay and, where ground truth exists, the true counts."""

    name: str
    input_kind: str
    frames: int
    crossings: list[Crossing] = field(default_factory=list)
    truth: Crossings | None = None

    @property
    def entries(self) -> int:
        """Return the entries the core counted."""
        return sum(1 for crossing in self.crossings if crossing.direction == "entry")

    @property
    def exits(self) -> int:
        """Return the exits the core counted."""
        return sum(1 for crossing in self.crossings if crossing.direction == "exit")


def make_settings(
    core: CoreLibrary,
    line: CountingLine,
    *,
    band: float,
    confirm: int,
    mode: str,
    anchor: str,
    min_score: float,
) -> Settings:
    """Build core settings from replay options (the intervals keep their defaults)."""
    settings = core.default_settings()
    settings.line_start.x, settings.line_start.y = line.start
    settings.line_end.x, settings.line_end.y = line.end
    settings.inside.x, settings.inside.y = line.inside
    settings.band = band
    settings.confirm = confirm
    settings.mode = MODES[mode]
    settings.anchor = ANCHORS[anchor]
    settings.min_score = min_score
    return settings


def _line_of(settings: Settings) -> CountingLine:
    return CountingLine(
        start=(settings.line_start.x, settings.line_start.y),
        end=(settings.line_end.x, settings.line_end.y),
        inside=(settings.inside.x, settings.inside.y),
    )


def replay_recording(
    core: CoreLibrary,
    recording: Recording,
    settings: Settings,
    input_kind: str,
    truth_recording: Recording | None = None,
) -> ReplayResult:
    """Run every frame of `recording` through the core and count its crossings.

    `truth_recording` (the ground truth, when the input is detector output)
    gives the true crossings for the accuracy report.
    """
    if input_kind not in INPUT_KINDS:
        raise ValueError(f"input kind {input_kind!r} is not one of {', '.join(INPUT_KINDS)}")

    counting = Counting(core, settings)
    anchor = "bottom_center" if settings.anchor == ANCHORS["bottom_center"] else "center"
    result = ReplayResult(name=recording.name, input_kind=input_kind, frames=len(recording.frames))

    for frame in recording.frames:
        time_ms = round(frame.time_s * 1000.0)
        if input_kind == "gt-tracks":
            observations = []
            for box in frame.boxes:
                x, y = anchor_point(box, anchor)
                # Track id 0 means "free slot" in the core, so ids are shifted by one.
                observations.append(
                    Observation(
                        track_id=box.track_id + 1, frame=frame.index, time_ms=time_ms, x=x, y=y
                    )
                )
            result.crossings.extend(counting.process_tracks(observations))
        else:
            detections = [
                Detection(
                    x=box.cx - box.width / 2.0,
                    y=box.cy - box.height / 2.0,
                    w=box.width,
                    h=box.height,
                    score=box.score,
                )
                for box in frame.boxes
            ]
            result.crossings.extend(counting.process(detections, time_ms))
    result.crossings.extend(counting.finish())

    truth_source = truth_recording if truth_recording is not None else recording
    if truth_source.track_ids():
        result.truth = true_crossings(truth_source, _line_of(settings), settings.band, anchor)
    return result


@dataclass
class PostReport:
    """Summary of the uplink's exchanges while posting a replay's events."""

    queued: int
    batches: int
    accepted: int
    duplicates: int
    rejected: int
    failures: int
    steps: list[UplinkResult] = field(default_factory=list)


def service_last_seq(send: Transport, base_url: str, api_key: str) -> int:
    """Return the highest sequence number the service holds for the device, or -1."""
    probe = HttpExchange(
        method="POST",
        url=base_url.rstrip("/") + "/api/v1/events",
        api_key=api_key,
        if_none_match=None,
        body=b'{"events": []}',
    )
    answer = send(probe)
    if answer is None:
        raise PostError(
            f"no response from {base_url}; check the URL, that the service runs and, for "
            "https://, that its certificate is trusted (--ca-file)"
        )
    if answer.status != 200:
        detail = answer.body[:300].decode(errors="replace")
        raise PostError(
            f"{base_url} rejected an empty event batch with HTTP {answer.status}: {detail}; "
            "check the device key"
        )
    last_seq = json.loads(answer.body).get("last_seq")
    return -1 if last_seq is None else int(last_seq)


def post_events(
    core: CoreLibrary,
    crossings: list[Crossing],
    *,
    start_epoch_ms: int,
    base_url: str,
    api_key: str,
    protocol: str = "v1",
    transport: Transport | None = None,
    ca_file: Path | None = None,
    max_failures: int = 8,
    retry_sleep_s: float = 1.0,
) -> PostReport:
    """Send crossings through the core's queue and uplink, stamped from `start_epoch_ms`.

    The uplink's own schedule (batch interval, heartbeat, backoff) runs on a
    virtual uptime that jumps to the next due time, so a replay of an hour is
    posted in seconds. After a failed exchange the call really sleeps
    `retry_sleep_s` before the retry, and gives up after `max_failures` in a row.
    """
    send = transport if transport is not None else urllib_transport(ca_file=ca_file)
    uplink = DeviceUplink(
        core,
        base_url=base_url,
        api_key=api_key,
        transport=send,
        protocol=protocol,
        boot_id=f"replay-{start_epoch_ms}",
    )
    if protocol == "v1":
        # Continue the device's numbering like a device that kept its counter, so
        # a second replay into the same device is stored, not taken as duplicates.
        uplink.resume_after(service_last_seq(send, base_url, api_key))
    for crossing in crossings:
        uplink.push(crossing.direction, start_epoch_ms + crossing.time_ms)
    report = PostReport(
        queued=len(crossings), batches=0, accepted=0, duplicates=0, rejected=0, failures=0
    )

    now_ms = 0
    failures_in_row = 0
    # Bounded loop: each step sends a batch, a heartbeat or a config poll, or
    # fails. The bound only stops a service that never responds with 200.
    for _ in range(10 * len(crossings) + 100):
        if uplink.depth() == 0:
            break
        step = uplink.step(now_ms)
        report.steps.append(step)

        if step.action == "failed":
            report.failures += 1
            failures_in_row += 1
            if failures_in_row >= max_failures:
                last = (
                    f"HTTP {step.http_status}"
                    if step.http_status
                    else f"no answer (core error {step.err})"
                )
                raise PostError(
                    f"posting to {base_url} failed {failures_in_row} times in a row, last: {last}; "
                    f"{uplink.depth()} events were not delivered. "
                    "Check the URL, the device key and that the service runs"
                )
            time.sleep(retry_sleep_s)
        else:
            failures_in_row = 0
        if step.action == "sent_batch":
            report.batches += 1
            report.accepted += step.accepted
            report.duplicates += step.duplicates
            report.rejected += step.rejected

        now_ms = max(now_ms, step.next_due_ms, uplink.next_due_ms())
    if uplink.depth() != 0:
        raise PostError(f"{uplink.depth()} events were still queued after the uplink's step limit")
    return report
