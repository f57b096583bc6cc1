"""Refused order events are kept, with their reason, in the orders function's dead-letter queue (SQS): nothing is
lost, and an operator can read why, fix the sender and redrive."""

from __future__ import annotations

import json
from typing import Protocol

from supportdesk.aws import client


class DeadLetters(Protocol):
    def refuse(self, event: object, reason: str) -> None: ...


class SqsDeadLetters:
    def __init__(self, queue_url: str) -> None:
        self.queue_url = queue_url

    def refuse(self, event: object, reason: str) -> None:

        client("sqs").send_message(
            QueueUrl=self.queue_url,
            MessageBody=json.dumps({"reason": reason, "event": event}, ensure_ascii=False, default=str),
            MessageAttributes={"Reason": {"DataType": "String", "StringValue": reason[:256]}},
        )
