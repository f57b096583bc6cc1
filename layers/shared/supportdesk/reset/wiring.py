"""The real adapters of the password reset, once per container (supportdesk.runtime.component). Tests replace a
component by monkeypatching its name here (e.g. response_pacer) before the first request builds reset_service."""
from __future__ import annotations

from supportdesk import ratelimit, runtime
from supportdesk.identity import wiring as identity
from supportdesk.notify import wiring as notify
from supportdesk.reset.settings import reset_settings
from supportdesk.runtime import component


@component
def reset_code_repository():
    from supportdesk.reset.repository import DynamoResetCodeRepository

    return DynamoResetCodeRepository()


@component
def response_pacer():
    from supportdesk.reset.service import ResponsePacer

    return ResponsePacer(reset_settings().reset_response_floor_ms / 1000)


@component
def reset_service():
    from supportdesk.identity.tokens import secrets_manager_key
    from supportdesk.reset.service import PasswordResetService

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
