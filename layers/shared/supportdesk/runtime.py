"""Composition root: builds the real adapters (DynamoDB repositories, SES/SNS notifier, Secrets Manager key) from
Settings, once per container and only when first asked. Handlers call these; tests build services with fakes."""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, TypeVar

from supportdesk.clock import SystemClock
from supportdesk.settings import get_settings

T = TypeVar("T")
_components: list = []


def component(factory: Callable[[], T]) -> Callable[[], T]:
    """Make `factory` a once-per-container singleton that reset_runtime() forgets. Each operation's package declares
    its own adapters this way (e.g. supportdesk/tickets/wiring.py), so no module needs to know them all."""
    cached = lru_cache(maxsize=1)(factory)
    _components.append(cached)
    return cached



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
def account_reader():
    """Accounts without the password hash (tickets, inbound mail): the projection their IAM policy requires."""
    from supportdesk.dal.accounts import CONTACT_ATTRIBUTES
    from supportdesk.identity.repository import DynamoAccountRepository

    return DynamoAccountRepository(attributes=CONTACT_ATTRIBUTES)


@component
def authorizer_accounts():
    """The authorizer's reads: no password hash, and strongly consistent (a token issued before a password change
    must not pass even for the second a replica may lag)."""
    from supportdesk.dal.accounts import CONTACT_ATTRIBUTES
    from supportdesk.identity.repository import DynamoAccountRepository

    return DynamoAccountRepository(attributes=CONTACT_ATTRIBUTES, consistent_read=True)


@component
def token_service():
    from supportdesk.identity.tokens import SecretsManagerSigningKeys, TokenService

    s = get_settings()
    keys = SecretsManagerSigningKeys(s.require("token_secret_id"), s.token_ttl_seconds)
    return TokenService(keys, clock(), s.token_issuer, s.token_ttl_seconds)


@component
def identity_service():
    from supportdesk.identity.service import IdentityService
    from supportdesk.reset import wiring

    return IdentityService(account_repository(), token_service(), rate_limiter(), clock(),
                           verification=contact_verification(), notifier=notifier(), pacer=wiring.response_pacer(),
                           support_contact=get_settings().support_contact)


@component
def contact_verification():
    from supportdesk.identity.tokens import secrets_manager_key
    from supportdesk.identity.verification import ContactVerification
    from supportdesk.reset import wiring

    s = get_settings()
    return ContactVerification(wiring.reset_code_repository(), account_repository(), notifier(), rate_limiter(),
                               clock(), secrets_manager_key(s.require("reset_code_secret_id")), s.support_contact)


@component
def notifier():
    from supportdesk.notify.notifier import SesSnsNotifier

    return SesSnsNotifier(sender=get_settings().require("mail_from"))


def reset_runtime() -> None:
    """Forget every cached adapter (tests and the local stack change settings between runs)."""
    for factory in _components:
        factory.cache_clear()
