"""Fixtures for the firmware tests: the real Footfall service on 127.0.0.1 and the real data.

The service fixture starts `litestar run` as a subprocess with its own SQLite
file, creates a store, a device and keys through the `litestar footfall` CLI,
and waits for `/health/live`, so the tests talk to the same process a device
would.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
STORE = "door-test-store"
STORE_TIMEZONE = "Europe/Berlin"
DEVICE = "door-1"
STARTUP_TIMEOUT_S = 60.0


def shared_data_dir() -> Path:
    """Return the folder of the recorded test data: FOOTFALL_SHARED_DATA, else shared/data
    beside the repository."""
    configured = os.environ.get("FOOTFALL_SHARED_DATA")
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def mot_dir() -> Path:
    """Return the MOTChallenge 2DMOT2015 training folder, or skip when it is absent."""
    path = shared_data_dir() / "mot15-2dmot2015-train"
    if not path.is_dir():
        pytest.skip(
            f"recorded MOTChallenge data not found at {path}; "
            "set FOOTFALL_SHARED_DATA to the folder that holds mot15-2dmot2015-train"
        )
    return path


@pytest.fixture(scope="session")
def eth_ucy_dir() -> Path:
    """Return the ETH/UCY trajectory folder, or skip when it is absent."""
    path = shared_data_dir() / "eth-ucy-trajectories"
    if not path.is_dir():
        pytest.skip(
            f"ETH/UCY trajectories not found at {path}; "
            "set FOOTFALL_SHARED_DATA to the folder that holds eth-ucy-trajectories"
        )
    return path


@dataclass
class Service:
    """A running Footfall service and the keys created for the tests."""

    base_url: str
    device_key: str
    admin_key: str
    store: str
    device: str
    certificate: Path | None = None
    environment: dict[str, str] | None = None

    def cli(self, *args: str) -> str:
        """Run `litestar footfall ARGS` against this service's database and return stdout."""
        assert self.environment is not None
        return _run_cli(self.environment, *args)

    def _context(self) -> ssl.SSLContext | None:
        if self.certificate is None:
            return None
        return ssl.create_default_context(cafile=str(self.certificate))

    def request(
        self, method: str, path: str, key: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """Send one JSON request and return the status and the decoded body."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if key is not None:
            request.add_header("Authorization", f"Bearer {key}")
        try:
            with urllib.request.urlopen(request, timeout=30, context=self._context()) as response:
                payload = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            payload = error.read()
            status = error.code
        return status, (json.loads(payload) if payload else None)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _litestar_command() -> list[str]:
    return [sys.executable, "-m", "litestar"]


def _run_cli(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [*_litestar_command(), "footfall", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"`litestar footfall {' '.join(args)}` failed with exit code {completed.returncode}:\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    return completed.stdout


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError("the key command printed nothing; expected the key on the last line")
    return lines[-1]


def _wait_live(
    base_url: str, process: subprocess.Popen[bytes], log_path: Path, certificate: Path | None
) -> None:
    context = ssl.create_default_context(cafile=str(certificate)) if certificate else None
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the service exited with code {process.returncode} during start-up:\n"
                f"{log_path.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(
                base_url + "/health/live", timeout=2, context=context
            ) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"the service at {base_url} did not answer /health/live within {STARTUP_TIMEOUT_S} s:\n"
        f"{log_path.read_text(errors='replace')}"
    )


def _make_certificate(folder: Path) -> tuple[Path, Path]:
    """Create a self-signed certificate for 127.0.0.1 with the openssl command."""
    certificate = folder / "cert.pem"
    key = folder / "key.pem"
    completed = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"openssl could not create a test certificate:\n{completed.stderr}")
    return certificate, key


def _start_service(workdir: Path, tls: bool) -> Iterator[Service]:
    if not (REPO_ROOT / "packages" / "footfall" / "app.py").is_file():
        pytest.skip("the Footfall service (packages/footfall/app.py) is not in this checkout")

    port = _free_port()
    env = dict(os.environ)
    env["FOOTFALL_DATABASE_URL"] = f"sqlite:///{workdir / 'footfall.db'}"
    env["LITESTAR_APP"] = "footfall.app:create_app"
    env.setdefault("PYTHONUNBUFFERED", "1")

    # The CLI creates the schema on first use, like the server does at start-up.
    _run_cli(env, "stores", "create", STORE, "--timezone", STORE_TIMEZONE)
    _run_cli(env, "devices", "create", DEVICE, "--store", STORE)
    device_key = _last_line(
        _run_cli(env, "keys", "create", "--role", "device", "--store", STORE, "--device", DEVICE)
    )
    admin_key = _last_line(_run_cli(env, "keys", "create", "--role", "admin"))

    command = [*_litestar_command(), "run", "--host", "127.0.0.1", "--port", str(port)]
    certificate = None
    if tls:
        certificate, key = _make_certificate(workdir)
        command += ["--ssl-certfile", str(certificate), "--ssl-keyfile", str(key)]

    log_path = workdir / "service.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base_url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    try:
        _wait_live(base_url, process, log_path, certificate)
        yield Service(
            base_url=base_url,
            device_key=device_key,
            admin_key=admin_key,
            store=STORE,
            device=DEVICE,
            certificate=certificate,
            environment=env,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Start the real service on a free loopback port with a fresh SQLite file."""
    yield from _start_service(tmp_path_factory.mktemp("service"), tls=False)


@pytest.fixture(scope="module")
def tls_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Start the real service over HTTPS with a self-signed certificate for 127.0.0.1."""
    yield from _start_service(tmp_path_factory.mktemp("tls_service"), tls=True)
