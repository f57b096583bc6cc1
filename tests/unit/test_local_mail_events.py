"""The local stack's stand-in for SES's bounce and complaint events: the route publishes what SES would, through the
template's configuration set destination and topic, to the function subscribed to it; the function reads it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone

from local.lambdas import AsyncOutcome
from local.mail_events import MailEvents
from local.template import Template

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


@dataclass
class RecordingHost:
    invoked: list = field(default_factory=list)

    def invoke_async(self, logical_id, event):
        self.invoked.append((logical_id, event))
        return AsyncOutcome(logical_id, "req-1", 1, True)


def test_a_bounce_reaches_the_mail_events_function_as_ses_publishes_it():
    from functions.ticket.mail_events import undeliverable_addresses

    host = RecordingHost()
    route = MailEvents(Template(), host, lambda: NOW).route
    # When a developer posts a bounce for an address
    status, body = route("POST", "/_local/mail-events", b'{"type": "bounce", "address": "demo2@example.com"}')
    # Then the function subscribed to the configuration set's topic gets the SNS notification of it
    assert status == 202 and body["deliveries"][0]["outcome"] == "delivered"
    ((function, event),) = host.invoked
    assert function == "MailEventsFunction"
    notification = json.loads(event["Records"][0]["Sns"]["Message"])
    assert notification["mail"]["tags"]["ses:configuration-set"] == ["MailConfigurationSet"]
    assert undeliverable_addresses(notification) == [("demo2@example.com", "bounce")]
    # And a complaint reads as one too
    route("POST", "/_local/mail-events", b'{"type": "complaint", "address": "a@example.com"}')
    complaint = json.loads(host.invoked[-1][1]["Records"][0]["Sns"]["Message"])
    assert undeliverable_addresses(complaint) == [("a@example.com", "complaint")]


def test_anything_else_is_refused_or_not_this_route():
    route = MailEvents(Template(), RecordingHost(), lambda: NOW).route
    for body in (b"", b"[]", b'{"type": "delivery", "address": "a@example.com"}', b'{"type": "bounce"}'):
        status, answer = route("POST", "/_local/mail-events", body)
        assert status == 400 and answer["error"]["code"] == "invalid_mail_event"
    assert route("GET", "/_local/mail-events", b"") is None and route("POST", "/_local/events", b"{}") is None
