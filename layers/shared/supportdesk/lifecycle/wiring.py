"""Adapters of the lifecycle jobs, the survey routes and account deletion, built once per container on first use."""

from __future__ import annotations

from supportdesk import runtime
from supportdesk.identity import wiring as identity
from supportdesk.identity.passwords import verify_password
from supportdesk.identity.tokens import secrets_manager_key
from supportdesk.lifecycle.forget import AccountEraser
from supportdesk.lifecycle.repository import (
    DynamoDigestLog,
    DynamoForgetStore,
    DynamoLifecycleStore,
    SurveyTicketStore,
)
from supportdesk.lifecycle.settings import lifecycle_settings
from supportdesk.lifecycle.survey import SurveyService
from supportdesk.lifecycle.survey_tokens import SurveyTokens
from supportdesk.masking import mask_sensitive
from supportdesk.notify import wiring as notify
from supportdesk.ratelimit import rate_limiter
from supportdesk.refunds.repository import DynamoRefundRepository
from supportdesk.runtime import component
from supportdesk.tickets.wiring import business_hours, ticket_store

__all__ = [
    "account_eraser",
    "business_hours",
    "digest_log",
    "lifecycle_store",
    "refund_review_queue",
    "survey_service",
    "survey_tokens",
]


@component
def lifecycle_store() -> DynamoLifecycleStore:
    return DynamoLifecycleStore()


@component
def refund_review_queue() -> DynamoRefundRepository:
    """The refunds read model; the digest uses its review queue (ReviewQueue index) only."""
    return DynamoRefundRepository()


@component
def digest_log() -> DynamoDigestLog:
    return DynamoDigestLog()


@component
def survey_tokens() -> SurveyTokens:
    return SurveyTokens(secrets_manager_key(lifecycle_settings().require("survey_secret_id")))


@component
def survey_service() -> SurveyService:
    return SurveyService(SurveyTicketStore(ticket_store()), survey_tokens(), runtime.clock(), mask_sensitive)


@component
def account_eraser() -> AccountEraser:
    return AccountEraser(
        identity.account_repository(),
        DynamoForgetStore(),
        notify.notifier(),
        verify_password,
        rate_limiter(),
        lifecycle_settings().support_contact,
    )
