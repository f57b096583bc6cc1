"""Storage of refunds and disputes. The port is what the service needs; DynamoRefundRepository is the adapter.

Money moves only in writes that also change the case, in one transaction with the order item (OrdersTable):
- create: put the case + reserve on the order, conditioned so that reserved + refunded never exceeds paid;
- release (reject, cancel, approve less): the case's new status + give back the reservation;
- settle (paid): the case's new status + move the amount from reserved to refunded.
State changes are conditional on the expected status (and on the review token where a decision answers it), so of
two concurrent decisions exactly one is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from supportdesk.dal.cursors import decode_cursor, encode_cursor
from supportdesk.dal.orders import OrderModel
from supportdesk.dal.refunds import RefundModel
from supportdesk.dal.transactions import ConditionFailed, conditional_update, transact
from supportdesk.orders.model import OrderStatus
from supportdesk.refunds.model import CaseKind, Refund, RefundStatus, TimelineEntry

REFUNDABLE_STATUSES = (OrderStatus.PAID.value, OrderStatus.SHIPPED.value, OrderStatus.DELIVERED.value)


class ReservationRefused(Exception):
    """The order did not allow the reservation (its remaining amount, its status or its payment changed)."""


def stamp(moment: datetime) -> str:
    """ISO 8601 UTC with microseconds and a Z: sorts as text (index sort keys)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Transition:
    """A conditional change of a case: from one of `expect` to `to`, with optional money movement."""

    expect: tuple[RefundStatus, ...]
    to: RefundStatus
    at: datetime
    entry: TimelineEntry | None = None
    changes: dict | None = None  # attribute -> value (None removes)
    release_cents: int = 0  # give back to the order's remaining amount
    settle_cents: int = 0  # reserved -> refunded
    token: str | None = None  # the review token the change answers (must still be the stored one)
    queue: bool | None = None  # True: enter the review queue as `to`; False: leave it; None: unchanged


class RefundRepository(Protocol):
    def create(self, refund: Refund, paid_cents: int) -> None:
        """Store a new case and reserve its amount on the order (raises ReservationRefused)."""

    def get(self, refund_id: str) -> Refund | None: ...

    def customer_refunds(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[Refund], str | None]: ...

    def order_refunds(
        self, customer_id: str, order_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Refund], str | None]: ...

    def review_queue(self, status: RefundStatus, limit: int, cursor: str | None) -> tuple[list[Refund], str | None]: ...

    def approved_since(self, customer_id: str, since: datetime) -> int:
        """How many of the customer's refunds created since `since` were approved (approved or paid)."""

    def transition(self, refund: Refund, change: Transition) -> bool:
        """Apply `change` if the case is still in one of `change.expect` (and still holds `change.token`)."""

    def park(
        self,
        refund_id: str,
        expect: tuple[RefundStatus, ...],
        to: RefundStatus,
        token: str,
        at: datetime,
        entry: TimelineEntry | None,
        changes: dict | None = None,
        keep_place: bool = False,
    ) -> bool:
        """Store the review step's token and put the case in the review queue as `to`; `keep_place`: a case already
        in that queue keeps its place (its `queued_at`), e.g. when it escalates."""


