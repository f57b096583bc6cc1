"""The real notifier (SES e-mail, SNS SMS), once per container (see supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def notifier():
    from supportdesk.notify.notifier import SesSnsNotifier

    settings = get_settings()
    return SesSnsNotifier(sender=settings.require("mail_from"), configuration_set=settings.ses_configuration_set or None)
