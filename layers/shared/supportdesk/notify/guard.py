"""The e-mail channel's rules for mail we send, around any Notifier:

- an automatic answer (AUTO_ANSWERS: the acknowledgement of a mailed ticket, the reply to an unknown sender) goes
  to one address at most once per 24 hours, so that a mail loop or a flood of forged senders gets one answer a day
  and not one per message;
- an address that hard-bounced or complained (functions/ticket/mail_events.py) gets no more mail from us;
- the SES message id of every mail about a ticket is remembered with the ticket, so a reply whose subject lost
  the [T-…] reference still threads by its In-Reply-To/References.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from supportdesk.clock import Clock
from supportdesk.notify.notifier import AUTO_ANSWERS, Notifier, Recipient
from supportdesk.observability import logger, mask_login, metrics


ANSWER_INTERVAL = timedelta(hours=24)  # at most one automatic answer per address in this time (as Zammad does)
THREAD_DAYS = 180  # how long a mail we sent threads a reply to its ticket


class MailMemory(Protocol):
    """What the rules need remembered (supportdesk.dal.mail_channel.DynamoMailMemory in AWS)."""

    def remember_sent(self, ses_message_id: str, ticket_id: str, expires_at: int) -> None: ...

    def ticket_of_sent(self, ses_message_id: str) -> str | None: ...

    def claim_answer(self, address: str, now: int, until: int) -> bool:
        """True (and remembered until `until`) when `address` got no automatic answer still remembered."""

    def mark_undeliverable(self, address: str, reason: str) -> None: ...

    def is_undeliverable(self, address: str) -> bool: ...


@dataclass
class MailChannelNotifier:
    inner: Notifier
    store: MailMemory
    clock: Clock

    def send(self, recipient: Recipient, template: str, context: dict) -> str | None:
        now = int(self.clock.now().timestamp())
        if recipient.channel == "email" and self.store.is_undeliverable(recipient.address):
            logger.info(
                "mail not sent: the address bounced or complained",
                extra={"template": template, "to": mask_login(recipient.address)},
            )
            metrics.add_metric(name="MailToUndeliverableSkipped", unit="Count", value=1)
            return None
        if recipient.channel == "email" and template in AUTO_ANSWERS:
            if not self.store.claim_answer(recipient.address, now, now + int(ANSWER_INTERVAL.total_seconds())):
                logger.info(
                    "automatic answer not sent: one already went to this address within 24 hours",
                    extra={"template": template, "to": mask_login(recipient.address)},
                )
                metrics.add_metric(name="AutomaticAnswersSuppressed", unit="Count", value=1)
                return None
        message_id = self.inner.send(recipient, template, context)
        reference = context.get("reference")
        if message_id and recipient.channel == "email" and reference:
            try:
                self.store.remember_sent(message_id, str(reference), now + THREAD_DAYS * 86400)
            except Exception:  # noqa: BLE001 - the mail is sent; a reply then threads by its subject only
                logger.exception("sent mail not remembered for threading", extra={"ticket_id": reference})
        return message_id
