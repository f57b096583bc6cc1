"""Adapters of refunds and disputes, built once per container on first use (supportdesk.runtime.component).

Each function of the operation has only the variables it needs (template.yaml): adapters therefore read their
settings when first used, not when the service is built (the review step never needs the evidence bucket)."""

from __future__ import annotations

from supportdesk import runtime
from supportdesk.identity.tokens import secrets_manager_key
from supportdesk.identity.wiring import account_reader
from supportdesk.masking import mask_sensitive
from supportdesk.notify.wiring import notifier
from supportdesk.orders.wiring import order_repository
from supportdesk.inbound.attachments import S3Blobs
from supportdesk.inbound.repository import DynamoMailChannelStore
from supportdesk.refunds.evidence import S3EvidenceStore, TicketEvidence
from supportdesk.refunds.notices import AccountContacts, DynamoTicketNotes, RefundNotices
from supportdesk.refunds.payments import SIMULATOR
from supportdesk.refunds.policy import Policy
from supportdesk.refunds.repository import DynamoRefundRepository
from supportdesk.refunds.service import RefundService
from supportdesk.refunds.settings import refund_settings
from supportdesk.refunds.stripe_provider import StripePaymentProvider
from supportdesk.refunds.workflow import StepFunctionsReviewWorkflow
from supportdesk.runtime import component
from supportdesk.tickets.repository import DynamoTicketStore


@component
def refund_repository():

    return DynamoRefundRepository()


@component
def review_workflow():

    return StepFunctionsReviewWorkflow(lambda: refund_settings().require("refund_review_state_machine_arn"))


@component
def access_trail():
    """Staff looks at a case, in the staff audit table beside ticket reads (keyed by the case id)."""
    return DynamoTicketStore()


@component
def ticket_notes():

    return DynamoTicketNotes()


@component
def refund_notices():

    s = refund_settings()
    return RefundNotices(
        notifier, AccountContacts(account_reader), ticket_notes(), s.refund_reviewers_email, s.refund_supervisors_email
    )


@component
def evidence_store():

    return S3EvidenceStore(lambda: refund_settings().require("evidence_bucket"))


@component
def ticket_evidence():
    """The customer's files on a dispute's ticket (the e-mail channel's records and bucket), read on first use."""
    return TicketEvidence(DynamoMailChannelStore, lambda: S3Blobs(refund_settings().require("mail_bucket")))


@component
def payment_provider():
    """The provider named by the PaymentProvider parameter: stripe (key in Secrets Manager) or the simulator."""
    s = refund_settings()
    if s.payment_provider == "simulator":
        return SIMULATOR

    return StripePaymentProvider(secrets_manager_key(s.require("stripe_secret_id")))


class _PaymentsOnFirstUse:
    """The payment provider, built when a payout needs it (only the payout function has its secret)."""

    def refund(self, charge, amount_cents: int, currency: str, idempotency_key: str) -> str:
        return payment_provider().refund(charge, amount_cents, currency, idempotency_key)


@component
def refund_policy():

    s = refund_settings()
    return Policy(auto_approve_limit_cents=s.auto_approve_limit_cents, four_eyes_limit_cents=s.four_eyes_limit_cents)


@component
def refund_service():

    return RefundService(
        refunds=refund_repository(),
        orders=order_repository(),
        workflow=review_workflow(),
        notices=refund_notices(),
        tickets=ticket_notes(),
        evidence=evidence_store(),
        payments=_PaymentsOnFirstUse(),
        clock=runtime.clock(),
        policy=refund_policy(),
        review_sla_seconds=refund_settings().review_sla_seconds,
        trail=access_trail(),
        mask=lambda text: mask_sensitive(text).text,
        ticket_files=ticket_evidence(),
    )
