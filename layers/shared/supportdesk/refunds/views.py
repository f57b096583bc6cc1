"""What a customer sees of a refund or dispute: the case and its timeline, each step's text in zh-CN and en. Its own
module (importing only the model and the messages), so that other domains showing refunds (an order's refunds in
order self-service) do not import the refund service and what it carries (workflow, payments, evidence)."""

from __future__ import annotations

from typing import Any

from supportdesk import i18n
from supportdesk.clock import iso
from supportdesk.refunds.model import Refund, RefundStatus

ARRIVAL = {"zh-CN": "1–3 个工作日", "en": "1–3 working days"}


def case_fields(refund: Refund) -> dict[str, Any]:
    """What every view of a case shows, the customer's and the staff's."""
    return {
        "id": refund.refund_id,
        "kind": refund.kind.value,
        "order_id": refund.order_id,
        "amount_cents": refund.amount_cents,
        "requested_cents": refund.requested_cents,
        "currency": refund.currency,
        "reason": refund.reason,
        "status": refund.status.value,
        "created_at": iso(refund.created_at),
        "updated_at": iso(refund.updated_at),
    }


def customer_view(refund: Refund) -> dict:
    """A case as its customer sees it (the refund routes, and an order's refunds in GET /orders/{id})."""
    view: dict[str, Any] = {
        **case_fields(refund),
        "ticket_id": refund.ticket_id,
        "timeline": timeline_view(refund, None),
    }
    if refund.is_dispute:
        view["expected_amount_cents"] = refund.expected_amount_cents
    if refund.status is RefundStatus.PAID:
        view["expected_arrival"] = dict(ARRIVAL)
    if refund.status is RefundStatus.REJECTED:
        view["rejection_reason"] = refund.rejection_reason
    return view


def timeline_view(refund: Refund, language: str | None) -> list[dict]:
    """The customer-facing steps, each text in both languages (`language` None) or in one."""
    steps = []
    for entry in refund.timeline:
        params = dict(entry.params)
        texts = {}
        for lang in i18n.LANGUAGES:
            texts[lang] = i18n.message(f"refund_step_{entry.step}", lang, **{**params, "arrival": ARRIVAL[lang]})
        steps.append(
            {
                "at": iso(entry.at),
                "status": entry.status.value,
                "step": entry.step,
                "text": texts if language is None else texts[language],
            }
        )
    return steps
