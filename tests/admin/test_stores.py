"""Store administration against a real migrated SQLite file."""

from __future__ import annotations

import pytest

from footfall.admin.errors import AdminError
from footfall.admin.stores import create_store, get_store, list_stores, update_store
from footfall.db.engine import Database


def test_create_store_returns_stored_row(db: Database) -> None:
    with db.write() as conn:
        created = create_store(conn, name="Main St", timezone="Europe/Berlin", day_reset_hour=5)

    with db.read() as conn:
        stored = get_store(conn, "Main St")
    assert stored == created
    assert stored.timezone == "Europe/Berlin"
    assert stored.day_reset_hour == 5
    assert stored.max_dwell_s == 14_400


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": " padded"}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": "tab\there"}, "name"),
        ({"name": "ok", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "ok", "timezone": "../../etc/passwd"}, "timezone"),
        ({"name": "ok", "timezone": ""}, "timezone"),
        ({"name": "ok", "day_reset_hour": 24}, "day_reset_hour"),
        ({"name": "ok", "day_reset_hour": -1}, "day_reset_hour"),
        ({"name": "ok", "day_reset_hour": True}, "day_reset_hour"),
        ({"name": "ok", "max_dwell_s": 0}, "max_dwell_s"),
        ({"name": "ok", "max_dwell_s": 86_401}, "max_dwell_s"),
    ],
)
def test_create_store_rejects_invalid(db: Database, kwargs: dict[str, object], field: str) -> None:
    with db.write() as conn, pytest.raises(AdminError) as raised:
        create_store(conn, **kwargs)  # type: ignore[arg-type]

    assert raised.value.status == 400
    assert raised.value.field == field
    assert raised.value.message


def test_create_store_duplicate_name_conflicts(db: Database) -> None:
    with db.write() as conn:
        create_store(conn, name="Main St")

    with db.write() as conn, pytest.raises(AdminError) as raised:
        create_store(conn, name="Main St")
    assert raised.value.status == 409
    assert "Main St" in raised.value.message


def test_get_store_missing_is_404(db: Database) -> None:
    with db.read() as conn, pytest.raises(AdminError) as raised:
        get_store(conn, "Nowhere")
    assert raised.value.status == 404
    assert "'Nowhere' not found" in raised.value.message


def test_list_stores_sorted_and_filtered(db: Database) -> None:
    with db.write() as conn:
        b = create_store(conn, name="B")
        a = create_store(conn, name="A")
        create_store(conn, name="C")

    with db.read() as conn:
        assert [s.name for s in list_stores(conn)] == ["A", "B", "C"]
        assert [s.name for s in list_stores(conn, frozenset({a.id, b.id}))] == ["A", "B"]
        assert list_stores(conn, frozenset()) == []


def test_update_store_changes_given_fields(db: Database) -> None:
    with db.write() as conn:
        create_store(conn, name="Old", timezone="UTC")
        create_store(conn, name="Taken")

    with db.write() as conn:
        updated = update_store(conn, "Old", timezone="America/New_York", new_name="New")
    assert updated.name == "New"
    assert updated.timezone == "America/New_York"
    assert updated.day_reset_hour == 4

    with db.write() as conn, pytest.raises(AdminError) as raised:
        update_store(conn, "New", new_name="Taken")
    assert raised.value.status == 409

    with db.write() as conn, pytest.raises(AdminError) as raised:
        update_store(conn, "New", max_dwell_s=-5)
    assert raised.value.field == "max_dwell_s"

    with db.read() as conn:
        assert get_store(conn, "New").max_dwell_s == 14_400
