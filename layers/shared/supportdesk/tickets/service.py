"""Tickets: open, talk, hand off to a human, queue position and wait, claim, reply, resolve, rate.

One service, written in three parts by responsibility: the customer's operations (tickets/customer.py), the staff's
(tickets/staff.py) and the views both answer with (tickets/views.py), on the shared ports and steps of
tickets/desk.py. Plain Python: receives its stores, order lookup, accounts, notifier, clock, business hours, masking
and wait estimator as arguments (supportdesk.tickets.wiring builds the real ones). This module also parses the
input of both edges (the API and inbound e-mail), so they validate the same way.
"""

from __future__ import annotations

from typing import Any, Literal, overload

from supportdesk.errors import InvalidInput
from supportdesk.fields import page_limit, text_value
from supportdesk.tickets.customer import CustomerOperations
from supportdesk.tickets.desk import (
    CATEGORIES,
    DEFAULT_PAGE,
    MAX_COMMENT,
    MAX_MESSAGE,
    MAX_ORDER_ID,
    MAX_PAGE,
    MAX_SUBJECT,
    MESSAGE_PER_CUSTOMER,
    OPEN_PER_CUSTOMER,
)
from supportdesk.tickets.staff import StaffOperations
from supportdesk.tickets.views import RATING_WINDOW

__all__ = [
    "CATEGORIES",
    "MAX_COMMENT",
    "MAX_MESSAGE",
    "MAX_ORDER_ID",
    "MAX_SUBJECT",
    "MESSAGE_PER_CUSTOMER",
    "OPEN_PER_CUSTOMER",
    "RATING_WINDOW",
    "TicketService",
    "parse_category",
    "parse_limit",
    "parse_online",
    "parse_score",
    "parse_text",
]


class TicketService(CustomerOperations, StaffOperations):
    """The ticket operation as the handlers call it (one object per container, see tickets/wiring.py)."""


# ---- input parsing (kept here so inbound e-mail and the API validate the same way) ---------------------------


def parse_category(value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in CATEGORIES:
        raise InvalidInput("invalid_category", details={"field": "category", "allowed": list(CATEGORIES)})
    return value.strip()


@overload
def parse_text(
    value: Any, field: str, max_length: int, required: Literal[True] = True, one_line: bool = False
) -> str: ...


@overload
def parse_text(value: Any, field: str, max_length: int, required: bool, one_line: bool = False) -> str | None: ...


def parse_text(value: Any, field: str, max_length: int, required: bool = True, one_line: bool = False) -> str | None:
    """A text field (supportdesk.fields.text_value); a ticket's message has its own codes, `empty_message` and
    `message_too_long`, which the storefront shows beside the message box."""
    message = field == "message"
    return text_value(
        value,
        field,
        max_length,
        required=required,
        one_line=one_line,
        empty_code="empty_message" if message else "missing_field",
        too_long_code="message_too_long" if message else "field_too_long",
    )


def parse_score(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or not 1 <= value <= 5:
        raise InvalidInput("invalid_score", details={"field": "score", "min": 1, "max": 5})
    return int(value)


def parse_limit(value: Any) -> int:
    return page_limit(value, default=DEFAULT_PAGE, maximum=MAX_PAGE)


def parse_online(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("invalid_field", field="online", details={"field": "online"})
    return value
