"""ctypes binding of the firmware's portable counting core.

The structs below mirror the public headers in
`firmware/lib/footfall_core/include/footfall/` (settings.h, tracker.h,
counter.h, counting.h). Objects whose size depends on build-time capacities
are allocated as raw buffers of the size the library reports, so the binding
stays correct when the capacities change.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .build import locate_library

__all__ = [
    "ANCHORS",
    "MODES",
    "CoreError",
    "CoreLibrary",
    "Counting",
    "Crossing",
    "Detection",
    "Observation",
    "Point",
    "Settings",
    "load_core",
]

MODES = {"immediate": 0, "deferred": 1}
ANCHORS = {"center": 0, "bottom_center": 1}
DIRECTIONS = {0: "entry", 1: "exit"}
REASON_CAPACITY = 256


class CoreError(RuntimeError):
    """A core function returned an error code."""


class Point(ctypes.Structure):
    """ff_point_t."""

    _fields_ = [("x", ctypes.c_float), ("y", ctypes.c_float)]


class Settings(ctypes.Structure):
    """ff_settings_t: the counting settings."""

    _fields_ = [
        ("line_start", Point),
        ("line_end", Point),
        ("inside", Point),
        ("band", ctypes.c_float),
        ("min_score", ctypes.c_float),
        ("confirm", ctypes.c_int32),
        ("mode", ctypes.c_int32),
        ("anchor", ctypes.c_int32),
        ("batch_interval_s", ctypes.c_int32),
        ("heartbeat_interval_s", ctypes.c_int32),
    ]


class Detection(ctypes.Structure):
    """ff_detection_t: one box, left, top, width, height, and its score."""

    _fields_ = [
        ("x", ctypes.c_float),
        ("y", ctypes.c_float),
        ("w", ctypes.c_float),
        ("h", ctypes.c_float),
        ("score", ctypes.c_float),
    ]


class Observation(ctypes.Structure):
    """ff_observation_t: a track's anchor point in one frame."""

    _fields_ = [
        ("track_id", ctypes.c_uint32),
        ("frame", ctypes.c_uint32),
        ("time_ms", ctypes.c_int64),
        ("x", ctypes.c_float),
        ("y", ctypes.c_float),
    ]


class _Crossing(ctypes.Structure):
    _fields_ = [
        ("track_id", ctypes.c_uint32),
        ("direction", ctypes.c_int32),
        ("time_ms", ctypes.c_int64),
    ]


@dataclass(frozen=True)
class Crossing:
    """One counted crossing: the track, "entry" or "exit", and the time in ms."""

    track_id: int
    direction: str
    time_ms: int