class DynamoRefundRepository:
    def create(self, refund: Refund, paid_cents: int) -> None:
        R = RefundModel

        item = _to_item(refund)
        amount = refund.amount_cents
        order_condition = (
            OrderModel.status.is_in(*REFUNDABLE_STATUSES)
            & OrderModel.cancel_requested_at.does_not_exist()  # a pending cancellation gives everything back
            & (OrderModel.paid_cents == paid_cents)
            & (OrderModel.committed_cents.does_not_exist() | (OrderModel.committed_cents <= paid_cents - amount))
        )

        def build(transaction: Any) -> None:
            transaction.save(item, condition=R.refund_id.does_not_exist())
            transaction.update(
                OrderModel(refund.customer_id, refund.order_id),
                actions=[
                    OrderModel.committed_cents.set((OrderModel.committed_cents | 0) + amount),
                    OrderModel.reserved_cents.set((OrderModel.reserved_cents | 0) + amount),
                ],
                condition=order_condition,
            )

        try:
            transact(build)
        except ConditionFailed as failed:
            if failed.failed_at(1):
                raise ReservationRefused() from failed
            raise

    def get(self, refund_id: str) -> Refund | None:

        try:
            return _to_refund(RefundModel.get(refund_id, consistent_read=True))
        except RefundModel.DoesNotExist:
            return None

    def customer_refunds(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[Refund], str | None]:

        return _page(RefundModel.customer_refunds, "customer_id", customer_id, "created_at", limit, cursor, False)

    def order_refunds(
        self, customer_id: str, order_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Refund], str | None]:

        return _page(
            RefundModel.order_refunds, "customer_order", f"{customer_id}#{order_id}", "created_at", limit, cursor, False
        )

    def review_queue(self, status: RefundStatus, limit: int, cursor: str | None) -> tuple[list[Refund], str | None]:

        return _page(RefundModel.review_queue_index, "review_queue", status.value, "queued_at", limit, cursor, True)

    def approved_since(self, customer_id: str, since: datetime) -> int:
        R = RefundModel

        results = R.customer_refunds.query(
            customer_id,
            R.created_at >= stamp(since),
            filter_condition=R.status.is_in(RefundStatus.APPROVED.value, RefundStatus.PAID.value)
            & (R.kind == CaseKind.REFUND.value),
            attributes_to_get=["refund_id"],
        )
        return sum(1 for _ in results)

    def transition(self, refund: Refund, change: Transition) -> bool:
        R = RefundModel

        changes = {"status": change.to.value, "updated_at": stamp(change.at), **(change.changes or {})}
        if change.queue is True:
            changes.update(review_queue=change.to.value, queued_at=stamp(change.at))
        elif change.queue is False:
            changes.update(review_queue=None, queued_at=None)
        actions = _actions(changes)
        if change.entry is not None:
            actions.append(R.timeline.set(R.timeline.append([_entry_map(change.entry)])))
        condition = R.status.is_in(*(s.value for s in change.expect))
        if change.token is not None:
            condition &= R.task_token == change.token
        order_actions = []
        if change.release_cents:
            order_actions = [
                OrderModel.committed_cents.set(OrderModel.committed_cents - change.release_cents),
                OrderModel.reserved_cents.set(OrderModel.reserved_cents - change.release_cents),
            ]
        elif change.settle_cents:
            order_actions = [
                OrderModel.reserved_cents.set(OrderModel.reserved_cents - change.settle_cents),
                OrderModel.refunded_cents.set((OrderModel.refunded_cents | 0) + change.settle_cents),
            ]
        if not order_actions:
            return conditional_update(R(refund.refund_id), actions, condition)

        def build(transaction: Any) -> None:
            transaction.update(R(refund.refund_id), actions=actions, condition=condition)
            transaction.update(OrderModel(refund.customer_id, refund.order_id), actions=order_actions)

        try:
            transact(build)
        except ConditionFailed:
            return False
        return True

    def park(
        self,
        refund_id: str,
        expect: tuple[RefundStatus, ...],
        to: RefundStatus,
        token: str,
        at: datetime,
        entry: TimelineEntry | None,
        changes: dict | None = None,
        keep_place: bool = False,
    ) -> bool:
        R = RefundModel

        place = {} if keep_place else {"queued_at": stamp(at)}
        actions = _actions(
            {
                "status": to.value,
                "updated_at": stamp(at),
                "task_token": token,
                "review_queue": to.value,
                **place,
                **(changes or {}),
            }
        )
        if entry is not None:
            actions.append(R.timeline.set(R.timeline.append([_entry_map(entry)])))
        return conditional_update(R(refund_id), actions, R.status.is_in(*(s.value for s in expect)))


