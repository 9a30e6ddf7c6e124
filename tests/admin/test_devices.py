"""Device administration against a real migrated SQLite file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from footfall.admin.device_settings import DEFAULT_DEVICE_SETTINGS, settings_etag
from footfall.admin.devices import (
    create_device,
    get_device,
    list_devices,
    move_device,
    rename_device,
    update_device_settings,
)
from footfall.admin.errors import AdminError
from footfall.admin.stores import create_store
from footfall.db.engine import Database
from footfall.db.models import Device


@pytest.fixture
def stores(db: Database) -> None:
    with db.write() as conn:
        create_store(conn, name="North", timezone="Europe/Berlin")
        create_store(conn, name="South", timezone="UTC")


@pytest.mark.usefixtures("stores")
def test_create_device_has_default_settings(db: Database) -> None:
    with db.write() as conn:
        device = create_device(conn, name="door-1", store="North")

    assert device.store_name == "North"
    assert device.settings == DEFAULT_DEVICE_SETTINGS
    assert device.settings_etag == settings_etag(DEFAULT_DEVICE_SETTINGS)
    assert device.last_event_ms is None
    assert device.last_heartbeat_ms is None
    assert device.status is None


@pytest.mark.usefixtures("stores")
def test_create_device_with_settings(db: Database) -> None:
    with db.write() as conn:
        device = create_device(conn, name="door-1", store="North", settings={"confirm": 3})

    assert device.settings["confirm"] == 3
    assert device.settings["band"] == 0.02


@pytest.mark.usefixtures("stores")
def test_create_device_errors(db: Database) -> None:
    with db.write() as conn:
        create_device(conn, name="door-1", store="North")

    cases = [
        ({"name": "door-1", "store": "South"}, 409, "name"),
        ({"name": "door-2", "store": "West"}, 404, "store"),
        ({"name": "", "store": "North"}, 400, "name"),
        ({"name": "door-3", "store": "North", "settings": {"band": 1}}, 400, "band"),
    ]
    for kwargs, status, field in cases:
        with db.write() as conn, pytest.raises(AdminError) as raised:
            create_device(conn, **kwargs)  # type: ignore[arg-type]
        assert raised.value.status == status, kwargs
        assert raised.value.field == field, kwargs

    with db.read() as conn:
        assert [d.name for d in list_devices(conn)] == ["door-1"]


@pytest.mark.usefixtures("stores")
def test_list_devices_by_store(db: Database) -> None:
    with db.write() as conn:
        create_device(conn, name="s-1", store="South")
        create_device(conn, name="n-2", store="North")
        create_device(conn, name="n-1", store="North")

    with db.read() as conn:
        assert [d.name for d in list_devices(conn)] == ["n-1", "n-2", "s-1"]
        assert [d.name for d in list_devices(conn, "South")] == ["s-1"]
        with pytest.raises(AdminError) as raised:
            list_devices(conn, "West")
    assert raised.value.status == 404


@pytest.mark.usefixtures("stores")
def test_update_settings_changes_etag(db: Database) -> None:
    with db.write() as conn:
        before = create_device(conn, name="door-1", store="North")

    with db.write() as conn:
        after = update_device_settings(conn, "door-1", {"line": {"inside": [0.5, 0.0]}})

    assert after.settings["line"]["inside"] == [0.5, 0.0]
    assert after.settings["line"]["start"] == [0.0, 0.5]
    assert after.settings_etag != before.settings_etag

    with db.write() as conn:
        again = update_device_settings(conn, "door-1", {"mode": "deferred"})
    assert again.settings["line"]["inside"] == [0.5, 0.0]
    assert again.settings["mode"] == "deferred"


@pytest.mark.usefixtures("stores")
def test_update_settings_invalid_keeps_stored(db: Database) -> None:
    with db.write() as conn:
        before = create_device(conn, name="door-1", store="North")

    with db.write() as conn, pytest.raises(AdminError) as raised:
        update_device_settings(conn, "door-1", {"line": {"start": [0, 0.01], "end": [1, 0.01]}})
    assert raised.value.field == "line"

    with db.read() as conn:
        assert get_device(conn, "door-1") == before


@pytest.mark.usefixtures("stores")
def test_device_status_decoded(db: Database) -> None:
    with db.write() as conn:
        device = create_device(conn, name="door-1", store="North")
        status = {"boot_id": "b1", "firmware": "1.2.0", "fps": 7.1}
        conn.execute(
            update(Device)
            .where(Device.id == device.id)
            .values(last_status_json=json.dumps(status), last_heartbeat_ms=1_700_000_000_000)
        )

    with db.read() as conn:
        stored = get_device(conn, "door-1")
    assert stored.status == {"boot_id": "b1", "firmware": "1.2.0", "fps": 7.1}
    assert stored.last_heartbeat_ms == 1_700_000_000_000


@pytest.mark.usefixtures("stores")
def test_move_and_rename_device(db: Database) -> None:
    with db.write() as conn:
        original = create_device(conn, name="door-1", store="North")
        create_device(conn, name="door-2", store="North")

    with db.write() as conn:
        moved = move_device(conn, "door-1", "South")
        renamed = rename_device(conn, "door-1", "front")
    assert moved.store_name == "South"
    assert renamed.name == "front"
    assert renamed.id == original.id

    with db.write() as conn, pytest.raises(AdminError) as raised:
        rename_device(conn, "front", "door-2")
    assert raised.value.status == 409

    with db.write() as conn, pytest.raises(AdminError) as raised:
        move_device(conn, "front", "West")
    assert raised.value.status == 404
