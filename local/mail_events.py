"""SES's bounce and complaint events for the local stack. Mail the local stack "sends" never reaches a mailbox, so
nothing ever bounces: this route publishes the event SES would, as the template wires it: an SES event-publishing
notification of the configuration set's event destination (AWS::SES::ConfigurationSetEventDestination), delivered
through its SNS topic to every function subscribed to that topic (MailEventsFunction), asynchronously (Lambda's
retries, then the function's dead-letter queue).

    POST /_local/mail-events   {"type": "bounce" | "complaint", "address": "someone@example.com"}   -> 202

A bounce is a permanent (hard) one: the kind that marks an address, and its account, undeliverable.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from local.template import Template

TYPES = ("bounce", "complaint")


def ses_event(kind: str, address: str, sender: str, configuration_set: str, at: datetime) -> dict:
    """The JSON SES publishes for an event of a configuration set (event publishing, not feedback notifications)."""
    stamp = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    mail = {
        "timestamp": stamp,
        "source": sender,
        "messageId": uuid.uuid4().hex,
        "destination": [address],
        "tags": {"ses:configuration-set": [configuration_set]},
    }
    if kind == "bounce":
        return {
            "eventType": "Bounce",
            "mail": mail,
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "timestamp": stamp,
                "feedbackId": uuid.uuid4().hex,
                "bouncedRecipients": [
                    {
                        "emailAddress": address,
                        "action": "failed",
                        "status": "5.1.1",
                        "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                    }
                ],
            },
        }
    return {
        "eventType": "Complaint",
        "mail": mail,
        "complaint": {
            "timestamp": stamp,
            "feedbackId": uuid.uuid4().hex,
            "complaintFeedbackType": "abuse",
            "complainedRecipients": [{"emailAddress": address}],
        },
    }


def sns_event(topic_arn: str, message: dict, at: datetime) -> dict:
    """What SNS hands a subscribed function."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": str(uuid.uuid4()),
                    "TopicArn": topic_arn,
                    "Subject": None,
                    "Message": json.dumps(message),
                    "Timestamp": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                },
            }
        ]
    }


class MailEvents:
    def __init__(self, template: Template, host: Any, clock: Callable[[], datetime]) -> None:
        self.template = template
        self.host = host  # local.lambdas.FunctionHost
        self.clock = clock

    def destination(self) -> tuple[str, str]:
        """(the configuration set's name, the logical id of the topic its bounce/complaint events go to)."""
        for resource in self.template.of_type("AWS::SES::ConfigurationSetEventDestination").values():
            properties = resource["Properties"]
            if {"bounce", "complaint"} <= set(properties["EventDestination"].get("MatchingEventTypes", [])):
                topic = properties["EventDestination"]["SnsDestination"]["TopicARN"]["Ref"]
                return self.template.physical_name(properties["ConfigurationSetName"]["Ref"]), topic
        raise LookupError("no configuration set sends bounce and complaint events to a topic in the template")

    def subscribers(self, topic: str) -> list[str]:
        return [
            logical_id
            for logical_id, function in self.template.functions().items()
            for event in function.events.values()
            if event.get("Type") == "SNS" and event.get("Properties", {}).get("Topic") == {"Ref": topic}
        ]

    def publish(self, kind: str, address: str) -> list[dict]:
        configuration_set, topic = self.destination()
        now = self.clock()
        sender = str(self.template.parameters.get("MailFrom", ""))
        event = sns_event(self.template.arn(topic), ses_event(kind, address, sender, configuration_set, now), now)
        return [self.host.invoke_async(function, event).as_dict() for function in self.subscribers(topic)]

    # ---- developer route ---------------------------------------------------------------------------------------
    def route(self, method: str, path: str, body: bytes) -> tuple[int, dict] | None:
        if path != "/_local/mail-events" or method != "POST":
            return None
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        kind = payload.get("type") if isinstance(payload, dict) else None
        address = payload.get("address") if isinstance(payload, dict) else None
        if kind not in TYPES or not isinstance(address, str) or "@" not in address:
            return 400, {
                "error": {
                    "code": "invalid_mail_event",
                    "message": 'Send {"type": "bounce" or "complaint", "address": "someone@example.com"}.',
                }
            }
        return 202, {"type": kind, "deliveries": self.publish(kind, address.strip())}
