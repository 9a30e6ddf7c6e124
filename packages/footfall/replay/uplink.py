"""ctypes binding of the core's event queue and uplink, with a Python HTTP transport.

The uplink is the firmware's own C state machine (batching, JSON bodies,
backoff with jitter, heartbeat, config polling). Python provides only what the
ESP-IDF glue provides on the device: the HTTP transport, the clock (uptime in
milliseconds passed to every step) and the random numbers for the jitter.
"""

from __future__ import annotations

import ctypes
import random
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .core import CoreLibrary, Settings

__all__ = [
    "ACTIONS",
    "DeviceUplink",
    "HttpAnswer",
    "HttpExchange",
    "Transport",
    "UplinkResult",
    "urllib_transport",
]

PROTOCOLS = {"v1": 0, "legacy": 1}
ACTIONS = {
    0: "idle",
    1: "waiting",
    2: "sent_batch",
    3: "sent_heartbeat",
    4: "fetched_config",
    5: "resumed_seq",
    6: "failed",
}
CAMERA_STATES = {"starting": 0, "ok": 1, "fault": 2}
FF_ERR_TRANSPORT = 7


class _HttpRequest(ctypes.Structure):
    _fields_ = [
        ("method", ctypes.c_int32),
        ("url", ctypes.c_char_p),
        ("api_key", ctypes.c_char_p),
        ("if_none_match", ctypes.c_char_p),
        ("body", ctypes.POINTER(ctypes.c_char)),
        ("body_length", ctypes.c_uint32),
    ]


class _HttpResponse(ctypes.Structure):
    _fields_ = [
        ("status", ctypes.c_int32),
        ("body", ctypes.POINTER(ctypes.c_char)),
        ("body_capacity", ctypes.c_uint32),
        ("body_length", ctypes.c_uint32),
        ("truncated", ctypes.c_int32),
        ("etag", ctypes.POINTER(ctypes.c_char)),
        ("etag_capacity", ctypes.c_uint32),
    ]


_SEND_FN = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_HttpRequest), ctypes.POINTER(_HttpResponse)
)
_RNG_FN = ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)


class _HttpTransport(ctypes.Structure):
    _fields_ = [("ctx", ctypes.c_void_p), ("send", _SEND_FN)]


class _UplinkConfig(ctypes.Structure):
    _fields_ = [
        ("base_url", ctypes.c_char_p),
        ("api_key", ctypes.c_char_p),
        ("protocol", ctypes.c_int32),
        ("boot_id", ctypes.c_char_p),
        ("firmware", ctypes.c_char_p),
        ("transport", _HttpTransport),
        ("rng", _RNG_FN),
        ("rng_ctx", ctypes.c_void_p),
        ("settings_store", ctypes.c_void_p),
    ]


_STORE_LOAD_FN = ctypes.CFUNCTYPE(
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_char_p,
    ctypes.c_uint32,
    ctypes.c_char_p,
    ctypes.c_uint32,
)
_STORE_SAVE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p)


class _SettingsStore(ctypes.Structure):
    _fields_ = [("ctx", ctypes.c_void_p), ("load", _STORE_LOAD_FN), ("save", _STORE_SAVE_FN)]


class _RamSettingsStore(ctypes.Structure):
    """ff_ram_settings_store_t of the host fakes: the last saved ETag and JSON."""

    _fields_ = [
        ("etag", ctypes.c_char * 80),
        ("json", ctypes.c_char * 512),
        ("saved", ctypes.c_int32),
    ]


class _DeviceStatus(ctypes.Structure):
    _fields_ = [
        ("fps", ctypes.c_float),
        ("camera", ctypes.c_int32),
        ("rssi_dbm", ctypes.c_int32),
        ("free_heap", ctypes.c_int32),
    ]


class _UplinkResult(ctypes.Structure):
    _fields_ = [
        ("action", ctypes.c_int32),
        ("err", ctypes.c_int32),
        ("http_status", ctypes.c_int32),
        ("events_sent", ctypes.c_uint32),
        ("accepted", ctypes.c_uint32),
        ("duplicates", ctypes.c_uint32),
        ("rejected", ctypes.c_uint32),
        ("next_due_ms", ctypes.c_int64),
    ]


@dataclass(frozen=True)
class HttpExchange:
    """One HTTP request that the uplink hands to the transport."""

    method: str
    url: str
    api_key: str | None
    if_none_match: str | None
    body: bytes | None


@dataclass(frozen=True)
class HttpAnswer:
    """HTTP response: the status, the body and the ETag header ("" when absent)."""

    status: int
    body: bytes = b""
    etag: str = ""


# A transport returns None when no response arrived (refused, timed out, TLS failure).
Transport = Callable[[HttpExchange], HttpAnswer | None]


@dataclass(frozen=True)
class UplinkResult:
    """Outcome of one uplink step, decoded from ff_uplink_result_t."""

    action: str
    err: int
    http_status: int
    events_sent: int
    accepted: int
    duplicates: int
    rejected: int
    next_due_ms: int


