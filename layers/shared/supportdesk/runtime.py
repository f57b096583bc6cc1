"""Composition root: builds the real adapters (DynamoDB repositories, SES/SNS notifier, Secrets Manager key) from
Settings, once per container and only when first asked. Handlers call these; tests build services with fakes."""
from __future__ import annotations

from functools import lru_cache

from supportdesk.clock import SystemClock
from supportdesk.settings import get_settings


@lru_cache(maxsize=1)
def clock() -> SystemClock:
    return SystemClock()


@lru_cache(maxsize=1)
def rate_limiter():
    from supportdesk.ratelimit import DynamoCounterStore, RateLimiter

    return RateLimiter(DynamoCounterStore(), clock())


@lru_cache(maxsize=1)
def account_repository():
    from supportdesk.identity.repository import DynamoAccountRepository

    return DynamoAccountRepository()


@lru_cache(maxsize=1)
def token_service():
    from supportdesk.identity.tokens import TokenService, secrets_manager_key

    s = get_settings()
    return TokenService(secrets_manager_key(s.require("token_secret_id")), clock(), s.token_issuer, s.token_ttl_seconds)


@lru_cache(maxsize=1)
def identity_service():
    from supportdesk.identity.service import IdentityService

    return IdentityService(account_repository(), token_service(), rate_limiter(), clock())


@lru_cache(maxsize=1)
def notifier():
    from supportdesk.notify.notifier import SesSnsNotifier

    return SesSnsNotifier(sender=get_settings().require("mail_from"))


def reset_runtime() -> None:
    """Forget every cached adapter (tests and the local stack change settings between runs)."""
    for factory in (clock, rate_limiter, account_repository, token_service, identity_service, notifier):
        factory.cache_clear()
