"""Opaque pagination cursors: a small JSON object, base64url without padding. The partition always comes from the
caller, never from the cursor, so a cursor cannot reach another customer's items; anything that is not one of ours
is a 400 (invalid_cursor), never a 500."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Iterable

from supportdesk.errors import InvalidInput

MAX_CURSOR = 2048


def encode_cursor(key: dict | None) -> str | None:
    if not key:
        return None
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, required: Iterable[str]) -> dict | None:
    """The cursor's fields; each name in `required` must be a non-empty string."""
    if not cursor:
        return None
    if len(cursor) > MAX_CURSOR:
        raise InvalidInput("invalid_cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, RecursionError):
        raise InvalidInput("invalid_cursor") from None
    # Every part present, a non-empty string of valid text (DynamoDB rejects an empty or unencodable key part).
    if not isinstance(value, dict) or any(not _cursor_part(value.get(k)) for k in required):
        raise InvalidInput("invalid_cursor")
    return value


def _cursor_part(part: object) -> bool:
    if not isinstance(part, str) or not part.strip():
        return False
    try:
        part.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
