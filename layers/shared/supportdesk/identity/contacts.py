"""Which contact points of an account may be written to. A contact point (e-mail address, phone number) that was
not verified yet receives nothing but its verification code (supportdesk.reset.verification); an e-mail address
that SES reported as hard-bounced or complaining (functions/ticket/mail_events.py) receives nothing at all, so
notices go to the verified phone instead. Every sender asks here first."""

from __future__ import annotations

from supportdesk.notify.notifier import Recipient


def is_verified(account, kind: str) -> bool:
    """May `kind` ("email" or "phone") of `account` receive anything other than a verification code? Accounts
    stored before verification existed have no `unverified` attribute and count as verified."""
    return kind not in (getattr(account, "unverified", None) or ())


def email_undeliverable(account) -> bool:
    """Did the account's current e-mail address hard-bounce or complain about our mail? A mark on an address the
    account no longer has does not count."""
    email, marked = getattr(account, "email", None), getattr(account, "undeliverable_email", None)
    return bool(email and marked and email.strip().lower() == marked.strip().lower())


def verified_recipients(account, language: str) -> list[Recipient]:
    """The account's contact points that may receive notices, as recipients, e-mail first: verified ones, and the
    e-mail address only while it is deliverable (else the verified phone is the first)."""
    recipients = []
    if getattr(account, "email", None) and is_verified(account, "email") and not email_undeliverable(account):
        recipients.append(Recipient("email", account.email, language))
    if getattr(account, "phone", None) and is_verified(account, "phone"):
        recipients.append(Recipient("sms", account.phone, language))
    return recipients


def contact_status(account) -> dict:
    """What staff see of how the customer is reached (never the addresses themselves): whether the e-mail address
    is undeliverable and why, and the channel notices go to now (None: no way to reach them)."""
    undeliverable = email_undeliverable(account)
    recipients = verified_recipients(account, "zh-CN")
    return {
        "email_undeliverable": undeliverable,
        "undeliverable_reason": getattr(account, "undeliverable_reason", None) if undeliverable else None,
        "notified_by": recipients[0].channel if recipients else None,
    }