def urllib_transport(timeout_s: float = 10.0, ca_file: Path | None = None) -> Transport:
    """Return a transport that sends real HTTP(S) requests with urllib.

    HTTPS verifies the server certificate and host name, as the device does
    with its certificate bundle: against the system's root certificates, or
    against `ca_file` (PEM) for a service with a private certificate authority.
    A certificate that fails verification gives no response, like a refused
    connection.
    """
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)

    def send(exchange: HttpExchange) -> HttpAnswer | None:
        if not exchange.url.startswith(("http://", "https://")):
            raise ValueError(f"URL {exchange.url!r} must start with http:// or https://")
        # The scheme is checked above, so urlopen never reads a file: URL.
        request = urllib.request.Request(  # noqa: S310
            exchange.url, data=exchange.body, method=exchange.method
        )
        if exchange.body is not None:
            request.add_header("Content-Type", "application/json")
        if exchange.api_key is not None:
            request.add_header("Authorization", f"Bearer {exchange.api_key}")
        if exchange.if_none_match is not None:
            request.add_header("If-None-Match", exchange.if_none_match)
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=timeout_s, context=context
            ) as response:
                return HttpAnswer(
                    response.status, response.read(), response.headers.get("ETag", "")
                )
        except urllib.error.HTTPError as error:
            return HttpAnswer(
                error.code, error.read(), error.headers.get("ETag", "") if error.headers else ""
            )
        except (urllib.error.URLError, OSError, TimeoutError):
            return None

    return send


_declared: set[int] = set()


def _declare(core: CoreLibrary) -> None:
    lib = core.lib
    if id(lib) in _declared:
        return
    err = ctypes.c_int
    lib.ff_queue_sizeof.restype = ctypes.c_size_t
    lib.ff_queue_init.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.ff_queue_init.restype = err

    lib.ff_queue_push_stamped.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int32,
        ctypes.c_int64,
        ctypes.POINTER(ctypes.c_uint64),
    ]
    lib.ff_queue_push_stamped.restype = err
    lib.ff_queue_resume_after.argtypes = [ctypes.c_void_p, ctypes.c_int64]
    lib.ff_queue_resume_after.restype = err
    lib.ff_queue_depth.argtypes = [ctypes.c_void_p]
    lib.ff_queue_depth.restype = ctypes.c_size_t
    lib.ff_queue_dropped.argtypes = [ctypes.c_void_p]
    lib.ff_queue_dropped.restype = ctypes.c_uint32

    lib.ff_uplink_sizeof.restype = ctypes.c_size_t
    lib.ff_uplink_init.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(_UplinkConfig),
        ctypes.c_void_p,
        ctypes.POINTER(Settings),
        ctypes.c_int64,
    ]
    lib.ff_uplink_init.restype = err
    lib.ff_uplink_step.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.POINTER(_UplinkResult)]
    lib.ff_uplink_step.restype = err
    lib.ff_uplink_set_status.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DeviceStatus)]
    lib.ff_uplink_set_status.restype = None
    lib.ff_uplink_take_settings.argtypes = [ctypes.c_void_p, ctypes.POINTER(Settings)]
    lib.ff_uplink_take_settings.restype = err
    lib.ff_ram_settings_store_init.argtypes = [
        ctypes.POINTER(_RamSettingsStore),
        ctypes.POINTER(_SettingsStore),
    ]
    lib.ff_ram_settings_store_init.restype = None
    lib.ff_uplink_next_due_ms.argtypes = [ctypes.c_void_p]
    lib.ff_uplink_next_due_ms.restype = ctypes.c_int64
    _declared.add(id(lib))


