"""The real adapters of the password reset, once per container (supportdesk.runtime.component). Tests replace a
component by monkeypatching its name here (e.g. response_pacer) before the first request builds reset_service."""
from __future__ import annotations

from supportdesk import runtime
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def reset_code_repository():
    from supportdesk.reset.repository import DynamoResetCodeRepository

    return DynamoResetCodeRepository()


@component
def response_pacer():
    from supportdesk.reset.service import ResponsePacer

    return ResponsePacer(get_settings().reset_response_floor_ms / 1000)


@component
def reset_service():
    from supportdesk.identity.tokens import secrets_manager_key
    from supportdesk.reset.service import PasswordResetService

    s = get_settings()
    return PasswordResetService(
        codes=reset_code_repository(),
        accounts=runtime.account_repository(),
        notifier=runtime.notifier(),
        limiter=runtime.rate_limiter(),
        clock=runtime.clock(),
        key=secrets_manager_key(s.require("reset_code_secret_id")),
        pacer=response_pacer(),
        support_contact=s.require("support_contact"),
    )
