"""A real Footfall service on 127.0.0.1 for the dashboard tests and the screenshot script.

The service runs as `litestar run` in a subprocess with a fresh SQLite database. Stores,
devices and keys are created with `litestar footfall`, and events and heartbeats are sent
through the device API.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .seed import DeviceLog, day_visits, events_of, recent_visits, send_events, send_heartbeat

__all__ = ["Service", "running_service"]

REPO = Path(__file__).resolve().parents[2]
PLUGIN_FIXTURE = Path(__file__).resolve().parent / "plugin_fixture"
STARTUP_TIMEOUT_S = 60.0


@dataclass
class Service:
    """A running service with its seeded stores, keys and devices."""

    url: str
    admin_key: str
    viewer_key: str
    devices: dict[str, DeviceLog] = field(default_factory=dict)

    def get(self, path: str, params: dict[str, str] | None = None, key: str | None = None) -> Any:
        """GET a path of the API and return the decoded JSON response."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        request = urllib.request.Request(
            f"{self.url}{path}{query}",
            headers={"Authorization": f"Bearer {key or self.admin_key}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def get_url(self, url: str) -> Any:
        """GET a full URL, such as one the dashboard requested, with the admin key."""
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.admin_key}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_live(url: str, process: subprocess.Popen[str], log: Path) -> None:
    """Wait until /health/live returns 200, or fail with the service's log."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"The service exited with code {process.returncode} during start-up. "
                f"Its log:\n{log.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{url}/health/live", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"The service at {url} did not answer /health/live within {STARTUP_TIMEOUT_S} s. "
        f"Its log:\n{log.read_text()}"
    )


def seed(service: Service, cli: Any) -> None:
    """Create the stores, devices and keys, and send the events the tests check."""
    rng = random.Random(20250330)
    now = time.time()

    # Berlin: two doors, so the door selector shows. Data on the spring-forward day, on the
    # same day a week earlier (comparison), and in the last eight days (relative ranges and
    # the screenshot). Both doors send healthy heartbeats.
    cli("stores", "create", "Berlin", "--timezone", "Europe/Berlin")
    for door in ("front", "back"):
        cli("devices", "create", door, "--store", "Berlin")
        key = cli("keys", "create", "--role", "device", "--store", "Berlin", "--device", door)
        service.devices[door] = DeviceLog(key=key)

    for door, busy in (("front", (3, 9)), ("back", (1, 4))):
        visits = day_visits(rng, "2025-03-30", "Europe/Berlin", range(8, 20), busy)
        visits += day_visits(rng, "2025-03-23", "Europe/Berlin", range(9, 19), busy)
        visits += recent_visits(rng, "Europe/Berlin", 8, now)
        send_events(service.url, service.devices[door], events_of(visits))
        send_heartbeat(service.url, service.devices[door], camera="ok")

    # Chicago: one door, data on the fall-back day in every local hour, including both
    # occurrences of 01:00 (CDT, then CST), with different counts.
    cli("stores", "create", "Chicago", "--timezone", "America/Chicago")
    cli("devices", "create", "door", "--store", "Chicago")
    key = cli("keys", "create", "--role", "device", "--store", "Chicago", "--device", "door")
    service.devices["door"] = DeviceLog(key=key)
    visits = day_visits(rng, "2022-11-06", "America/Chicago", range(0, 24), (1, 3))
    # 06:00Z to 07:00Z is the first 01:00 (CDT), 07:00Z to 08:00Z the second (CST).
    first_one_am = 1667714400.0
    chicago_events = events_of(visits)
    chicago_events += [(first_one_am + 60 * minute, "entry") for minute in (5, 10, 15)]
    chicago_events += [
        (first_one_am + 3600 + 60 * minute, "entry") for minute in (5, 10, 15, 20, 25)
    ]
    send_events(service.url, service.devices["door"], sorted(chicago_events))

    # Hamburg: one door with a camera fault and one that never reported.
    cli("stores", "create", "Hamburg", "--timezone", "Europe/Berlin")
    for door in ("north", "south"):
        cli("devices", "create", door, "--store", "Hamburg")
    key = cli("keys", "create", "--role", "device", "--store", "Hamburg", "--device", "north")
    service.devices["north"] = DeviceLog(key=key)
    send_events(service.url, service.devices["north"], [(now - 120, "entry")])
    send_heartbeat(service.url, service.devices["north"], camera="fault")

    service.viewer_key = cli("keys", "create", "--role", "viewer", "--store", "Berlin")


@contextmanager
def running_service(tmp: Path, example_plugin: bool = True) -> Iterator[Service]:
    """Start a seeded service with its database and log in ``tmp``; stop it on exit.

    ``example_plugin`` loads the day-length analytic of ``plugin_fixture/`` as well.
    """
    port = free_port()
    env = {
        **os.environ,
        # Set here as well as in .env, because python-dotenv looks for .env next to the
        # calling module (inside site-packages), not in the working directory.
        "LITESTAR_APP": "footfall.app:create_app",
        "FOOTFALL_DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite'}",
    }
    if example_plugin:
        env["FOOTFALL_EXTRA_PLUGINS"] = "footfall_day_length"
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(PLUGIN_FIXTURE), os.environ.get("PYTHONPATH", "")) if part
        )
    log = tmp / "service.log"

    def cli(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "litestar", "footfall", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"`litestar footfall {' '.join(args)}` failed with code {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result.stdout.strip().splitlines()[-1].strip()

    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "litestar", "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
    url = f"http://127.0.0.1:{port}"

    try:
        wait_live(url, process, log)
        admin_key = cli("keys", "create", "--role", "admin")
        running = Service(url=url, admin_key=admin_key, viewer_key="")
        seed(running, cli)
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
