"""Health checks: liveness, and readiness that checks the database and the schema version."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from footfall.db.engine import Database


def test_live_and_ready_answer_ok(client: TestClient[Litestar]) -> None:
    live = client.get("/health/live")
    ready = client.get("/health/ready")

    assert live.status_code == 200
    assert live.json()["status"] == "ok"
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


def test_ready_503_on_old_schema(client: TestClient[Litestar], db: Database) -> None:
    with db.write() as connection:
        revisions = [row[0] for row in connection.execute(
            text("SELECT version_num FROM alembic_version"))]
        # The database claims an older revision of the core, as after restoring an old
        # backup under a newer version of the service.
        connection.execute(text("DELETE FROM alembic_version"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001_core')"))

    ready = client.get("/health/ready")
    live = client.get("/health/live")

    assert len(revisions) >= 1
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert "db upgrade" in ready.json()["detail"]
    assert live.status_code == 200


def test_ready_503_without_schema(client: TestClient[Litestar], db: Database) -> None:
    with db.write() as connection:
        connection.execute(text("DROP TABLE alembic_version"))

    ready = client.get("/health/ready")

    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"


def test_health_needs_no_key(client: TestClient[Litestar]) -> None:
    wrong_key = {"Authorization": "Bearer ff_not_a_key"}

    assert client.get("/health/live", headers=wrong_key).status_code == 200
    assert client.get("/health/ready", headers=wrong_key).status_code == 200
