"""Sign-in, sign-out and the plain-words error states."""

from __future__ import annotations

from typing import Any

from .helpers import LOAD_TIMEOUT_MS, custom_day, open_dashboard
from .service import Service


def sign_in(page: Any, service: Service, key: str) -> None:
    page.goto(f"{service.url}/dashboard/")
    page.get_by_label("API key (viewer or admin)").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_wrong_key_message(service: Service, page: Any) -> None:
    sign_in(page, service, "not-a-key-of-this-service")
    page.wait_for_selector(
        "body[data-state='signin-error']", state="attached", timeout=LOAD_TIMEOUT_MS
    )

    message = page.inner_text("#signin-error")
    assert "did not accept this API key" in message
    assert "sign in again" in message
    assert page.evaluate("localStorage.getItem('footfall.apiKey')") is None
    assert page.locator("#board").is_hidden()
    assert page.get_by_role("button", name="Sign out").is_hidden()


def test_device_key_rejected(service: Service, page: Any) -> None:
    sign_in(page, service, service.devices["front"].key)
    page.wait_for_selector(
        "body[data-state='signin-error']", state="attached", timeout=LOAD_TIMEOUT_MS
    )

    message = page.inner_text("#signin-error")
    assert 'the device "front"' in message
    assert "viewer or admin key" in message


def test_sign_in_and_out(service: Service, page: Any) -> None:
    sign_in(page, service, service.admin_key)
    page.wait_for_selector(
        "body[data-loads='1'][data-state='ready']", state="attached", timeout=LOAD_TIMEOUT_MS
    )

    assert page.evaluate("localStorage.getItem('footfall.apiKey')") == service.admin_key
    assert page.locator("#board").is_visible()

    page.get_by_role("button", name="Sign out").click()

    assert page.evaluate("localStorage.getItem('footfall.apiKey')") is None
    assert page.locator("#signin").is_visible()
    assert page.locator("#board").is_hidden()


def test_viewer_sees_own_stores(service: Service, page: Any) -> None:
    open_dashboard(page, service.url, service.viewer_key)

    options = page.locator("#store option").all_inner_texts()

    assert options == ["Berlin (Europe/Berlin)"]
    assert "viewer of Berlin" in page.inner_text("#account-role")


def test_unreachable_service_message(service: Service, page: Any) -> None:
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&range=today")

    # The network drops every API request, as when the service's host is down.
    page.route("**/api/v1/**", lambda route: route.abort("connectionrefused"))
    page.reload()
    page.wait_for_selector("body[data-state='error']", state="attached", timeout=LOAD_TIMEOUT_MS)

    message = page.inner_text("#status")
    assert "cannot be reached" in message
    assert service.url in message
    # A network failure is no reason to forget a key that may be right.
    assert page.evaluate("localStorage.getItem('footfall.apiKey')") == service.admin_key


def test_empty_range_message(service: Service, page: Any) -> None:
    open_dashboard(page, service.url, service.admin_key, custom_day("Chicago", "2024-01-10"))

    assert "No entries or exits were recorded at Chicago" in page.inner_text("#status")
    assert "No entries or exits" in page.inner_text("#panel-hourly .panel-note")
