"""SES bounce and complaint events of the mail we send (the MailConfigurationSet's event destination publishes
them to MailEventsTopic, which invokes this function). A hard bounce or a complaint marks the address
undeliverable twice over: in MailChannelTable, so supportdesk.notify.guard sends it no more mail whoever it
belongs to, and on the account whose e-mail address it is, so staff see it on the customer's tickets and notices
go to the customer's verified phone instead (supportdesk.identity.contacts). Soft (transient) bounces change
nothing.

Both marks are idempotent writes, so SNS's at-least-once delivery and Lambda's retries are harmless; a message that
is not an SES event is logged and skipped, never retried forever. The account is found by its login (one GetItem)
and marked with an UpdateItem that reads nothing back: this function may not read accounts."""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.errors import DomainError
from supportdesk.identity import wiring as identity
from supportdesk.identity.logins import normalize_email
from supportdesk.notify import wiring as notify
from supportdesk.observability import audit, logger, mask_email, metrics


def undeliverable_addresses(notification: dict) -> list[tuple[str, str]]:
    """(address, reason) for each recipient a hard bounce or a complaint names."""
    kind = str(notification.get("eventType") or notification.get("notificationType") or "")
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []
        return [
            (r.get("emailAddress", ""), "bounce")
            for r in bounce.get("bouncedRecipients") or []
            if r.get("emailAddress")
        ]
    if kind == "Complaint":
        complaint = notification.get("complaint") or {}
        return [
            (r.get("emailAddress", ""), "complaint")
            for r in complaint.get("complainedRecipients") or []
            if r.get("emailAddress")
        ]
    return []


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    marked = 0
    for record in event.get("Records") or []:
        try:
            notification = json.loads(record["Sns"]["Message"])
        except (KeyError, TypeError, ValueError):
            logger.warning("mail event that is not an SES notification skipped")
            continue
        for address, reason in undeliverable_addresses(notification):
            notify.mail_memory().mark_undeliverable(address, reason)
            logger.info("address marked undeliverable", extra={"to": mask_email(address), "reason": reason})
            metrics.add_metric(name="AddressesUndeliverable", unit="Count", value=1)
            _mark_account(address, reason)
            marked += 1
    return {"marked": marked}


def _mark_account(address: str, reason: str) -> None:
    try:
        login = normalize_email(address)
    except DomainError:
        return  # not an address anybody could have signed up with
    account_id = identity.account_repository().mark_email_undeliverable(login, reason)
    if account_id is not None:
        audit("account_email_undeliverable", account_id=account_id, reason=reason)
        metrics.add_metric(name="AccountsEmailUndeliverable", unit="Count", value=1)
