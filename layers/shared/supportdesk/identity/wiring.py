"""The real adapters of accounts and tokens, once per container (see supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk import ratelimit, runtime
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def account_repository():
    from supportdesk.identity.repository import DynamoAccountRepository

    return DynamoAccountRepository()


@component
def token_service():
    from supportdesk.identity.tokens import TokenService, secrets_manager_key

    s = get_settings()
    return TokenService(secrets_manager_key(s.require("token_secret_id")), runtime.clock(), s.token_issuer,
                        s.token_ttl_seconds)


@component
def identity_service():
    from supportdesk.identity.service import IdentityService

    return IdentityService(account_repository(), token_service(), ratelimit.rate_limiter(), runtime.clock())