class CoreLibrary:
    """The loaded shared library with its function signatures declared."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lib = ctypes.CDLL(str(path))
        self._declare()
        # Crossing buffer length handed to the core; the core returns
        # BUFFER_TOO_SMALL rather than overrun it, and FF_COUNTER_CAPACITY
        # (32 by default) always suffices.
        self.counter_capacity = 256

    def _declare(self) -> None:
        lib = self.lib
        size_t = ctypes.c_size_t
        err = ctypes.c_int
        settings_p = ctypes.POINTER(Settings)
        crossing_p = ctypes.POINTER(_Crossing)

        lib.ff_err_name.argtypes = [err]
        lib.ff_err_name.restype = ctypes.c_char_p
        lib.ff_settings_default.argtypes = [settings_p]
        lib.ff_settings_default.restype = None
        for name in ("ff_settings_check_geometry", "ff_settings_validate"):
            function = getattr(lib, name)
            function.argtypes = [settings_p, ctypes.c_char_p, size_t]
            function.restype = err
        lib.ff_settings_parse_json.argtypes = [
            ctypes.c_char_p,
            size_t,
            settings_p,
            ctypes.c_char_p,
            size_t,
        ]
        lib.ff_settings_parse_json.restype = err

        lib.ff_counting_sizeof.argtypes = []
        lib.ff_counting_sizeof.restype = size_t
        lib.ff_counting_init.argtypes = [ctypes.c_void_p, settings_p]
        lib.ff_counting_init.restype = err
        lib.ff_counting_process.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(Detection),
            size_t,
            ctypes.c_int64,
            crossing_p,
            size_t,
            ctypes.POINTER(size_t),
        ]
        lib.ff_counting_process.restype = err
        lib.ff_counting_process_tracks.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(Observation),
            size_t,
            crossing_p,
            size_t,
            ctypes.POINTER(size_t),
        ]
        lib.ff_counting_process_tracks.restype = err
        lib.ff_counting_finish.argtypes = [
            ctypes.c_void_p,
            crossing_p,
            size_t,
            ctypes.POINTER(size_t),
        ]
        lib.ff_counting_finish.restype = err

    def error_name(self, code: int) -> str:
        """Return the name of a core error code, such as "INVALID_SETTINGS"."""
        name = self.lib.ff_err_name(code)
        return name.decode() if name else f"error {code}"

    def check(self, code: int, action: str) -> None:
        """Raise CoreError when `code` is not FF_OK."""
        if code != 0:
            raise CoreError(
                f"{action} failed in the firmware core: {self.error_name(code)} ({code})"
            )

    def default_settings(self) -> Settings:
        """Return the build-time default settings."""
        settings = Settings()
        self.lib.ff_settings_default(ctypes.byref(settings))
        return settings

    def settings_problem(self, settings: Settings, frame_checks: bool) -> str | None:
        """Return why the core rejects `settings`, or None when they are accepted.

        With `frame_checks`, the device's full validation runs: coordinates within
        the frame and both sides visible. Without it, only the geometry is checked,
        because a replay in metres has no frame.
        """
        reason = ctypes.create_string_buffer(REASON_CAPACITY)
        function = (
            self.lib.ff_settings_validate if frame_checks else self.lib.ff_settings_check_geometry
        )
        code = function(ctypes.byref(settings), reason, REASON_CAPACITY)
        if code == 0:
            return None
        return reason.value.decode(errors="replace") or self.error_name(code)

    def parse_settings_json(
        self, body: bytes, base: Settings | None = None
    ) -> tuple[Settings, str | None]:
        """Parse a config body with the core; return the settings and the reason or None."""
        settings = base if base is not None else self.default_settings()
        reason = ctypes.create_string_buffer(REASON_CAPACITY)
        code = self.lib.ff_settings_parse_json(
            body, len(body), ctypes.byref(settings), reason, REASON_CAPACITY
        )
        if code == 0:
            return settings, None
        return settings, reason.value.decode(errors="replace") or self.error_name(code)


class Counting:
    """One `ff_counting_t`: the core's tracker and line counter, fed frame by frame."""

    def __init__(self, core: CoreLibrary, settings: Settings) -> None:
        self.core = core
        self._state = ctypes.create_string_buffer(core.lib.ff_counting_sizeof())
        self._crossings = (_Crossing * core.counter_capacity)()
        self._count = ctypes.c_size_t(0)
        core.check(
            core.lib.ff_counting_init(self._state, ctypes.byref(settings)), "ff_counting_init"
        )

    def _collect(self) -> list[Crossing]:
        return [
            Crossing(
                track_id=int(self._crossings[index].track_id),
                direction=DIRECTIONS.get(int(self._crossings[index].direction), "unknown"),
                time_ms=int(self._crossings[index].time_ms),
            )
            for index in range(self._count.value)
        ]

    def process(self, detections: Sequence[Detection], time_ms: int) -> list[Crossing]:
        """Run one frame of detector boxes through the tracker and the counter."""
        array = (Detection * max(len(detections), 1))(*detections)
        code = self.core.lib.ff_counting_process(
            self._state,
            array,
            len(detections),
            time_ms,
            self._crossings,
            self.core.counter_capacity,
            ctypes.byref(self._count),
        )
        self.core.check(code, "ff_counting_process")
        return self._collect()

    def process_tracks(self, observations: Iterable[Observation]) -> list[Crossing]:
        """Run one frame of tracks with known ids through the line counter only."""
        items = list(observations)
        array = (Observation * max(len(items), 1))(*items)
        code = self.core.lib.ff_counting_process_tracks(
            self._state,
            array,
            len(items),
            self._crossings,
            self.core.counter_capacity,
            ctypes.byref(self._count),
        )
        self.core.check(code, "ff_counting_process_tracks")
        return self._collect()

    def finish(self) -> list[Crossing]:
        """End every track and return the deferred-mode crossings that follow."""
        code = self.core.lib.ff_counting_finish(
            self._state, self._crossings, self.core.counter_capacity, ctypes.byref(self._count)
        )
        self.core.check(code, "ff_counting_finish")
        return self._collect()


_loaded: dict[Path, CoreLibrary] = {}


def load_core(library_path: Path | None = None) -> CoreLibrary:
    """Load the core's shared library, building it from the firmware sources when needed."""
    path = library_path if library_path is not None else locate_library()
    if path not in _loaded:
        _loaded[path] = CoreLibrary(path)
    return _loaded[path]
