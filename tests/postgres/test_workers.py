"""Four uvicorn worker processes on one port under concurrent ingest.

On PostgreSQL when FOOTFALL_TEST_POSTGRES_URL is set (the PostgreSQL test script sets it),
else on a SQLite file.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.models import Event, QuarterCount
from tests.helpers import REPOSITORY, Seeder, free_port, fresh_database_url
from tests.postgres.dataset import (
    DEVICES,
    STORE,
    assert_same_results,
    batches,
    dataset_events,
    query_every_analytic,
    seed_dataset,
)

pytestmark = pytest.mark.slow

WORKERS = 4


@dataclass
class Workers:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path


def _run_cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "litestar", "footfall", *args],
        env=env, cwd=REPOSITORY, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, f"litestar footfall {' '.join(args)}:\n{result.stderr}"


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[Workers, Database]]:
    database_url = fresh_database_url(tmp_path, "workers")
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = dict(os.environ)
    env.update({"FOOTFALL_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"})
    # The schema is upgraded once before the workers start, as docs/deployment.md describes,
    # so that four processes never race to migrate it.
    _run_cli(env, "db", "upgrade")
    env.update({
        "FOOTFALL_AUTO_MIGRATE": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    })

    port = free_port()
    log_path = tmp_path / "workers.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "footfall.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS)],
        cwd=REPOSITORY, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
    )
    database = Database(Settings(database_url=database_url))
    try:
        _wait_for_workers(process, log_path)
        yield Workers(f"http://127.0.0.1:{port}", process, log_path), database
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        database.dispose()


def test_workers_upgrade_empty_schema_at_once(tmp_path: Path) -> None:
    # The default FOOTFALL_AUTO_MIGRATE=1: all four processes find an empty database and
    # upgrade it at the same moment, and every one of them must start.
    database_url = fresh_database_url(tmp_path, "racing")
    env = dict(os.environ, FOOTFALL_DATABASE_URL=database_url, FOOTFALL_AUTO_MIGRATE="1",
               PYTHONUNBUFFERED="1")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log_path = tmp_path / "racing.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "footfall.app:create_app",
         "--host", "127.0.0.1", "--port", str(free_port()), "--workers", str(WORKERS)],
        cwd=REPOSITORY, env=env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_workers(process, log_path)
    finally:
        process.terminate()
        process.wait(timeout=30)

    log = log_path.read_text()
    assert "Traceback" not in log, log
    database = Database(Settings(database_url=database_url))
    try:
        from footfall.db.migrate import schema_status
        from footfall.plugins import create_plugin_manager

        status = schema_status(database, create_plugin_manager(Settings()))
    finally:
        database.dispose()
    assert status.up_to_date, status


def _wait_for_workers(process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"uvicorn exited early:\n{log_path.read_text()}")
        if log_path.read_text().count("Application startup complete") >= WORKERS:
            return
        time.sleep(0.2)
    raise AssertionError(f"{WORKERS} workers did not start within 120 s:\n{log_path.read_text()}")


def test_concurrent_ingest_on_four_workers(
    workers: tuple[Workers, Database], tmp_path: Path
) -> None:
    server, database = workers
    keys = seed_dataset(Seeder(database))
    admin_key = Seeder(database).key("admin")

    # Every batch is sent twice, and the order of all requests is shuffled, so retries of
    # the same events reach different workers at the same time.
    requests: list[tuple[str, list[dict[str, Any]]]] = []
    unique = 0
    for index, device in enumerate(DEVICES):
        events = dataset_events(index)
        unique += len(events)
        for batch in batches(events, 40):
            requests.extend([(device, batch), (device, batch)])
    random.Random(7).shuffle(requests)
    sent = sum(len(batch) for _, batch in requests)

    def post(request: tuple[str, list[dict[str, Any]]]) -> dict[str, Any]:
        device, batch = request
        response = httpx.post(
            f"{server.url}/api/v1/events", json={"events": batch},
            headers={"X-API-Key": keys[device]}, timeout=60,
        )
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(post, requests))

    assert sum(answer["accepted"] for answer in answers) == unique
    assert sum(answer["duplicates"] for answer in answers) == sent - unique
    assert all(answer["rejected"] == [] for answer in answers)

    with database.read() as connection:
        stored = connection.execute(select(func.count()).select_from(Event)).scalar_one()
        repeated = connection.execute(
            select(Event.device_id, Event.seq)
            .group_by(Event.device_id, Event.seq)
            .having(func.count() > 1)
        ).all()
        rolled_up = connection.execute(
            select(func.sum(QuarterCount.entries + QuarterCount.exits))
        ).scalar_one()
    assert stored == unique
    assert repeated == []
    assert rolled_up == unique

    # prometheus-client's multiprocess mode sums the workers' counters in any one of them.
    metrics = httpx.get(f"{server.url}/metrics", timeout=30).text
    accepted = _sample(metrics, "footfall_events_accepted_total", store=STORE)
    duplicates = _sample(metrics, "footfall_events_duplicate_total", store=STORE)
    assert accepted == unique
    assert duplicates == sent - unique

    # The same events, sent once each to one in-process app on SQLite, give the same
    # analytics.
    with httpx.Client(base_url=server.url, headers={"X-API-Key": admin_key},
                      timeout=60) as client:
        actual = query_every_analytic(_getter(client))
    expected = _sqlite_reference(tmp_path)
    assert expected.keys() == actual.keys()
    for key, result in expected.items():
        assert_same_results(result, actual[key], path=f"{key[0]} query {key[1]}")


def _sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def _getter(client: Any) -> Any:
    def get(path: str, params: dict[str, str]) -> Any:
        response = client.get(path, params=params)
        assert response.status_code == 200, f"{path} {params}: {response.text}"
        return response.json()

    return get


def _sqlite_reference(tmp_path: Path) -> dict[tuple[str, int], Any]:
    from litestar.testing import TestClient

    from footfall.app import create_app
    from footfall.db.migrate import upgrade
    from footfall.plugins import create_plugin_manager

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'reference.db'}",
                        ingest_rate_per_s=0.0)
    database = Database(settings)
    upgrade(database, create_plugin_manager(settings))
    seeder = Seeder(database)
    keys = seed_dataset(seeder)
    admin_key = seeder.key("admin")
    with TestClient(app=create_app(settings)) as client:
        for index, device in enumerate(DEVICES):
            for batch in batches(dataset_events(index), 40):
                response = client.post("/api/v1/events", json={"events": batch},
                                       headers={"X-API-Key": keys[device]})
                assert response.status_code == 200, response.text
        client.headers["X-API-Key"] = admin_key
        results = query_every_analytic(_getter(client))
    database.dispose()
    return results
