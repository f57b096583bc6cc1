"""The real adapters of accounts and tokens, once per container (see supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk import ratelimit, runtime
from supportdesk.identity.repository import DynamoAccountRepository
from supportdesk.identity.service import IdentityService
from supportdesk.identity.tokens import TokenService, secrets_manager_key
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def account_repository() -> DynamoAccountRepository:
    return DynamoAccountRepository()


@component
def token_service() -> TokenService:
    s = get_settings()
    return TokenService(secrets_manager_key(s.require("token_secret_id")), runtime.clock(), s.token_issuer,
                        s.token_ttl_seconds)


@component
def identity_service() -> IdentityService:
    return IdentityService(account_repository(), token_service(), ratelimit.rate_limiter(), runtime.clock())
