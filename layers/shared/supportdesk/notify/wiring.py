"""The real notifier (SES e-mail, SNS SMS), once per container (see supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk.notify.notifier import SesSnsNotifier
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def notifier() -> SesSnsNotifier:
    return SesSnsNotifier(sender=get_settings().require("mail_from"))
