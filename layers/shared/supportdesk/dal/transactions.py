"""The generic write mechanics every domain repository uses: one TransactWriteItems with its retry policy, and a
conditional UpdateItem that answers whether the condition held. Domains translate the neutral exceptions raised
here into their own errors (a ticket's `ticket_busy`, a refund's `refund_exceeds_remaining`, ...).

Real DynamoDB cancels a transaction that races with another one on the same item (TransactionConflict); that is
retried with jittered exponential backoff. A failed condition is never retried: it is the answer."""

from __future__ import annotations

import random
import time
from typing import Any, Callable

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from supportdesk.observability import logger

MAX_CONFLICT_RETRIES = 6


class ConditionFailed(Exception):
    """A condition of the write did not hold (the item was not in the expected state). `reasons` holds the
    cancellation reason codes of a transaction, one per item, in the order the items were added."""

    def __init__(self, reasons: list[str | None] | None = None) -> None:
        self.reasons = reasons or []
        super().__init__(", ".join(r or "None" for r in self.reasons) or "ConditionalCheckFailed")

    def failed_at(self, index: int) -> bool:
        """Did the condition on the transaction's `index`-th item fail?"""
        return index < len(self.reasons) and self.reasons[index] == "ConditionalCheckFailed"


class TransactionBusy(Exception):
    """The transaction kept conflicting with concurrent ones after every retry (the items are hot)."""


def transact(build: Callable[[Any], None], *, retries: int = MAX_CONFLICT_RETRIES) -> None:
    """Run one TransactWriteItems built by `build(transaction)` (a pynamodb TransactWrite). Retries on
    TransactionConflict; raises ConditionFailed when a condition failed, TransactionBusy when retries ran out."""
    for attempt in range(retries):
        try:
            with TransactWrite(connection=Connection()) as transaction:
                build(transaction)
            return
        except TransactWriteError as exc:
            reasons = [reason.code if reason is not None else None for reason in (exc.cancellation_reasons or [])]
            if "ConditionalCheckFailed" in reasons:
                raise ConditionFailed(reasons) from exc
            if "TransactionConflict" in reasons or exc.cause_response_code == "TransactionConflictException":
                time.sleep(random.uniform(0, 0.02 * (2**attempt)))  # noqa: S311 - jitter, not security
                continue
            raise
    logger.warning("transaction kept conflicting", extra={"attempts": retries})
    raise TransactionBusy()


def conditional_update(item: Any, actions: list, condition: Any) -> bool:
    """One UpdateItem of a pynamodb model instance guarded by `condition`: True when it was applied (the instance then
    holds the item as written: ALL_NEW), False when the condition did not hold. Other errors propagate."""
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def write_only_update(model: Any, hash_key: str, actions: list, condition: Any) -> bool:
    """One UpdateItem on `model`'s table guarded by `condition`, returning nothing of the item (ReturnValues NONE,
    where pynamodb's Model.update asks for ALL_NEW): for a function whose IAM policy lets it set a few attributes
    of an item it may not read (dynamodb:ReturnValues, dynamodb:Attributes). False when the condition did not hold."""
    try:
        model._get_connection().update_item(hash_key, actions=actions, condition=condition, return_values="NONE")
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def conditional_put(item: Any, condition: Any) -> bool:
    """One PutItem guarded by `condition` (e.g. `Model.key.does_not_exist()`): False when the condition did not hold."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
