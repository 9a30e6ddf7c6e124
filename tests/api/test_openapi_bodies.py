"""The raw-body device routes still document their request bodies in the OpenAPI schema."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient


def test_device_bodies_documented(client: TestClient[Litestar]) -> None:
    paths = client.get("/schema/openapi.json").json()["paths"]

    events = paths["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"]
    status = paths["/api/v1/devices/me/status"]["post"]["requestBody"]["content"]
    movements = paths["/movements"]["post"]["requestBody"]["content"]["application/json"]
    create_key = paths["/createApiKey"]["post"]["requestBody"]["content"]["application/json"]

    event = events["schema"]["properties"]["events"]["items"]
    assert event["properties"]["direction"]["enum"] == ["entry", "exit"]
    assert event["required"] == ["seq", "time", "direction"]
    assert "camera" in status["application/json"]["schema"]["properties"]
    assert movements["schema"]["items"]["required"] == ["time", "form"]
    assert create_key["schema"]["required"] == ["api_key"]
