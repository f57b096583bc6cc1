"""Refunds and disputes: what customers ask for, what staff decide, and the review workflow's steps.

Plain Python: the refund and order repositories, the review workflow, notices, evidence store, payment provider,
ticket notes and clock are passed in (supportdesk.refunds.wiring builds the real ones).

Money guarantees, each bought by one conditional write (see refunds/repository.py):
- a request reserves its amount on the order in the same transaction that creates the case, conditioned on
  reserved + refunded + amount <= paid, so concurrent requests can never reserve more than was paid;
- a rejection, a cancellation or an approval of less gives the reservation back in the transaction that records it;
- a payout moves the amount from reserved to refunded in the transaction that marks the case paid; a failed payout
  keeps the reservation, so staff can retry without the money being promised elsewhere.
The case id is derived from the caller and the Idempotency-Key, so a request retried after a crash finds its case
instead of reserving twice.

Who decides: any staff member may decide a case under review; once the review SLA ran out (escalated) and for the
second approval above the four-eyes limit only a supervisor may, and the second approver must not be the first.
Silence never approves: an unanswered review escalates, it does not pass."""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
import uuid
from datetime import timedelta
from typing import Any, Callable, Protocol

from supportdesk.clock import Clock, iso
from supportdesk.errors import Conflict, Forbidden, InvalidInput, NotFound
from supportdesk.fields import page_limit, text_value
from supportdesk.idempotency import IdempotencyKeyReused
from supportdesk.observability import audit, logger, metrics
from supportdesk.orders.model import Order, own_order
from supportdesk.orders.repository import OrderRepository
from supportdesk.refunds import evidence as ev
from supportdesk.refunds.model import (
    CANCELLABLE,
    REVIEW_QUEUES,
    CaseKind,
    Decision,
    DisputeKind,
    Refund,
    RefundReason,
    RefundStatus,
    TimelineEntry,
)
from supportdesk.refunds.notices import RefundNotices, TicketNotes, money
from supportdesk.refunds.payments import ChargeRef, PaymentPermanentError, PaymentProvider
from supportdesk.refunds.policy import Policy, assess, refusal
from supportdesk.refunds.repository import RefundRepository, ReservationRefused, Transition
from supportdesk.refunds.views import case_fields, customer_view, timeline_view
from supportdesk.refunds.workflow import ReviewWorkflow
from supportdesk.roles import Caller
from supportdesk.tickets.model import Access

MAX_MESSAGE = 2000
MAX_REASON = 500
MAX_NOTE = 1000
MAX_LIMIT = 50
FINAL = (RefundStatus.PAID, RefundStatus.REJECTED, RefundStatus.CANCELLED)


# ---- input -------------------------------------------------------------------------------------------------------


def parse_amount(raw: Any, *, required: bool = False, name: str = "amount_cents") -> int | None:
    if raw is None:
        if required:
            raise InvalidInput("missing_field", field=name, details={"field": name})
        return None
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int)
        or raw < (0 if name == "expected_amount_cents" else 1)
        or raw > 10**12
    ):
        raise InvalidInput("invalid_amount", field=name, details={"field": name})
    return raw


def parse_reason(raw: Any) -> str:
    if raw not in {r.value for r in RefundReason}:
        raise InvalidInput("invalid_refund_reason", details={"allowed": [r.value for r in RefundReason]})
    return raw


def parse_dispute_kind(raw: Any) -> str:
    if raw not in {k.value for k in DisputeKind}:
        raise InvalidInput("invalid_dispute_kind", details={"allowed": [k.value for k in DisputeKind]})
    return raw


def parse_limit(raw: str | None) -> int:
    return page_limit(raw, maximum=MAX_LIMIT)


def parse_queue_status(raw: str | None) -> RefundStatus:
    try:
        status = RefundStatus(raw or RefundStatus.UNDER_REVIEW.value)
    except ValueError:
        status = None
    if status not in REVIEW_QUEUES:
        raise InvalidInput("invalid_status_filter", details={"allowed": [s.value for s in REVIEW_QUEUES]})
    return status


