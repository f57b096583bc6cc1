"""The refund policy, pure: no clock, no storage. The service and the workflow's Assess step pass in the facts.

- A refund may be asked for only on an order that was paid and not cancelled (`refusal`).
- It is approved without a person when all hold (`assess`): it is a refund, not a dispute (disputes and
  `duplicate_charge` are settled by evidence, always by people); the amount is at most AutoApproveLimit; the
  customer had fewer than `max_recent_approved` approved refunds in `recent_days`; and the reason fits the order's
  state: goods must have arrived to be damaged, wrong or not as described, must not have arrived to be not received,
  and `changed_mind` is China's 7-day no-reason return (Consumer Rights Protection Law, art. 25): delivered at most
  `changed_mind_days` ago.
- Above FourEyesLimit two different people approve, the second a supervisor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from supportdesk.orders.model import OrderStatus
from supportdesk.refunds.model import CaseKind, RefundReason

REFUNDABLE = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass(frozen=True)
class Policy:
    auto_approve_limit_cents: int = 20_000
    four_eyes_limit_cents: int = 200_000
    max_recent_approved: int = 3
    recent_days: int = 90
    changed_mind_days: int = 7

    def __post_init__(self) -> None:
        if self.auto_approve_limit_cents < 0 or self.four_eyes_limit_cents < self.auto_approve_limit_cents:
            raise ValueError("limits must satisfy 0 <= AutoApproveLimit <= FourEyesLimit")


@dataclass(frozen=True)
class Assessment:
    auto_approve: bool
    needs_second_approval: bool
    notes: tuple[str, ...]  # why people must look: dispute, amount_above_limit, frequent_refunds, reason_*


def refusal(status: OrderStatus) -> str | None:
    """Why no refund can be asked for on an order in `status` (a message key suffix), or None."""
    if status is OrderStatus.PENDING_PAYMENT:
        return "not_paid"
    if status is OrderStatus.CANCELLED:
        return "cancelled"
    return None


def reason_fits(
    reason: str, status: OrderStatus, delivered_at: datetime | None, now: datetime, policy: Policy
) -> str | None:
    """None when the reason fits the order's state, else a note saying why not."""
    delivered = status is OrderStatus.DELIVERED
    if reason == RefundReason.CHANGED_MIND.value:
        if not delivered or delivered_at is None:
            return "changed_mind_not_delivered"
        if now - delivered_at > timedelta(days=policy.changed_mind_days):
            return "changed_mind_period_over"
        return None
    if reason in (RefundReason.DAMAGED.value, RefundReason.WRONG_ITEM.value, RefundReason.NOT_AS_DESCRIBED.value):
        return None if delivered else "reason_needs_delivery"
    if reason == RefundReason.NOT_RECEIVED.value:
        return "reason_delivered" if delivered else None
    return "reason_needs_review"  # duplicate_charge, other


def assess(
    policy: Policy,
    *,
    kind: CaseKind,
    reason: str,
    amount_cents: int,
    order_status: OrderStatus,
    delivered_at: datetime | None,
    now: datetime,
    recent_approved: int,
) -> Assessment:
    notes: list[str] = []
    if kind is CaseKind.DISPUTE or reason == RefundReason.DUPLICATE_CHARGE.value:
        notes.append("dispute")
    if amount_cents > policy.auto_approve_limit_cents:
        notes.append("amount_above_limit")
    if recent_approved >= policy.max_recent_approved:
        notes.append("frequent_refunds")
    if kind is CaseKind.REFUND:
        misfit = reason_fits(reason, order_status, delivered_at, now, policy)
        if misfit and "dispute" not in notes:
            notes.append(misfit)
    return Assessment(
        auto_approve=not notes, needs_second_approval=amount_cents > policy.four_eyes_limit_cents, notes=tuple(notes)
    )