def _actions(changes: dict) -> list:
    R = RefundModel

    actions = []
    for name, value in changes.items():
        attribute = getattr(R, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def _entry_map(entry: TimelineEntry) -> dict:
    return {
        "at": stamp(entry.at),
        "status": entry.status.value,
        "step": entry.step,
        "params": {k: str(v) for k, v in entry.params.items()},
    }


def _page(
    index: Any,
    hash_attribute: str,
    hash_value: str,
    sort_attribute: str,
    limit: int,
    cursor: str | None,
    oldest_first: bool,
) -> tuple[list[Refund], str | None]:
    """One page of an index partition with an opaque cursor (sort key + id only: the partition comes from the
    caller, so a cursor cannot reach another customer's cases)."""
    position = decode_cursor(cursor, ("s", "r"))
    start = None
    if position:
        start = {
            hash_attribute: {"S": hash_value},
            sort_attribute: {"S": position["s"]},
            "refund_id": {"S": position["r"]},
        }
    results = index.query(
        hash_value, scan_index_forward=oldest_first, limit=limit, page_size=limit, last_evaluated_key=start
    )
    items = [_to_refund(item) for item in results]
    last = results.last_evaluated_key if len(items) >= limit else None
    next_cursor = encode_cursor({"s": last[sort_attribute]["S"], "r": last["refund_id"]["S"]}) if last else None
    return items, next_cursor


def _to_item(refund: Refund):

    return RefundModel(
        refund.refund_id,
        kind=refund.kind.value,
        customer_id=refund.customer_id,
        order_id=refund.order_id,
        customer_order=f"{refund.customer_id}#{refund.order_id}",
        amount_cents=refund.amount_cents,
        requested_cents=refund.requested_cents,
        currency=refund.currency,
        reason=refund.reason,
        status=refund.status.value,
        language=refund.language,
        message=refund.message,
        ticket_id=refund.ticket_id,
        expected_amount_cents=refund.expected_amount_cents,
        charge_provider=refund.charge_provider,
        charge_id=refund.charge_id,
        created_at=stamp(refund.created_at),
        updated_at=stamp(refund.updated_at),
        timeline=[_entry_map(e) for e in refund.timeline],
    )


def _to_refund(item: Any) -> Refund:
    timeline = []
    for raw in item.timeline or []:
        entry = raw.as_dict() if hasattr(raw, "as_dict") else raw
        timeline.append(
            TimelineEntry(
                parse_stamp(entry["at"]), RefundStatus(entry["status"]), entry["step"], dict(entry.get("params") or {})
            )
        )
    return Refund(
        refund_id=item.refund_id,
        kind=CaseKind(item.kind),
        customer_id=item.customer_id,
        order_id=item.order_id,
        amount_cents=int(item.amount_cents),
        requested_cents=int(item.requested_cents),
        currency=item.currency,
        reason=item.reason,
        status=RefundStatus(item.status),
        created_at=parse_stamp(item.created_at),
        updated_at=parse_stamp(item.updated_at),
        language=item.language or "zh-CN",
        message=item.message,
        ticket_id=item.ticket_id,
        expected_amount_cents=int(item.expected_amount_cents) if item.expected_amount_cents is not None else None,
        charge_provider=item.charge_provider,
        charge_id=item.charge_id,
        needs_second_approval=bool(item.needs_second_approval),
        escalated=bool(item.escalated),
        review_notes=tuple(item.review_notes or ()),
        first_approver=item.first_approver,
        decided_by=tuple(item.decided_by or ()),
        rejection_reason=item.rejection_reason,
        payout_id=item.payout_id,
        payout_error=item.payout_error,
        payout_attempt=int(item.payout_attempt or 0),
        timeline=tuple(timeline),
        task_token=item.task_token,
    )
