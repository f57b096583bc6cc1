"""What the two DynamoDB adapters of the ticket operation share (repository.py, queue_repository.py): how times are
written to the ticket tables, and a transaction in the ticket domain's terms. Storage-side only: services never
import this module (they see datetimes and StatusChanged, from tickets/model.py)."""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timezone
from typing import Any, Callable

from supportdesk.dal.transactions import ConditionFailed, TransactionBusy
from supportdesk.dal.transactions import transact as dal_transact
from supportdesk.errors import Conflict
from supportdesk.tickets.model import StatusChanged


def stamp(moment: datetime) -> str:
    """Fixed-width ISO 8601 UTC with microseconds: sorts as text, so it can be a sort key."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_stamp(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_required_stamp(value: str) -> datetime:
    """A stamp the item always has (created_at, ...)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def message_id(moment: datetime, index: int = 0) -> str:
    """Time-ordered id. Ties at the same clock reading (two writes in the same microsecond, or a fixed clock in
    tests) keep the order they were written in: the process's wall clock in nanoseconds, then the position in the
    batch, then randomness so that ids never collide."""
    return f"{stamp(moment)}#{time.time_ns():020d}{index:02d}{secrets.token_hex(3)}"


def transact(build: Callable[[Any], None]) -> None:
    """supportdesk.dal.transactions.transact in the ticket domain's terms: a failed condition is StatusChanged, a
    transaction that kept conflicting is 409 ticket_busy."""
    try:
        dal_transact(build)
    except ConditionFailed as exc:
        raise StatusChanged(exc.reasons) from exc
    except TransactionBusy:
        raise Conflict("ticket_busy") from None
