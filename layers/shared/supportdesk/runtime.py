"""Composition root: builds the real adapters (DynamoDB repositories, SES/SNS notifier, Secrets Manager key) from
Settings, once per container and only when first asked. Handlers call these; tests build services with fakes."""
from __future__ import annotations

from functools import lru_cache, wraps
from typing import Callable, TypeVar

from supportdesk.clock import SystemClock
from supportdesk.settings import container_key, get_settings

T = TypeVar("T")
_components: list = []


def component(factory: Callable[[], T]) -> Callable[[], T]:
    """Make `factory` a once-per-container singleton that reset_runtime() forgets. Each operation's package declares
    its own adapters this way (e.g. supportdesk/tickets/wiring.py), so no module needs to know them all.
    One instance per container_key(): a single one in Lambda, one per function in the local stack."""
    cached = lru_cache(maxsize=None)(lambda container: factory())
    _components.append(cached)

    @wraps(factory)
    def instance() -> T:
        return cached(container_key())

    return instance



@component
def clock() -> SystemClock:
    return SystemClock()


@component
def rate_limiter():
    from supportdesk.ratelimit import DynamoCounterStore, RateLimiter

    return RateLimiter(DynamoCounterStore(), clock())


@component
def account_repository():
    from supportdesk.identity.repository import DynamoAccountRepository

    return DynamoAccountRepository()


@component
def token_service():
    from supportdesk.identity.tokens import TokenService, secrets_manager_key

    s = get_settings()
    return TokenService(secrets_manager_key(s.require("token_secret_id")), clock(), s.token_issuer, s.token_ttl_seconds)


@component
def identity_service():
    from supportdesk.identity.service import IdentityService

    return IdentityService(account_repository(), token_service(), rate_limiter(), clock())


@component
def notifier():
    from supportdesk.notify.notifier import SesSnsNotifier

    return SesSnsNotifier(sender=get_settings().require("mail_from"))


def reset_runtime() -> None:
    """Forget every cached adapter (tests and the local stack change settings between runs)."""
    for factory in _components:
        factory.cache_clear()
