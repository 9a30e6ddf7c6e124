"""OpenAPI descriptions of the request bodies that the device routes read as raw bytes.

The device routes decode their bodies themselves, so that one bad event is rejected alone
instead of failing the whole request, so Litestar finds no body type to describe.
These operation classes add the documented shape to the schema.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)

__all__ = ["CREATE_KEY_BODY", "EVENTS_BODY", "MOVEMENTS_BODY", "STATUS_BODY"]


def _object(properties: dict[str, Schema], required: list[str]) -> Schema:
    fields: dict[str, Schema | Reference] = dict(properties)
    return Schema(type=OpenAPIType.OBJECT, properties=fields, required=required)


def _operation_with_body(schema: Schema, description: str) -> type[Operation]:
    @dataclass
    class OperationWithBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={"application/json": OpenAPIMediaType(schema=schema)},
                description=description,
                required=True,
            )

    return OperationWithBody


_EVENT = _object(
    {
        "seq": Schema(
            type=OpenAPIType.INTEGER,
            minimum=0,
            maximum=2**53 - 1,
            description="The device's sequence number",
        ),
        "time": Schema(type=OpenAPIType.NUMBER, description="Epoch seconds, with fractions"),
        "direction": Schema(type=OpenAPIType.STRING, enum=["entry", "exit"]),
    },
    ["seq", "time", "direction"],
)

EVENTS_BODY = _operation_with_body(
    _object({"events": Schema(type=OpenAPIType.ARRAY, items=_EVENT)}, ["events"]),
    "A batch of events; an event that fails validation is rejected alone and kept.",
)

STATUS_BODY = _operation_with_body(
    _object(
        {
            "boot_id": Schema(type=OpenAPIType.STRING, max_length=64),
            "uptime_s": Schema(type=OpenAPIType.INTEGER, minimum=0),
            "firmware": Schema(type=OpenAPIType.STRING, max_length=64),
            "fps": Schema(type=OpenAPIType.NUMBER),
            "queue_depth": Schema(type=OpenAPIType.INTEGER, minimum=0),
            "dropped": Schema(type=OpenAPIType.INTEGER, minimum=0),
            "camera": Schema(type=OpenAPIType.STRING, enum=["starting", "ok", "fault"]),
            "rssi_dbm": Schema(type=OpenAPIType.INTEGER),
            "free_heap": Schema(type=OpenAPIType.INTEGER, minimum=0),
            "last_seq": Schema(type=OpenAPIType.INTEGER),
        },
        [
            "boot_id",
            "uptime_s",
            "firmware",
            "fps",
            "queue_depth",
            "dropped",
            "camera",
            "rssi_dbm",
            "free_heap",
            "last_seq",
        ],
    ),
    "The device's status, sent every heartbeat interval.",
)

MOVEMENTS_BODY = _operation_with_body(
    Schema(
        type=OpenAPIType.ARRAY,
        items=_object(
            {
                "time": Schema(type=OpenAPIType.NUMBER, description="Epoch seconds"),
                "form": Schema(type=OpenAPIType.BOOLEAN, description="true for an entry"),
            },
            ["time", "form"],
        ),
    ),
    "Movements of the legacy protocol; a movement that fails validation is rejected alone.",
)

CREATE_KEY_BODY = _operation_with_body(
    _object(
        {
            "api_key": Schema(
                type=OpenAPIType.STRING,
                description="Empty to generate a key, else at least 16 characters",
            )
        },
        ["api_key"],
    ),
    "The key to register for the new device, or an empty string.",
)
