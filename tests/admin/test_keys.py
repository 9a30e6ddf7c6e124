"""API key administration: roles, scopes, listing and revocation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from footfall.admin.devices import create_device
from footfall.admin.errors import AdminError
from footfall.admin.keys import create_api_key, list_keys, revoke
from footfall.admin.stores import create_store
from footfall.db.engine import Database
from footfall.db.models import ApiKey
from footfall.keys import find_key, hash_key


@pytest.fixture
def scoped(db: Database) -> None:
    with db.write() as conn:
        create_store(conn, name="North")
        create_store(conn, name="South")
        create_device(conn, name="door-1", store="North")


@pytest.mark.usefixtures("scoped")
def test_create_keys_of_each_role(db: Database) -> None:
    with db.write() as conn:
        admin, admin_secret = create_api_key(conn, role="admin", label="ops")
        viewer, viewer_secret = create_api_key(conn, role="viewer", store="South")
        device, device_secret = create_api_key(conn, role="device", device="door-1")

    assert (admin.role, admin.store, admin.device, admin.label) == ("admin", None, None, "ops")
    assert (viewer.role, viewer.store, viewer.device) == ("viewer", "South", None)
    assert (device.role, device.store, device.device) == ("device", "North", "door-1")
    assert admin_secret.startswith("ff_")
    assert admin.prefix == admin_secret[:8]

    with db.read() as conn:
        for row, secret in ((admin, admin_secret), (viewer, viewer_secret),
                            (device, device_secret)):
            record = find_key(conn, secret)
            assert record is not None
            assert record.id == row.id
            stored_hash = conn.execute(
                select(ApiKey.key_hash).where(ApiKey.id == row.id)
            ).scalar_one()
            assert stored_hash == hash_key(secret)


@pytest.mark.usefixtures("scoped")
def test_device_key_with_matching_store(db: Database) -> None:
    with db.write() as conn:
        key, _ = create_api_key(conn, role="device", store="North", device="door-1")
    assert key.device == "door-1"


@pytest.mark.usefixtures("scoped")
@pytest.mark.parametrize(
    ("kwargs", "status", "field"),
    [
        ({"role": "owner"}, 400, "role"),
        ({"role": "admin", "store": "North"}, 400, "store"),
        ({"role": "admin", "device": "door-1"}, 400, "device"),
        ({"role": "viewer"}, 400, "store"),
        ({"role": "viewer", "store": "North", "device": "door-1"}, 400, "device"),
        ({"role": "viewer", "store": "West"}, 404, "store"),
        ({"role": "device"}, 400, "device"),
        ({"role": "device", "device": "door-9"}, 404, "device"),
        ({"role": "device", "device": "door-1", "store": "South"}, 400, "store"),
        ({"role": "admin", "label": "x" * 201}, 400, "label"),
        ({"role": "admin", "label": "line\nbreak"}, 400, "label"),
        ({"role": "device", "device": "door-1", "key": "short"}, 400, "api_key"),
    ],
)
def test_create_key_rejects_bad_scope(
    db: Database, kwargs: dict[str, str], status: int, field: str
) -> None:
    with db.write() as conn, pytest.raises(AdminError) as raised:
        create_api_key(conn, **kwargs)  # type: ignore[arg-type]

    assert raised.value.status == status
    assert raised.value.field == field
    with db.read() as conn:
        assert list_keys(conn) == []


@pytest.mark.usefixtures("scoped")
def test_given_key_registered_once(db: Database) -> None:
    old_key = "0b7c5a52-5d2e-4f7e-9a55-3f0c2d1e9b11"
    with db.write() as conn:
        key, secret = create_api_key(conn, role="device", device="door-1", key=old_key)
    assert secret == old_key
    assert key.prefix == old_key[:8]

    with db.write() as conn, pytest.raises(AdminError) as raised:
        create_api_key(conn, role="device", device="door-1", key=old_key)
    assert raised.value.status == 409
    assert old_key not in raised.value.message


@pytest.mark.usefixtures("scoped")
def test_revoke_key(db: Database) -> None:
    with db.write() as conn:
        key, secret = create_api_key(conn, role="admin")

    with db.write() as conn:
        revoked = revoke(conn, key.id)
    assert revoked.revoked_ms is not None

    with db.read() as conn:
        record = find_key(conn, secret)
    assert record is not None
    assert record.revoked

    with db.write() as conn, pytest.raises(AdminError) as raised:
        revoke(conn, key.id)
    assert raised.value.status == 409

    with db.write() as conn, pytest.raises(AdminError) as raised:
        revoke(conn, 999)
    assert raised.value.status == 404


@pytest.mark.usefixtures("scoped")
def test_list_keys_never_has_secret(db: Database) -> None:
    with db.write() as conn:
        _, secret = create_api_key(conn, role="admin")
        create_api_key(conn, role="viewer", store="North")

    with db.read() as conn:
        keys = list_keys(conn)
    assert [k.role for k in keys] == ["admin", "viewer"]
    assert secret not in repr(keys)
