"""What the local stack "sent": e-mail (SES v1 and v2) and SMS (SNS) as moto recorded them, newest first.

moto keeps sent mail in ses_backends[account][region].sent_messages (SESv2 send_email goes through the same
backend) and SMS in sns_backends[account][region].sms_messages, without a time. `Outbox.watch()` stamps each
message as it is recorded. Note a moto limit: for an SESv2 Simple message with both parts, moto keeps only the
HTML part (it stores one body), so `text` is null for those; Raw messages keep every part.
"""

from __future__ import annotations

import email
import email.policy
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Any

from local.template import ACCOUNT_ID, REGION


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _StampedList(list):
    def __init__(self, items: list, stamps: dict[int, str]) -> None:
        super().__init__(items)
        self.stamps = stamps

    def append(self, item: Any) -> None:
        self.stamps[id(item)] = _now()
        super().append(item)


class _StampedDict(OrderedDict):
    def __init__(self, items: dict, stamps: dict[str, str]) -> None:
        super().__init__(items)
        self.stamps = stamps

    def __setitem__(self, key: str, value: Any) -> None:
        self.stamps.setdefault(key, _now())
        super().__setitem__(key, value)


class Outbox:
    def __init__(self, account_id: str = ACCOUNT_ID, region: str = REGION) -> None:
        self.account_id = account_id
        self.region = region
        self._mail_stamps: dict[int, str] = {}
        self._sms_stamps: dict[str, str] = {}

    def _backends(self) -> tuple[Any, Any]:
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        return ses_backends[self.account_id][self.region], sns_backends[self.account_id][self.region]

    def watch(self) -> None:
        """Start stamping messages with the time they are sent (call once the moto backends exist)."""
        ses, sns = self._backends()
        if not isinstance(ses.sent_messages, _StampedList):
            ses.sent_messages = _StampedList(ses.sent_messages, self._mail_stamps)
        if not isinstance(sns.sms_messages, _StampedDict):
            sns.sms_messages = _StampedDict(sns.sms_messages, self._sms_stamps)

    def messages(self) -> list[dict]:
        ses, sns = self._backends()
        mail = [self._mail(m) for m in ses.sent_messages]
        sms = [
            {"channel": "sms", "to": phone, "text": text, "sent_at": self._sms_stamps.get(key)}
            for key, (phone, text) in sns.sms_messages.items()
        ]
        ordered = [(m["sent_at"] or "", i, m) for i, m in enumerate(mail + sms)]
        return [m for *_, m in sorted(ordered, key=lambda t: (t[0], t[1]), reverse=True)]

    def _mail(self, message: Any) -> dict:
        sent_at = self._mail_stamps.get(id(message))
        if hasattr(message, "raw_data"):
            parsed = email.message_from_string(message.raw_data, policy=email.policy.default)
            text = parsed.get_body(preferencelist=("plain",))
            html = parsed.get_body(preferencelist=("html",))
            return {
                "channel": "email",
                "to": list(message.destinations),
                "from": message.source,
                "subject": str(parsed.get("Subject", "")),
                "text": text.get_content() if text is not None else None,
                "html": html.get_content() if html is not None else None,
                "sent_at": sent_at,
            }
        to = [a for kind in ("ToAddresses", "CcAddresses", "BccAddresses") for a in message.destinations.get(kind, [])]
        body = getattr(message, "body", None)
        if body is None:  # a templated send: moto keeps the template name and data only
            body_fields = {
                "text": None,
                "html": None,
                "template": message.template,
                "template_data": message.template_data,
            }
        else:
            looks_html = body.lstrip()[:1] == "<"
            body_fields = {"text": None if looks_html else body, "html": body if looks_html else None}
        return {
            "channel": "email",
            "to": to,
            "from": message.source,
            "subject": getattr(message, "subject", None),
            **body_fields,
            "sent_at": sent_at,
        }
