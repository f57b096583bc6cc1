"""The real adapters of the password reset, once per container (supportdesk.runtime.component). Tests replace a
component by monkeypatching its name here (e.g. response_pacer) before the first request builds reset_service."""

from __future__ import annotations

from supportdesk import ratelimit, runtime
from supportdesk.identity import wiring as identity
from supportdesk.identity.service import IdentityService
from supportdesk.identity.tokens import secrets_manager_key
from supportdesk.notify import wiring as notify
from supportdesk.reset.repository import DynamoResetCodeRepository
from supportdesk.reset.service import PasswordResetService, ResponsePacer
from supportdesk.reset.settings import reset_settings
from supportdesk.reset.verification import ContactVerification
from supportdesk.runtime import component


@component
def reset_code_repository() -> DynamoResetCodeRepository:
    return DynamoResetCodeRepository()


@component
def response_pacer() -> ResponsePacer:
    return ResponsePacer(reset_settings().reset_response_floor_ms / 1000)


@component
def reset_service() -> PasswordResetService:
    s = reset_settings()
    return PasswordResetService(
        codes=reset_code_repository(),
        accounts=identity.account_repository(),
        notifier=notify.notifier(),
        limiter=ratelimit.rate_limiter(),
        clock=runtime.clock(),
        key=secrets_manager_key(s.require("reset_code_secret_id")),
        pacer=response_pacer(),
        support_contact=s.require("support_contact"),
    )


@component
def contact_verification() -> ContactVerification:
    s = reset_settings()
    return ContactVerification(
        reset_code_repository(),
        identity.account_repository(),
        notify.notifier(),
        ratelimit.rate_limiter(),
        runtime.clock(),
        secrets_manager_key(s.require("reset_code_secret_id")),
        s.support_contact,
    )


@component
def identity_service() -> IdentityService:
    """Sign-up and login; sign-up sends verification codes and is paced like a reset request."""
    return IdentityService(
        identity.account_repository(),
        identity.token_service(),
        ratelimit.rate_limiter(),
        runtime.clock(),
        verification=contact_verification(),
        notifier=notify.notifier(),
        pacer=response_pacer(),
        support_contact=reset_settings().support_contact,
    )
