"""Input fields every edge reads the same way (the API, inbound e-mail, the agent console): free text and a list's
page size. Written once, so that a text field is trimmed, measured and refused alike in every domain, and a `?limit=`
means the same on every list route. A refusal is an `InvalidInput` with a stable code (messages/*.json)."""

from __future__ import annotations

from typing import Any, Literal, overload

from supportdesk.errors import InvalidInput
from supportdesk.text import single_line


@overload
def text_value(
    value: Any,
    field: str,
    max_length: int,
    *,
    required: Literal[True] = True,
    one_line: bool = False,
    empty_code: str = "missing_field",
    too_long_code: str = "field_too_long",
) -> str: ...


@overload
def text_value(
    value: Any,
    field: str,
    max_length: int,
    *,
    required: bool,
    one_line: bool = False,
    empty_code: str = "missing_field",
    too_long_code: str = "field_too_long",
) -> str | None: ...


def text_value(
    value: Any,
    field: str,
    max_length: int,
    *,
    required: bool = True,
    one_line: bool = False,
    empty_code: str = "missing_field",
    too_long_code: str = "field_too_long",
) -> str | None:
    """A text field, trimmed: absent or blank is `None`, or `empty_code` when `required`; not a string is
    `invalid_field`; longer than `max_length` once trimmed is `too_long_code`. `one_line` (subjects, order ids, file
    names) first collapses control characters and line breaks to one space (supportdesk.text)."""
    if one_line and isinstance(value, str):
        value = single_line(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(empty_code, field=field, details={"field": field})
        return None
    if not isinstance(value, str):
        raise InvalidInput("invalid_field", field=field, details={"field": field})
    text = value.strip()
    if len(text) > max_length:
        raise InvalidInput(too_long_code, field=field, max=max_length, details={"field": field, "max": max_length})
    return text


def page_limit(raw: Any, *, default: int = 20, maximum: int = 50) -> int:
    """A list's `?limit=`: a whole number from 1 to `maximum`, `default` when absent or empty; anything else is
    `invalid_limit` (never a 500, whatever the characters)."""
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput("invalid_limit", max=maximum) from None
    if not 1 <= limit <= maximum:
        raise InvalidInput("invalid_limit", max=maximum)
    return limit


__all__ = ["page_limit", "text_value"]
