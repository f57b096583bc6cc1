"""The real notifier (SES e-mail, SNS SMS), once per container (see supportdesk.runtime.component)."""

from __future__ import annotations

from supportdesk import runtime
from supportdesk.dal.mail_channel import DynamoMailMemory
from supportdesk.notify.guard import MailChannelNotifier
from supportdesk.notify.notifier import SesSnsNotifier
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def notifier() -> SesSnsNotifier:
    settings = get_settings()
    return SesSnsNotifier(
        sender=settings.require("mail_from"), configuration_set=settings.ses_configuration_set or None
    )


@component
def mail_memory():
    return DynamoMailMemory()


@component
def channel_notifier():
    """notifier() with the e-mail channel's rules: no mail to undeliverable addresses, one automatic answer a day
    per address, mail about a ticket remembered for threading (supportdesk.notify.guard)."""
    return MailChannelNotifier(notifier(), mail_memory(), runtime.clock())