class DeviceUplink:
    """A RAM event queue and the core's uplink over it, driven by explicit uptimes."""

    def __init__(
        self,
        core: CoreLibrary,
        *,
        base_url: str,
        api_key: str,
        transport: Transport,
        settings: Settings | None = None,
        protocol: str = "v1",
        boot_id: str = "replay",
        firmware: str = "replay",
        seed: int = 0,
        now_ms: int = 0,
    ) -> None:
        _declare(core)
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol {protocol!r} is not one of {sorted(PROTOCOLS)}")
        self.core = core
        self.transport = transport
        self.exchanges: list[tuple[HttpExchange, HttpAnswer | None]] = []
        self._random = random.Random(seed)

        self._queue = ctypes.create_string_buffer(core.lib.ff_queue_sizeof())
        core.check(core.lib.ff_queue_init(self._queue, None), "ff_queue_init")

        # A RAM settings store (host fake) replaces NVS, so a test can read
        # what the uplink saved.
        self._ram_store = _RamSettingsStore()
        self._store = _SettingsStore()
        core.lib.ff_ram_settings_store_init(
            ctypes.byref(self._ram_store), ctypes.byref(self._store)
        )

        # The callbacks must outlive every step, so they are kept on the object.
        self._send = _SEND_FN(self._on_send)
        self._rng = _RNG_FN(lambda _ctx: self._random.getrandbits(32))
        config = _UplinkConfig(
            base_url=base_url.rstrip("/").encode(),
            api_key=api_key.encode(),
            protocol=PROTOCOLS[protocol],
            boot_id=boot_id.encode(),
            firmware=firmware.encode(),
            transport=_HttpTransport(None, self._send),
            rng=self._rng,
            rng_ctx=None,
            settings_store=ctypes.cast(ctypes.pointer(self._store), ctypes.c_void_p),
        )
        self._settings = settings if settings is not None else core.default_settings()
        self._uplink = ctypes.create_string_buffer(core.lib.ff_uplink_sizeof())
        code = core.lib.ff_uplink_init(
            self._uplink, ctypes.byref(config), self._queue, ctypes.byref(self._settings), now_ms
        )
        core.check(code, "ff_uplink_init")
        self.set_status(fps=0.0, camera="ok", rssi_dbm=0, free_heap=0)

    def _on_send(
        self,
        _ctx: int,
        request_p: ctypes._Pointer[_HttpRequest],
        response_p: ctypes._Pointer[_HttpResponse],
    ) -> int:
        request = request_p.contents
        response = response_p.contents
        body = ctypes.string_at(request.body, request.body_length) if request.body else None
        exchange = HttpExchange(
            method="POST" if request.method == 1 else "GET",
            url=request.url.decode(),
            api_key=request.api_key.decode() if request.api_key else None,
            if_none_match=request.if_none_match.decode() if request.if_none_match else None,
            body=body,
        )
        try:
            answer = self.transport(exchange)
        except Exception:
            answer = None
        self.exchanges.append((exchange, answer))
        if answer is None:
            return FF_ERR_TRANSPORT

        response.status = answer.status
        stored = answer.body[: response.body_capacity]
        ctypes.memmove(response.body, stored, len(stored))
        response.body_length = len(stored)
        response.truncated = 1 if len(answer.body) > response.body_capacity else 0
        etag = answer.etag.encode()[: max(response.etag_capacity - 1, 0)]
        ctypes.memmove(response.etag, etag + b"\0", len(etag) + 1)
        return 0

    def take_settings(self) -> Settings | None:
        """Return settings fetched and validated since the last call, or None."""
        settings = Settings()
        code = self.core.lib.ff_uplink_take_settings(self._uplink, ctypes.byref(settings))
        return settings if code == 0 else None

    def stored_settings(self) -> tuple[str, str, int]:
        """Return the ETag, the JSON and the number of saves in the settings store."""
        return (
            self._ram_store.etag.decode(errors="replace"),
            self._ram_store.json.decode(errors="replace"),
            int(self._ram_store.saved),
        )

    def set_status(self, fps: float, camera: str, rssi_dbm: int, free_heap: int) -> None:
        """Set the device facts that the next heartbeat reports."""
        status = _DeviceStatus(
            fps=fps, camera=CAMERA_STATES[camera], rssi_dbm=rssi_dbm, free_heap=free_heap
        )
        self.core.lib.ff_uplink_set_status(self._uplink, ctypes.byref(status))

    def push(self, direction: str, epoch_ms: int) -> int:
        """Queue one event with a known wall time and return its sequence number."""
        seq = ctypes.c_uint64(0)
        code = self.core.lib.ff_queue_push_stamped(
            self._queue, 0 if direction == "entry" else 1, epoch_ms, ctypes.byref(seq)
        )
        self.core.check(code, "ff_queue_push_stamped")
        return int(seq.value)

    def queue_pointer(self) -> ctypes.Array[ctypes.c_char]:
        """Return the queue's memory, for a pipeline that pushes into the same queue."""
        return self._queue

    def uplink_pointer(self) -> ctypes.Array[ctypes.c_char]:
        """Return the uplink's memory, for calls that take an ff_uplink_t pointer."""
        return self._uplink

    def resume_after(self, last_seq: int) -> None:
        """Number the next events after `last_seq` (-1 when the service has none stored)."""
        code = self.core.lib.ff_queue_resume_after(self._queue, last_seq)
        self.core.check(code, "ff_queue_resume_after")

    def depth(self) -> int:
        """Return the number of events waiting for the service's response."""
        return int(self.core.lib.ff_queue_depth(self._queue))

    def dropped(self) -> int:
        """Return the number of events dropped by queue overflow."""
        return int(self.core.lib.ff_queue_dropped(self._queue))

    def next_due_ms(self) -> int:
        """Return the uptime at which the uplink next has work."""
        return int(self.core.lib.ff_uplink_next_due_ms(self._uplink))

    def step(self, now_ms: int) -> UplinkResult:
        """Run one uplink step at uptime `now_ms` (at most one HTTP exchange)."""
        result = _UplinkResult()
        self.core.lib.ff_uplink_step(self._uplink, now_ms, ctypes.byref(result))
        return UplinkResult(
            action=ACTIONS.get(result.action, str(result.action)),
            err=int(result.err),
            http_status=int(result.http_status),
            events_sent=int(result.events_sent),
            accepted=int(result.accepted),
            duplicates=int(result.duplicates),
            rejected=int(result.rejected),
            next_due_ms=int(result.next_due_ms),
        )
