"""Notifier: what domain code calls to reach a person. SesSnsNotifier is the AWS adapter; tests use a fake that
records what would have been sent (tests/fakes.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from supportdesk.aws import client
from supportdesk.notify.render import render_email, render_sms
from supportdesk.observability import logger, mask_login


@dataclass(frozen=True)
class Recipient:
    channel: str  # "email" | "sms"
    address: str  # e-mail address or E.164 phone
    language: str = "zh-CN"


# Mail that answers a mail automatically (RFC 3834 "auto-replied"); everything else we send is "auto-generated".
AUTO_ANSWERS = frozenset({"ticket_opened_by_email", "ticket_email_unknown_sender"})


class Notifier(Protocol):
    def send(self, recipient: Recipient, template: str, context: dict) -> str | None:
        """Send; returns the provider's message id when there is one (SES), for threading replies."""


def machine_headers(template: str) -> list[dict[str, str]]:
    """Every mail we send says a machine sent it (RFC 3834 Auto-Submitted; Exchange's X-Auto-Response-Suppress),
    so that well-behaved auto-responders do not answer it and two systems never loop."""
    return [
        {"Name": "Auto-Submitted", "Value": "auto-replied" if template in AUTO_ANSWERS else "auto-generated"},
        {"Name": "X-Auto-Response-Suppress", "Value": "All"},
    ]


@dataclass
class SesSnsNotifier:
    sender: str
    configuration_set: str | None = None

    def send(self, recipient: Recipient, template: str, context: dict) -> str | None:
        message_id = None
        if recipient.channel == "email":
            mail = render_email(template, recipient.language, context)
            request = {
                "FromEmailAddress": self.sender,
                "Destination": {"ToAddresses": [recipient.address]},
                "Content": {
                    "Simple": {
                        "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                        "Body": {
                            "Text": {"Data": mail.text, "Charset": "UTF-8"},
                            "Html": {"Data": mail.html, "Charset": "UTF-8"},
                        },
                        "Headers": machine_headers(template),
                    }
                },
            }
            if self.configuration_set:
                request["ConfigurationSetName"] = self.configuration_set
            message_id = client("sesv2").send_email(**request).get("MessageId")
        elif recipient.channel == "sms":
            client("sns").publish(
                PhoneNumber=recipient.address,
                Message=render_sms(template, recipient.language, context),
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
            )
        else:
            raise ValueError(f"unknown channel {recipient.channel!r}")
        logger.info(
            "notification sent",
            extra={"template": template, "channel": recipient.channel, "to": mask_login(recipient.address)},
        )
        return message_id