def case_id(prefix: str, owner: str, idempotency_key: str) -> str:
    """R-/D- and 16 base32 characters of a hash of (caller, key): a retried request finds its own case."""
    digest = hashlib.sha256(f"{prefix}\x1f{owner}\x1f{idempotency_key}".encode()).digest()
    return f"{prefix}-{base64.b32encode(digest).decode()[:16]}"


def _safe_filename(raw: str) -> str:
    name = unicodedata.normalize("NFKC", raw).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    name = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._") or "evidence"
    return name[-100:]


class AccessTrail(Protocol):
    """Where staff looks at a case are kept: the staff audit table that also holds ticket reads, keyed by the case
    id (supportdesk.tickets.repository.DynamoTicketStore)."""

    def record_access(self, access: Access) -> None: ...
    def access_log(self, subject_id: str, limit: int, cursor: str | None) -> tuple[list[Access], str | None]: ...


def _exceeds_remaining(order: Order) -> Conflict:
    return Conflict(
        "refund_exceeds_remaining",
        remaining=money(order.remaining_cents, order.currency),
        details={"remaining_cents": order.remaining_cents},
    )


class RefundService:
    def __init__(
        self,
        refunds: RefundRepository,
        orders: OrderRepository,
        workflow: ReviewWorkflow,
        notices: RefundNotices,
        tickets: TicketNotes,
        evidence: ev.EvidenceStore,
        payments: PaymentProvider,
        clock: Clock,
        policy: Policy,
        review_sla_seconds: int,
        trail: AccessTrail,
        mask: Callable[[str], str] = lambda t: t,
        ticket_files: ev.TicketFiles | None = None,
    ) -> None:
        self.refunds = refunds
        self.orders = orders
        self.workflow = workflow
        self.notices = notices
        self.tickets = tickets
        self.evidence = evidence
        self.payments = payments
        self.clock = clock
        self.policy = policy
        self.review_sla_seconds = review_sla_seconds
        self.trail = trail
        self.mask = mask
        self.ticket_files = ticket_files  # the customer's files on a dispute's ticket count as its evidence

    # ---- customer: refunds -----------------------------------------------------------------------------------
    def request_refund(self, caller: Caller, order_id: str, body: dict, idempotency_key: str) -> dict:
        amount = parse_amount(body.get("amount_cents"))
        reason = parse_reason(body.get("reason"))
        message = text_value(body.get("message"), "message", MAX_MESSAGE, required=False)
        ticket_id = text_value(body.get("ticket_id"), "ticket_id", 32, required=False)
        order = self._own_order(caller, order_id)
        self._check_refundable(order)
        if amount is None:
            amount = order.remaining_cents
        if not 1 <= amount <= order.remaining_cents:
            raise _exceeds_remaining(order)
        return self._open_case(
            caller,
            order,
            CaseKind.REFUND,
            case_id("R", caller.account_id, idempotency_key),
            amount,
            reason,
            message,
            ticket_id,
            None,
        )

    def open_dispute(self, caller: Caller, order_id: str, body: dict, idempotency_key: str) -> dict:
        kind = parse_dispute_kind(body.get("kind"))
        expected = parse_amount(body.get("expected_amount_cents"), required=True, name="expected_amount_cents")
        message = text_value(body.get("message"), "message", MAX_MESSAGE, required=True)
        ticket_id = text_value(body.get("ticket_id"), "ticket_id", 32, required=False)
        order = self._own_order(caller, order_id)
        self._check_refundable(order)
        claimed = order.paid_cents - int(expected or 0)
        if claimed < 1:
            raise InvalidInput(
                "dispute_amount_invalid",
                paid=money(order.paid_cents, order.currency),
                details={"paid_cents": order.paid_cents},
            )
        if claimed > order.remaining_cents:
            raise _exceeds_remaining(order)
        return self._open_case(
            caller,
            order,
            CaseKind.DISPUTE,
            case_id("D", caller.account_id, idempotency_key),
            claimed,
            kind,
            message,
            ticket_id,
            expected,
        )

    def _open_case(
        self,
        caller: Caller,
        order: Order,
        kind: CaseKind,
        refund_id: str,
        amount: int,
        reason: str,
        message: str | None,
        ticket_id: str | None,
        expected: int | None,
    ) -> dict:
        if ticket_id is not None and not self.tickets.owns(caller.account_id, ticket_id):
            raise NotFound("ticket_not_found")
        now = self.clock.now()
        step = "dispute_submitted" if kind is CaseKind.DISPUTE else "submitted"
        params = {"amount": money(amount, order.currency)}
        refund = Refund(
            refund_id=refund_id,
            kind=kind,
            customer_id=caller.account_id,
            order_id=order.order_id,
            amount_cents=amount,
            requested_cents=amount,
            currency=order.currency,
            reason=reason,
            status=RefundStatus.SUBMITTED,
            created_at=now,
            updated_at=now,
            language=caller.language,
            message=self.mask(message) if message else None,
            ticket_id=ticket_id,
            expected_amount_cents=expected,
            charge_provider=order.payment.provider if order.payment else None,
            charge_id=order.payment.charge_id if order.payment else None,
            timeline=(TimelineEntry(now, RefundStatus.SUBMITTED, step, params),),
        )
        try:
            self.refunds.create(refund, order.paid_cents)
        except ReservationRefused:
            current = self.orders.get(caller.account_id, order.order_id)
            if current is not None:
                self._check_refundable(current)
            remaining = current.remaining_cents if current else 0
            raise Conflict(
                "refund_exceeds_remaining",
                remaining=money(remaining, order.currency),
                details={"remaining_cents": remaining},
            ) from None
        except Exception as error:
            existing = self.refunds.get(refund_id)
            if existing is None:
                raise
            # A retry of a request that crashed after writing its case (or the same key reused for another case).
            if (existing.order_id, existing.requested_cents, existing.reason) != (order.order_id, amount, reason):
                raise IdempotencyKeyReused() from error
            refund = existing
        else:
            audit(
                "refund_requested",
                refund_id=refund_id,
                kind=kind.value,
                order_id=order.order_id,
                account_id=caller.account_id,
                amount_cents=amount,
            )
            metrics.add_metric(
                name="RefundRequested" if kind is CaseKind.REFUND else "DisputeOpened", unit="Count", value=1
            )
            self.notices.customer(refund, step, params, now)
        self.workflow.start(refund_id, {"refund_id": refund_id, "resume": "assess"})
        return {"refund" if kind is CaseKind.REFUND else "dispute": self.customer_view(refund)}

    def get_refund(self, caller: Caller, refund_id: str) -> dict:
        return {"refund": self.customer_view(self._own_case(caller, refund_id, CaseKind.REFUND))}

    def list_refunds(self, caller: Caller, limit: int, cursor: str | None) -> dict:
        items, next_cursor = self.refunds.customer_refunds(caller.account_id, limit, cursor)
        return {"refunds": [self.customer_view(r) for r in items], "next_cursor": next_cursor}

    def order_refunds(self, caller: Caller, order_id: str, limit: int, cursor: str | None) -> dict:
        items, next_cursor = self.refunds.order_refunds(caller.account_id, order_id, limit, cursor)
        if not items and cursor is None:
            self._own_order(caller, order_id)  # 404 for an order that is not the caller's
        return {"refunds": [self.customer_view(r) for r in items], "next_cursor": next_cursor}

    def cancel(self, caller: Caller, refund_id: str) -> dict:
        refund = self._own_case(caller, refund_id, None)
        if refund.status not in CANCELLABLE:
            raise Conflict("refund_not_cancellable")
        now = self.clock.now()
        entry = TimelineEntry(now, RefundStatus.CANCELLED, "cancelled", {})
        change = Transition(
            expect=CANCELLABLE,
            to=RefundStatus.CANCELLED,
            at=now,
            entry=entry,
            changes={"task_token": None},
            release_cents=refund.amount_cents,
            queue=False,
        )
        if not self.refunds.transition(refund, change):
            raise Conflict("refund_not_cancellable")
        # End the review: answer the waiting step (the workflow closes), or stop the execution between steps.
        if not (refund.task_token and self.workflow.answer(refund.task_token, {"decision": "cancelled"})):
            self.workflow.stop(refund.refund_id, "cancelled by the customer")
        refund = self._reload(refund.refund_id)
        audit("refund_cancelled", refund_id=refund.refund_id, account_id=caller.account_id)
        self.notices.customer(refund, "cancelled", {}, now)
        return {"refund": self.customer_view(refund)}

    # ---- customer: disputes and evidence -----------------------------------------------------------------------
    def _evidence(self, dispute: Refund) -> list[ev.EvidenceFile]:
        """What was uploaded as the dispute's evidence, then what the customer sent with the dispute's ticket."""
        files = self.evidence.files(ev.prefix_of(dispute.refund_id))
        if dispute.ticket_id and self.ticket_files is not None:
            files += self.ticket_files.files(dispute.ticket_id)
        return files

    @staticmethod
    def _evidence_view(file: ev.EvidenceFile) -> dict:
        view = {
            "filename": file.filename,
            "size": file.size,
            "uploaded_at": iso(file.uploaded_at),
            "source": "ticket" if file.ticket_id else "upload",
        }
        if file.ticket_id:
            view.update(ticket_id=file.ticket_id, attachment_id=file.attachment_id)
        return view

    def get_dispute(self, caller: Caller, dispute_id: str) -> dict:
        dispute = self._own_case(caller, dispute_id, CaseKind.DISPUTE)
        return {
            "dispute": {
                **self.customer_view(dispute),
                "evidence": [self._evidence_view(f) for f in self._evidence(dispute)],
            }
        }

    def evidence_upload(self, caller: Caller, dispute_id: str, body: dict) -> dict:
        dispute = self._own_case(caller, dispute_id, CaseKind.DISPUTE)
        if dispute.status in FINAL:
            raise Conflict("dispute_closed")
        filename = text_value(body.get("filename"), "filename", 200, required=True)
        content_type = body.get("content_type")
        if content_type not in ev.CONTENT_TYPES:
            raise InvalidInput("evidence_type_not_allowed", details={"allowed": list(ev.CONTENT_TYPES)})
        size = body.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= ev.MAX_BYTES:
            raise InvalidInput(
                "evidence_too_large", max_mb=ev.MAX_BYTES // (1024 * 1024), details={"max_bytes": ev.MAX_BYTES}
            )
        prefix = ev.prefix_of(dispute.refund_id)
        if len(self.evidence.files(prefix)) >= ev.MAX_FILES:
            raise Conflict("evidence_limit_reached", max=ev.MAX_FILES)
        key = f"{prefix}{uuid.uuid4().hex[:12]}-{_safe_filename(str(filename))}"
        post = self.evidence.presign_upload(key, content_type)
        audit(
            "dispute_evidence_upload_granted",
            refund_id=dispute.refund_id,
            account_id=caller.account_id,
            content_type=content_type,
            size=size,
        )
        return {
            "upload": {
                "url": post["url"],
                "fields": post["fields"],
                "method": "POST",
                "expires_in": ev.UPLOAD_SECONDS,
                "max_bytes": ev.MAX_BYTES,
                "content_type": content_type,
            }
        }

    # ---- staff -------------------------------------------------------------------------------------------------
    def review_queue(self, staff: Caller, status: RefundStatus, limit: int, cursor: str | None) -> dict:
        items, next_cursor = self.refunds.review_queue(status, limit, cursor)
        return {"refunds": [self.staff_summary(r) for r in items], "next_cursor": next_cursor}

    def access_log(self, staff: Caller, refund_id: str, limit: int, cursor: str | None) -> dict:
        """Who on the staff opened this case, newest first (supervisors only)."""
        if not staff.is_supervisor:
            raise Forbidden("supervisor_only")
        if self.refunds.get(refund_id) is None:
            raise NotFound("refund_not_found")
        entries, next_cursor = self.trail.access_log(refund_id, limit, cursor)
        return {
            "refund_id": refund_id,
            "next_cursor": next_cursor,
            "entries": [
                {"actor_id": e.actor_id, "actor_role": e.actor_role, "action": e.action, "at": iso(e.at)}
                for e in entries
            ],
        }

    def staff_case(self, staff: Caller, refund_id: str) -> dict:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise NotFound("refund_not_found")
        order = self.orders.get(refund.customer_id, refund.order_id)
        recent = self.refunds.approved_since(
            refund.customer_id, self.clock.now() - timedelta(days=self.policy.recent_days)
        )
        # Audited like a ticket read: a record in the staff audit table (supervisors list it) and in the log
        self.trail.record_access(Access(refund_id, staff.account_id, str(staff.role), "refund_read", self.clock.now()))
        audit("refund_read", refund_id=refund_id, actor_id=staff.account_id, actor_role=str(staff.role))
        view = {
            **self.staff_summary(refund),
            "message": refund.message,
            "expected_amount_cents": refund.expected_amount_cents,
            "first_approver": refund.first_approver,
            "decided_by": list(refund.decided_by),
            "rejection_reason": refund.rejection_reason,
            "payout_id": refund.payout_id,
            "payout_error": refund.payout_error,
            "ticket_id": refund.ticket_id,
            "customer_recent_approved_refunds": recent,
            "timeline": self._timeline(refund, staff.language),
            "order": _order_summary(order) if order else None,
        }
        if refund.is_dispute:
            view["evidence"] = [
                {
                    **self._evidence_view(f),
                    "url_expires_in": ev.DOWNLOAD_SECONDS,
                    "url": self.ticket_files.download_url(f)
                    if f.ticket_id and self.ticket_files
                    else self.evidence.download_url(f.key),
                }
                for f in self._evidence(refund)
            ]
        return {"refund": view}

    def decide(self, staff: Caller, refund_id: str, body: dict) -> dict:
        decision_raw = body.get("decision")
        if decision_raw not in {d.value for d in Decision}:
            raise InvalidInput("invalid_decision")
        decision = Decision(decision_raw)
        amount = parse_amount(body.get("amount_cents"))
        reason = text_value(body.get("reason"), "reason", MAX_REASON, required=False)
        note = text_value(body.get("note"), "note", MAX_NOTE, required=False)
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise NotFound("refund_not_found")
        if refund.status not in REVIEW_QUEUES:
            raise Conflict("refund_not_in_review", details={"status": refund.status.value})
        if not refund.task_token:
            raise Conflict("refund_review_busy")
        second = refund.status is RefundStatus.AWAITING_SECOND_APPROVAL
        if (second or refund.escalated) and not staff.is_supervisor:
            raise Forbidden("supervisor_required")
        if second and decision is Decision.APPROVE and staff.account_id == refund.first_approver:
            raise Forbidden("same_approver")
        now = self.clock.now()
        decided = [*refund.decided_by, staff.account_id]
        changes: dict[str, Any] = {"task_token": None, "decided_by": decided}
        if decision is Decision.REJECT:
            if not reason:
                raise InvalidInput("rejection_reason_required")
            change = Transition(
                expect=(refund.status,),
                to=RefundStatus.REJECTED,
                at=now,
                token=refund.task_token,
                entry=TimelineEntry(now, RefundStatus.REJECTED, "rejected", {"reason": reason}),
                changes={**changes, "rejection_reason": reason},
                release_cents=refund.amount_cents,
                queue=False,
            )
            output: dict[str, Any] = {"decision": "reject"}
        else:
            approved = refund.amount_cents if amount is None else amount
            if not 1 <= approved <= refund.amount_cents:
                raise InvalidInput("invalid_amount", field="amount_cents", details={"max": refund.amount_cents})
            params = {"amount": money(approved, refund.currency)}
            release = refund.amount_cents - approved
            if not second and approved > self.policy.four_eyes_limit_cents:
                change = Transition(
                    expect=(refund.status,),
                    to=RefundStatus.AWAITING_SECOND_APPROVAL,
                    at=now,
                    token=refund.task_token,
                    entry=TimelineEntry(now, RefundStatus.AWAITING_SECOND_APPROVAL, "second_review", params),
                    changes={
                        **changes,
                        "first_approver": staff.account_id,
                        "amount_cents": approved,
                        "needs_second_approval": True,
                    },
                    release_cents=release,
                    queue=False,
                )
                output = {"decision": "approve", "second": True}
            else:
                change = Transition(
                    expect=(refund.status,),
                    to=RefundStatus.APPROVED,
                    at=now,
                    token=refund.task_token,
                    entry=TimelineEntry(now, RefundStatus.APPROVED, "approved", params),
                    changes={
                        **changes,
                        "amount_cents": approved,
                        "first_approver": refund.first_approver or staff.account_id,
                    },
                    release_cents=release,
                    queue=False,
                )
                output = {"decision": "approve", "second": False}
        if not self.refunds.transition(refund, change):
            raise Conflict("refund_already_decided")
        audit(
            "refund_decided",
            refund_id=refund_id,
            actor_id=staff.account_id,
            actor_role=str(staff.role),
            decision=decision.value,
            to=change.to.value,
            note_given=bool(note),
        )
        if not self.workflow.answer(refund.task_token, output):
            logger.warning("review token no longer awaited", extra={"refund_id": refund_id})
        refund = self._reload(refund_id)
        if change.to is RefundStatus.REJECTED:
            self.notices.customer(refund, "rejected", {"reason": reason}, now)
        elif change.to is RefundStatus.APPROVED:
            self.notices.customer(refund, "approved", {"amount": money(refund.amount_cents, refund.currency)}, now)
        return {"refund": self.staff_summary(refund)}

    def retry_payout(self, staff: Caller, refund_id: str) -> dict:
        if not staff.is_supervisor:
            raise Forbidden("supervisor_required")
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise NotFound("refund_not_found")
        if refund.status is not RefundStatus.PAYOUT_FAILED:
            raise Conflict("refund_not_retryable", details={"status": refund.status.value})
        now = self.clock.now()
        attempt = refund.payout_attempt + 1
        change = Transition(
            expect=(RefundStatus.PAYOUT_FAILED,),
            to=RefundStatus.APPROVED,
            at=now,
            entry=TimelineEntry(now, RefundStatus.APPROVED, "payout_retried", {}),
            changes={"payout_attempt": attempt, "payout_error": None},
        )
        if not self.refunds.transition(refund, change):
            raise Conflict("refund_not_retryable")
        audit("refund_payout_retried", refund_id=refund_id, actor_id=staff.account_id, attempt=attempt)
        self.workflow.start(f"{refund_id}-payout-{attempt}", {"refund_id": refund_id, "resume": "payout"})
        return {"refund": self.staff_summary(self._reload(refund_id))}

    # ---- workflow steps ----------------------------------------------------------------------------------------
    def assess_case(self, refund_id: str) -> dict:
        refund = self._reload(refund_id)
        if refund.status is RefundStatus.APPROVED:
            return {"outcome": "approve"}
        if refund.status is not RefundStatus.SUBMITTED:
            return {"outcome": "closed", "status": refund.status.value}
        now = self.clock.now()
        order = self.orders.get(refund.customer_id, refund.order_id)
        recent = self.refunds.approved_since(refund.customer_id, now - timedelta(days=self.policy.recent_days))
        if order is None:  # cannot happen for a case created against it; people look rather than guess
            result_notes: tuple[str, ...] = ("order_missing",)
            auto, second = False, False
        else:
            result = assess(
                self.policy,
                kind=refund.kind,
                reason=refund.reason,
                amount_cents=refund.amount_cents,
                order_status=order.status,
                delivered_at=order.delivered_at,
                now=now,
                recent_approved=recent,
            )
            result_notes, auto, second = result.notes, result.auto_approve, result.needs_second_approval
        params = {"amount": money(refund.amount_cents, refund.currency)}
        if auto:
            change = Transition(
                expect=(RefundStatus.SUBMITTED,),
                to=RefundStatus.APPROVED,
                at=now,
                entry=TimelineEntry(now, RefundStatus.APPROVED, "approved", params),
                changes={"review_notes": [], "decided_by": ["policy"]},
            )
            if not self.refunds.transition(refund, change):
                return {"outcome": "closed", "status": self._reload(refund_id).status.value}
            audit("refund_auto_approved", refund_id=refund_id, amount_cents=refund.amount_cents)
            self.notices.customer(self._reload(refund_id), "approved", params, now)
            return {"outcome": "approve"}
        change = Transition(
            expect=(RefundStatus.SUBMITTED,),
            to=RefundStatus.SUBMITTED,
            at=now,
            changes={"review_notes": list(result_notes), "needs_second_approval": second},
        )
        if not self.refunds.transition(refund, change):
            return {"outcome": "closed", "status": self._reload(refund_id).status.value}
        return {"outcome": "review", "review_timeout_seconds": self.review_sla_seconds}

    def park(self, refund_id: str, token: str, stage: str) -> dict:
        """A review step waits for people: store its token with the case and tell whoever decides."""
        refund = self._reload(refund_id)
        now = self.clock.now()
        if stage == "second":
            expect: tuple[RefundStatus, ...]
            expect, to, entry, changes = (
                (RefundStatus.AWAITING_SECOND_APPROVAL,),
                RefundStatus.AWAITING_SECOND_APPROVAL,
                None,
                None,
            )
            audience, alert = "supervisors", "second_approval_needed"
        elif stage == "escalated":
            expect, to, entry = REVIEW_QUEUES, refund.status, None
            changes = {"escalated": True}
            audience, alert = "supervisors", "review_overdue"
        else:
            expect, to = (RefundStatus.SUBMITTED,), RefundStatus.UNDER_REVIEW
            entry = TimelineEntry(now, RefundStatus.UNDER_REVIEW, "under_review", {})
            changes, audience, alert = None, "reviewers", "review_needed"
        # An escalated case keeps its place in the queue (the oldest wait first), it does not go behind newer cases
        keep_place = stage == "escalated"
        if to not in REVIEW_QUEUES or not self.refunds.park(
            refund_id, expect, to, token, now, entry, changes, keep_place=keep_place
        ):
            return self._answer_decided(refund_id, token)
        refund = self._reload(refund_id)
        if entry is not None:
            self.notices.customer(refund, "under_review", {}, now)
        self.notices.staff(refund, audience, alert)
        return {"parked": stage, "status": refund.status.value}

    def _answer_decided(self, refund_id: str, token: str) -> dict:
        """The case left review before this step stored its token (decided just as the SLA ran out): pass on what
        was decided, so the workflow does not wait for a decision that was already made."""
        refund = self._reload(refund_id)
        outputs: dict[RefundStatus, dict[str, Any]] = {
            RefundStatus.APPROVED: {"decision": "approve", "second": False},
            RefundStatus.AWAITING_SECOND_APPROVAL: {"decision": "approve", "second": True},
            RefundStatus.REJECTED: {"decision": "reject"},
            RefundStatus.CANCELLED: {"decision": "cancelled"},
        }
        output = outputs.get(refund.status)
        if output is not None:
            self.workflow.answer(token, output)
        return {"parked": None, "status": refund.status.value}

    def pay_out(self, refund_id: str) -> dict:
        refund = self._reload(refund_id)
        if refund.status is RefundStatus.PAID:
            return {"outcome": "paid", "payout_id": refund.payout_id}
        if refund.status is not RefundStatus.APPROVED:
            return {"outcome": "skipped", "status": refund.status.value}
        if not refund.charge_id:
            raise PaymentPermanentError(code="no_charge", message="the order has no recorded charge")
        key = refund.refund_id if refund.payout_attempt == 0 else f"{refund.refund_id}-retry{refund.payout_attempt}"
        payout_id = self.payments.refund(
            ChargeRef(refund.charge_provider or "", refund.charge_id), refund.amount_cents, refund.currency, key
        )
        now = self.clock.now()
        params = {"amount": money(refund.amount_cents, refund.currency)}
        change = Transition(
            expect=(RefundStatus.APPROVED,),
            to=RefundStatus.PAID,
            at=now,
            entry=TimelineEntry(now, RefundStatus.PAID, "paid", params),
            changes={"payout_id": payout_id},
            settle_cents=refund.amount_cents,
        )
        if self.refunds.transition(refund, change):
            audit("refund_paid", refund_id=refund_id, amount_cents=refund.amount_cents, payout_id=payout_id)
            metrics.add_metric(name="RefundPaid", unit="Count", value=1)
            self.notices.customer(self._reload(refund_id), "paid", params, now)
        return {"outcome": "paid", "payout_id": payout_id}

    def payout_failed(self, refund_id: str, error: str) -> dict:
        refund = self._reload(refund_id)
        now = self.clock.now()
        change = Transition(
            expect=(RefundStatus.APPROVED,),
            to=RefundStatus.PAYOUT_FAILED,
            at=now,
            entry=TimelineEntry(now, RefundStatus.PAYOUT_FAILED, "payout_delayed", {}),
            changes={"payout_error": error[:300]},
        )
        if self.refunds.transition(refund, change):
            refund = self._reload(refund_id)
            audit("refund_payout_failed", refund_id=refund_id, error=error[:300])
            metrics.add_metric(name="RefundPayoutFailed", unit="Count", value=1)
            self.notices.customer(refund, "payout_delayed", {}, now)
            self.notices.staff(refund, "supervisors", "payout_failed")
        return {"outcome": "payout_failed", "status": refund.status.value}

    # ---- views -------------------------------------------------------------------------------------------------
    def customer_view(self, refund: Refund) -> dict:
        return customer_view(refund)

    def staff_summary(self, refund: Refund) -> dict:
        return {
            **case_fields(refund),
            "customer_id": refund.customer_id,
            "review_notes": list(refund.review_notes),
            "needs_second_approval": refund.needs_second_approval,
            "escalated": refund.escalated,
            "needs_supervisor": refund.needs_supervisor,
        }

    @staticmethod
    def _timeline(refund: Refund, language: str | None) -> list[dict]:
        return timeline_view(refund, language)

    # ---- helpers -----------------------------------------------------------------------------------------------
    def _own_order(self, caller: Caller, order_id: str) -> Order:
        return own_order(self.orders, caller.account_id, order_id)

    @staticmethod
    def _check_refundable(order: Order) -> None:
        # A cancellation asked of the storefront gives everything back: no refund may race it for the same money.
        why = "cancellation_requested" if order.cancellation is not None else refusal(order.status)
        if why is not None:
            raise Conflict("order_not_refundable", details={"why": why, "order_status": order.status.value})

    def _own_case(self, caller: Caller, refund_id: str, kind: CaseKind | None) -> Refund:
        refund = self.refunds.get(refund_id) if isinstance(refund_id, str) and len(refund_id) <= 32 else None
        missing = "dispute_not_found" if kind is CaseKind.DISPUTE else "refund_not_found"
        if refund is None or refund.customer_id != caller.account_id or (kind is not None and refund.kind is not kind):
            raise NotFound(missing)
        return refund

    def _reload(self, refund_id: str) -> Refund:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise NotFound("refund_not_found")
        return refund


def _order_summary(order: Order) -> dict:
    return {
        "order_id": order.order_id,
        "status": order.status.value,
        "amount_cents": order.amount_cents,
        "paid_cents": order.paid_cents,
        "refunded_cents": order.refunded_cents,
        "reserved_cents": order.reserved_cents,
        "remaining_cents": order.remaining_cents,
        "currency": order.currency,
        "placed_at": iso(order.placed_at),
        "delivered_at": iso(order.delivered_at) if order.delivered_at else None,
        "items": [
            {"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price_cents": i.unit_price_cents}
            for i in order.items
        ],
    }
