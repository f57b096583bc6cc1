"""The real adapters of accounts and tokens, once per container (see supportdesk.runtime.component). The sign-up
and login service is built in supportdesk.reset.wiring, beside the contact verification it needs."""

from __future__ import annotations

from supportdesk import runtime
from supportdesk.dal.accounts import CONTACT_ATTRIBUTES
from supportdesk.identity.repository import DynamoAccountRepository
from supportdesk.identity.tokens import SecretsManagerSigningKeys, TokenService
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def account_repository() -> DynamoAccountRepository:
    return DynamoAccountRepository()


@component
def account_reader() -> DynamoAccountRepository:
    """Accounts without the password hash (tickets, inbound mail): the projection their IAM policy requires."""
    return DynamoAccountRepository(attributes=CONTACT_ATTRIBUTES)


@component
def authorizer_accounts() -> DynamoAccountRepository:
    """The authorizer's reads: no password hash, and strongly consistent (a token issued before a password change
    must not pass even for the second a replica may lag)."""
    return DynamoAccountRepository(attributes=CONTACT_ATTRIBUTES, consistent_read=True)


@component
def token_service() -> TokenService:
    s = get_settings()
    keys = SecretsManagerSigningKeys(s.require("token_secret_id"), s.token_ttl_seconds)
    return TokenService(keys, runtime.clock(), s.token_issuer, s.token_ttl_seconds)
