"""Property-based fuzzing of the API from its own OpenAPI schema, with every role's key.

Schemathesis generates requests for every operation of ``/schema/openapi.json``, valid and
invalid, and sends them in-process. No response may be a 5xx, and every response that the
schema documents must match it. ``FOOTFALL_FUZZ_EXAMPLES`` sets the examples per operation.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from litestar import Litestar
from litestar.testing import TestClient

from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from tests.helpers import Seeder
from tests.security.conftest import World, build_world

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

EXAMPLES = int(os.environ.get("FOOTFALL_FUZZ_EXAMPLES", "20"))

class FuzzTarget:
    """The application under fuzzing and its world of keys, built once for the module."""

    app: Litestar | None = None
    world: World | None = None


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    """Build the application on a seeded database for the whole module."""
    from footfall.app import create_app

    folder = tmp_path_factory.mktemp("fuzz")
    module_settings = Settings(
        database_url=f"sqlite:///{folder / 'fuzz.db'}",
        key_cache_s=0.0,
        ingest_rate_per_s=0.0,
        auth_failure_rate_per_min=0.0,
    )
    database = Database(module_settings)
    upgrade(database)
    app = create_app(module_settings)
    target = FuzzTarget()
    with TestClient(app=app) as client:
        target.app = app
        target.world = build_world(Seeder(database), client)
        yield target
    database.dispose()


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _call_as(case: Any, key: str) -> None:
    headers = dict(case.headers or {})
    headers["Authorization"] = f"Bearer {key}"
    headers.pop("X-API-Key", None)
    if case.query and "api_key" in case.query:
        case.query["api_key"] = key

    response = case.call(headers=headers)

    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.parametrize("role", ["admin", "viewer", "device"])
def test_fuzz_every_operation(fuzz_target: FuzzTarget, role: str) -> None:
    assert fuzz_target.world is not None
    key = str(fuzz_target.world.keys[role])
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", fuzz_target.app)

    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            _call_as(case, key)

        try:
            fuzz()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")

    assert operations > 20
    assert failures == [], "\n\n".join(failures)
