"""Adapters of refunds and disputes, built once per container on first use (supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk import runtime
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def refund_repository():
    from supportdesk.refunds.repository import DynamoRefundRepository

    return DynamoRefundRepository()


@component
def review_workflow():
    from supportdesk.refunds.workflow import StepFunctionsReviewWorkflow

    return StepFunctionsReviewWorkflow(get_settings().require("refund_review_state_machine_arn"))


@component
def ticket_notes():
    from supportdesk.refunds.notices import DynamoTicketNotes

    return DynamoTicketNotes()


@component
def refund_notices():
    from supportdesk.refunds.notices import AccountContacts, RefundNotices

    s = get_settings()
    return RefundNotices(runtime.notifier(), AccountContacts(runtime.account_repository()), ticket_notes(),
                         s.refund_reviewers_email, s.refund_supervisors_email)


@component
def evidence_store():
    from supportdesk.refunds.evidence import S3EvidenceStore

    return S3EvidenceStore(get_settings().require("evidence_bucket"))


@component
def payment_provider():
    """The provider named by the PaymentProvider parameter: stripe (key in Secrets Manager) or the simulator."""
    s = get_settings()
    if s.payment_provider == "simulator":
        from supportdesk.refunds.payments import SIMULATOR

        return SIMULATOR
    from supportdesk.identity.tokens import secrets_manager_key
    from supportdesk.refunds.stripe_provider import StripePaymentProvider

    return StripePaymentProvider(secrets_manager_key(s.require("stripe_secret_id")))


@component
def refund_policy():
    from supportdesk.refunds.policy import Policy

    s = get_settings()
    return Policy(auto_approve_limit_cents=s.auto_approve_limit_cents, four_eyes_limit_cents=s.four_eyes_limit_cents)


@component
def refund_service():
    from supportdesk.orders.wiring import order_repository
    from supportdesk.refunds.service import RefundService
    from supportdesk.tickets.masking import mask_sensitive

    s = get_settings()
    return RefundService(
        refunds=refund_repository(), orders=order_repository(), workflow=review_workflow(), notices=refund_notices(),
        tickets=ticket_notes(), evidence=evidence_store(), payments=payment_provider(), clock=runtime.clock(),
        policy=refund_policy(), review_sla_seconds=s.review_sla_seconds,
        mask=lambda text: mask_sensitive(text).text,
    )
