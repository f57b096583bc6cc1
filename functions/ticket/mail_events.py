"""SES bounce and complaint events of the mail we send (the MailConfigurationSet's event destination publishes
them to MailEventsTopic, which invokes this function). A hard bounce or a complaint marks the address
undeliverable: supportdesk.notify.guard sends it no more mail. Soft (transient) bounces change nothing.

Marking is a plain put of the same item, so SNS's at-least-once delivery and Lambda's retries are harmless; a
message that is not an SES event is logged and skipped, never retried forever."""
from __future__ import annotations

import json

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.notify import wiring as notify
from supportdesk.observability import logger, mask_email, metrics


def undeliverable_addresses(notification: dict) -> list[tuple[str, str]]:
    """(address, reason) for each recipient a hard bounce or a complaint names."""
    kind = str(notification.get("eventType") or notification.get("notificationType") or "")
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return []
        return [(r.get("emailAddress", ""), "bounce") for r in bounce.get("bouncedRecipients") or []
                if r.get("emailAddress")]
    if kind == "Complaint":
        complaint = notification.get("complaint") or {}
        return [(r.get("emailAddress", ""), "complaint") for r in complaint.get("complainedRecipients") or []
                if r.get("emailAddress")]
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
            marked += 1
    return {"marked": marked}
