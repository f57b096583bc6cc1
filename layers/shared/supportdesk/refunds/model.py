"""A refund or a dispute, as plain dataclasses. Both are "cases" of one kind or the other: a dispute (a wrong amount,
a double charge, a price not honoured) is settled by an adjustment, which is a refund of the difference through
the same reservation, review and payout path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum


class RefundStatus(str, Enum):
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    PAYOUT_FAILED = "payout_failed"


# Not yet approved: the customer may still cancel, and the amount is only reserved.
CANCELLABLE = (RefundStatus.SUBMITTED, RefundStatus.UNDER_REVIEW, RefundStatus.AWAITING_SECOND_APPROVAL)
REVIEW_QUEUES = (RefundStatus.UNDER_REVIEW, RefundStatus.AWAITING_SECOND_APPROVAL)


class RefundReason(str, Enum):
    NOT_RECEIVED = "not_received"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGED_MIND = "changed_mind"
    DUPLICATE_CHARGE = "duplicate_charge"
    OTHER = "other"


class DisputeKind(str, Enum):
    AMOUNT_WRONG = "amount_wrong"
    CHARGED_TWICE = "charged_twice"
    PRICE_NOT_HONOURED = "price_not_honoured"


class CaseKind(str, Enum):
    REFUND = "refund"
    DISPUTE = "dispute"


class Decision(str, Enum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class TimelineEntry:
    """One customer-facing step. `step` picks the zh-CN/en text (messages: refund_step_<step>)."""

    at: datetime
    status: RefundStatus
    step: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Refund:
    refund_id: str
    kind: CaseKind
    customer_id: str
    order_id: str
    amount_cents: int  # reserved on the order; may be lowered by the approver
    requested_cents: int
    currency: str
    reason: str  # RefundReason value, or the DisputeKind for a dispute
    status: RefundStatus
    created_at: datetime
    updated_at: datetime
    language: str = "zh-CN"
    message: str | None = None
    ticket_id: str | None = None
    expected_amount_cents: int | None = None  # disputes: what the customer says they should have paid
    charge_provider: str | None = None
    charge_id: str | None = None
    needs_second_approval: bool = False
    escalated: bool = False  # the review SLA ran out: supervisors decide
    review_notes: tuple[str, ...] = ()  # why the policy sent it to people
    first_approver: str | None = None
    decided_by: tuple[str, ...] = ()
    rejection_reason: str | None = None
    payout_id: str | None = None
    payout_error: str | None = None
    payout_attempt: int = 0  # how many payout runs staff started (retries after payout_failed)
    timeline: tuple[TimelineEntry, ...] = ()
    task_token: str | None = field(default=None, repr=False)  # the review step's token: server-side only

    @property
    def is_dispute(self) -> bool:
        return self.kind is CaseKind.DISPUTE

    @property
    def needs_supervisor(self) -> bool:
        """Only a supervisor may decide it now: the review SLA ran out (escalated), or it waits for the second
        approval above the four-eyes limit."""
        return self.escalated or self.status is RefundStatus.AWAITING_SECOND_APPROVAL
