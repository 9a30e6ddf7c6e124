"""Offline use, keyboard and screen-reader labels, and a phone-sized screen."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .helpers import SPRING_FORWARD, open_dashboard, record_requests
from .service import Service


def test_no_request_leaves_the_service(service: Service, page: Any) -> None:
    urls = record_requests(page)
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&range=7d")

    origins = {
        f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
        for url in urls
        if not url.startswith("blob:")
    }

    assert origins == {service.url}
    assert any(url.endswith("/dashboard/vendor/chart.umd.min.js") for url in urls)
    assert any(url.endswith("/dashboard/vendor/chartjs-adapter-luxon.umd.min.js") for url in urls)


def test_controls_have_labels(service: Service, page: Any) -> None:
    open_dashboard(page, service.url, service.admin_key, SPRING_FORWARD)

    for label in (
        "Store",
        "Door",
        "Today",
        "Last 7 days",
        "Custom",
        "From",
        "To",
        "Prior strength k",
    ):
        assert page.get_by_label(label, exact=True).count() == 1, label
    for canvas in page.locator("canvas").all():
        assert canvas.get_attribute("role") == "img"
        assert canvas.get_attribute("aria-label")


def test_keyboard_changes_range(service: Service, page: Any) -> None:
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&range=today")

    page.get_by_label("Today").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("body[data-loads='2'][data-state='ready']", state="attached")

    assert page.get_by_label("Yesterday").is_checked()
    assert "range=yesterday" in page.url


def test_phone_width_has_no_sideways_scroll(service: Service, page: Any) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    open_dashboard(page, service.url, service.admin_key, "store=Berlin&range=7d")

    scroll_width = page.evaluate("document.documentElement.scrollWidth")

    assert scroll_width <= 375
