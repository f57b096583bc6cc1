"""Accounts as the services see them (the DynamoDB adapter, identity/repository.py, maps items to this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from supportdesk.roles import Role


@dataclass(frozen=True)
class Account:
    """A customer or a staff member. Logins (normalized e-mail, E.164 phone) point at it."""

    account_id: str
    role: Role
    password_hash: str
    password_changed_at: datetime
    created_at: datetime
    email: str | None = None
    phone: str | None = None
    display_name: str | None = None
    language: str = "zh-CN"
    # Tokens carry the version they were issued under; bumping it on a password change ends every older session.
    password_version: int = 1
    # Contact points ("email"/"phone") not verified yet (supportdesk.identity.contacts); None: all verified
    unverified: frozenset[str] | None = None
    # The address SES reported as hard-bounced or complaining, and why (bounce | complaint): while it is still
    # `email`, no mail goes there (supportdesk.identity.contacts.email_undeliverable)
    undeliverable_email: str | None = None
    undeliverable_reason: str | None = None

    @property
    def logins(self) -> list[str]:
        return [login for login in (self.email, self.phone) if login]
