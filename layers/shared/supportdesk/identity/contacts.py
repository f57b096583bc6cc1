"""Which contact points of an account may be written to. A contact point (e-mail address, phone number) that was
not verified yet receives nothing but its verification code (supportdesk.reset.verification); every sender asks
here first."""
from __future__ import annotations

from supportdesk.notify.notifier import Recipient


def is_verified(account, kind: str) -> bool:
    """May `kind` ("email" or "phone") of `account` receive anything other than a verification code? Accounts
    stored before verification existed have no `unverified` attribute and count as verified."""
    return kind not in (getattr(account, "unverified", None) or ())


def verified_recipients(account, language: str) -> list[Recipient]:
    """The account's verified contact points as recipients, e-mail first."""
    recipients = []
    if getattr(account, "email", None) and is_verified(account, "email"):
        recipients.append(Recipient("email", account.email, language))
    if getattr(account, "phone", None) and is_verified(account, "phone"):
        recipients.append(Recipient("sms", account.phone, language))
    return recipients
