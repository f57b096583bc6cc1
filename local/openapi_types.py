"""The small JSON Schema vocabulary shared by local/openapi.py and local/openapi_refunds.py."""

from __future__ import annotations


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(required: list[str], **properties: dict) -> dict:
    return {"type": "object", "required": required, "properties": properties}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}
CURSOR = {**_nullable(STRING), "description": "Opaque; pass back as ?cursor= for the next page, null on the last"}
