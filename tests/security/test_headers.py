"""Security headers, the dashboard's HTML without inline code, and CORS only when configured."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from footfall.app import SECURITY_HEADERS, _add_security_headers
from footfall.config import Settings
from footfall.db.engine import Database
from footfall.db.migrate import upgrade
from tests.helpers import REPOSITORY, fresh_database_url, run_coroutine

DASHBOARD = REPOSITORY / "dashboard"


def _csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/dashboard/", "/api/v1/me", "/health/live", "/nowhere"])
def test_security_headers_on_every_answer(client: TestClient[Litestar], path: str) -> None:
    answer = client.get(path)
    policy = _csp(answer.headers["content-security-policy"])

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
    assert "'unsafe-eval'" not in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_dashboard_served_as_html(client: TestClient[Litestar]) -> None:
    answer = client.get("/dashboard/")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")


class InlineCodeFinder(HTMLParser):
    """Collects inline scripts, style elements and attributes, event handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[str] = []
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in names:
            self._in_script_without_src = True
        if tag == "style":
            self.findings.append(f"<style> element at line {self.getpos()[0]}")
        for name, value in names.items():
            if name.startswith("on"):
                self.findings.append(f"{name} handler on <{tag}> at line {self.getpos()[0]}")
            if name == "style":
                self.findings.append(f"style attribute on <{tag}> at line {self.getpos()[0]}")
            if value.strip().lower().startswith("javascript:"):
                self.findings.append(f"javascript: URL on <{tag}> at line {self.getpos()[0]}")

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.findings.append(f"inline script at line {self.getpos()[0]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False


def _dashboard_html() -> list[Path]:
    return sorted(
        path
        for path in DASHBOARD.rglob("*.html")
        if not {"node_modules", "vendor", "tests"} & set(path.relative_to(DASHBOARD).parts)
    )


def test_dashboard_html_has_no_inline_code() -> None:
    pages = _dashboard_html()
    findings = {}
    for page in pages:
        finder = InlineCodeFinder()
        finder.feed(page.read_text(encoding="utf-8"))
        if finder.findings:
            findings[str(page.relative_to(DASHBOARD))] = finder.findings

    assert pages, f"no HTML page found under {DASHBOARD}"
    assert findings == {}


def test_inline_code_finder_catches_inline_code() -> None:
    finder = InlineCodeFinder()
    finder.feed(
        '<p style="color:red" onclick="go()">x</p><script>alert(1)</script>'
        '<script src="/dashboard/app.js"></script><a href="javascript:go()">y</a>'
    )

    assert len(finder.findings) == 4


def test_no_cors_headers_by_default(client: TestClient[Litestar]) -> None:
    origin = {"Origin": "http://attacker.example"}

    simple = client.get("/api/v1/me", headers=origin)
    preflight = client.options(
        "/api/v1/me",
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )

    assert "access-control-allow-origin" not in simple.headers
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-credentials" not in preflight.headers


@pytest.fixture
def cors_client(tmp_path: Path) -> Iterator[TestClient[Litestar]]:
    """An app that allows one browser origin."""
    from footfall.app import create_app

    settings = Settings(
        database_url=fresh_database_url(tmp_path), cors_origins=("https://board.example",)
    )
    database = Database(settings)
    upgrade(database)
    with TestClient(app=create_app(settings)) as client:
        yield client
    database.dispose()


def test_cors_only_for_configured_origin(cors_client: TestClient[Litestar]) -> None:
    allowed = cors_client.get("/health/live", headers={"Origin": "https://board.example"})
    other = cors_client.get("/health/live", headers={"Origin": "http://attacker.example"})

    assert allowed.headers["access-control-allow-origin"] == "https://board.example"
    assert other.headers.get("access-control-allow-origin") in {None, "https://board.example"}
    assert "http://attacker.example" not in str(other.headers)


def test_security_header_set_by_a_route_is_replaced() -> None:
    message: Any = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain"), (b"X-Frame-Options", b"SAMEORIGIN")],
    }

    run_coroutine(_add_security_headers(message, {}))

    names = [name.lower() for name, _ in message["headers"]]
    assert names.count(b"x-frame-options") == 1
    assert dict(message["headers"])[b"x-frame-options"] == b"DENY"
    assert sorted(set(names)) == sorted({b"content-type", *(n.encode() for n in SECURITY_HEADERS)})


def test_security_headers_leave_body_messages_alone() -> None:
    message: Any = {"type": "http.response.body", "body": b"x"}

    run_coroutine(_add_security_headers(message, {}))

    assert message == {"type": "http.response.body", "body": b"x"}
