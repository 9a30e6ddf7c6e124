"""A simulated counter: the core's pipeline, queue and uplink together, through ctypes.

The camera is the only fake: the caller says for each capture whether a frame
arrived and which boxes the detector found in it. Everything else is the
firmware's C code, driven by explicit uptimes as on the device.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence

from .core import CoreLibrary, Detection, Settings
from .uplink import DeviceUplink, Transport

__all__ = ["SimulatedDevice"]

_REINIT_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


class _CameraOps(ctypes.Structure):
    _fields_ = [("ctx", ctypes.c_void_p), ("reinit", _REINIT_FN)]


class _DeviceStatus(ctypes.Structure):
    _fields_ = [
        ("fps", ctypes.c_float),
        ("camera", ctypes.c_int32),
        ("rssi_dbm", ctypes.c_int32),
        ("free_heap", ctypes.c_int32),
    ]


_declared: set[int] = set()


def _declare(core: CoreLibrary) -> None:
    lib = core.lib
    if id(lib) in _declared:
        return
    err = ctypes.c_int

    lib.ff_pipeline_sizeof.restype = ctypes.c_size_t
    lib.ff_pipeline_init.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(Settings),
        ctypes.c_void_p,
        ctypes.POINTER(_CameraOps),
    ]
    lib.ff_pipeline_init.restype = err
    lib.ff_pipeline_on_frame.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int64,
        ctypes.c_int32,
        ctypes.POINTER(Detection),
        ctypes.c_size_t,
        ctypes.POINTER(ctypes.c_size_t),
    ]
    lib.ff_pipeline_on_frame.restype = err

    lib.ff_pipeline_set_clock.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]
    lib.ff_pipeline_set_clock.restype = err
    lib.ff_pipeline_take_state_change.argtypes = [ctypes.c_void_p]
    lib.ff_pipeline_take_state_change.restype = ctypes.c_int
    lib.ff_pipeline_fill_status.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DeviceStatus)]
    lib.ff_pipeline_fill_status.restype = None
    lib.ff_pipeline_apply_settings.argtypes = [ctypes.c_void_p, ctypes.POINTER(Settings)]
    lib.ff_pipeline_apply_settings.restype = err
    lib.ff_uplink_request_heartbeat.argtypes = [ctypes.c_void_p]
    lib.ff_uplink_request_heartbeat.restype = None

    _declared.add(id(lib))


class SimulatedDevice:
    """Pipeline, queue and uplink wired as in the device's main.c, with a fake camera."""

    def __init__(
        self,
        core: CoreLibrary,
        *,
        base_url: str,
        api_key: str,
        transport: Transport,
        settings: Settings | None = None,
        boot_id: str = "simulated",
    ) -> None:
        _declare(core)
        self.core = core
        self.reinits = 0
        self.uplink = DeviceUplink(
            core, base_url=base_url, api_key=api_key, transport=transport, boot_id=boot_id
        )
        self._settings = settings if settings is not None else core.default_settings()

        # Kept on the object: the core calls it for as long as the pipeline lives.
        self._reinit = _REINIT_FN(self._on_reinit)
        self._camera_ops = _CameraOps(None, self._reinit)
        self._pipeline = ctypes.create_string_buffer(core.lib.ff_pipeline_sizeof())
        code = core.lib.ff_pipeline_init(
            self._pipeline,
            ctypes.byref(self._settings),
            self.uplink.queue_pointer(),
            ctypes.byref(self._camera_ops),
        )
        core.check(code, "ff_pipeline_init")

    def _on_reinit(self, _ctx: int) -> int:
        self.reinits += 1
        return 0

    def apply_new_settings(self) -> Settings | None:
        """Apply settings the uplink fetched, without a restart, as the uplink task does."""
        fetched = self.uplink.take_settings()
        if fetched is None:
            return None
        code = self.core.lib.ff_pipeline_apply_settings(self._pipeline, ctypes.byref(fetched))
        self.core.check(code, "ff_pipeline_apply_settings")
        return fetched

    def set_clock(self, uptime_ms: int, epoch_ms: int) -> None:
        """Tell the pipeline the wall time, as the SNTP callback does."""
        code = self.core.lib.ff_pipeline_set_clock(self._pipeline, uptime_ms, epoch_ms)
        self.core.check(code, "ff_pipeline_set_clock")

    def capture(self, uptime_ms: int, boxes: Sequence[Detection] | None) -> int:
        """Handle one capture attempt; `boxes` None means the capture failed.

        Returns the number of events queued. Like the device's camera task, it
        requests a heartbeat from the uplink when the camera state changed.
        """
        valid = boxes is not None
        items = list(boxes) if boxes is not None else []
        array = (Detection * max(len(items), 1))(*items)
        events = ctypes.c_size_t(0)
        code = self.core.lib.ff_pipeline_on_frame(
            self._pipeline, uptime_ms, 1 if valid else 0, array, len(items), ctypes.byref(events)
        )
        self.core.check(code, "ff_pipeline_on_frame")

        if self.core.lib.ff_pipeline_take_state_change(self._pipeline):
            self.core.lib.ff_uplink_request_heartbeat(self.uplink.uplink_pointer())
        status = _DeviceStatus()
        self.core.lib.ff_pipeline_fill_status(self._pipeline, ctypes.byref(status))
        camera = {0: "starting", 1: "ok", 2: "fault"}.get(int(status.camera), "fault")
        self.uplink.set_status(
            fps=float(status.fps), camera=camera, rssi_dbm=-55, free_heap=200_000
        )
        return int(events.value)
