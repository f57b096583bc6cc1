"""Deliver an inbound e-mail the way an SES receipt rule does in AWS (moto stores receipt rules but never runs them):
for each AWS::SES::ReceiptRule in the template whose recipients match, run its actions in order: S3Action puts the
raw message at <ObjectKeyPrefix><messageId>, LambdaAction invokes the function with the SES event (asynchronously:
retries, then the function's dead-letter queue)."""

from __future__ import annotations

import email
import email.policy
import secrets
import string
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from local.lambdas import AsyncOutcome, FunctionHost
from local.template import Template


VERDICTS = ("spf", "dkim", "dmarc", "spam", "virus")
VERDICT_VALUES = ("PASS", "FAIL", "GRAY", "PROCESSING_FAILED")


class NotAnEmail(ValueError):
    """The body is not an RFC 5322 message SES would accept."""


class BadVerdict(ValueError):
    """A verdict query parameter that SES never reports."""


def parse_verdicts(query: dict[str, str]) -> dict[str, str]:
    """?spf=PASS&dkim=GRAY&dmarc=GRAY&spam=PASS&virus=PASS (any omitted: PASS) -> {"spf": "PASS", ...}."""
    verdicts = {}
    for name in VERDICTS:
        value = (query.get(name) or "PASS").upper()
        if value not in VERDICT_VALUES:
            raise BadVerdict(f"{name} must be one of {', '.join(VERDICT_VALUES)}")
        verdicts[name] = value
    return verdicts


def authentication_results(message: EmailMessage, source: str, verdicts: dict[str, str]) -> str:
    """The Authentication-Results field SES prepends to a received message. DKIM names the DKIM-Signature's d=
    domain when the message has one, else the From domain (a local verdict of dkim=PASS means "signed by the
    sender's domain")."""
    from_domain = (getaddresses([str(message.get("From", ""))])[0][1] or "@").rsplit("@", 1)[-1].lower()
    signature = str(message.get("DKIM-Signature", ""))
    signer = next(
        (item.split("=", 1)[1].strip() for item in signature.split(";") if item.strip().startswith("d=")), from_domain
    )
    return (
        f"amazonses.com; spf={verdicts['spf'].lower()} (spfCheck: local stack) client-ip=127.0.0.1; "
        f"envelope-from={source}; helo=localhost; dkim={verdicts['dkim'].lower()} header.i=@{signer}; "
        f"dmarc={verdicts['dmarc'].lower()} header.from={from_domain};"
    )


def parse_message(raw: bytes) -> EmailMessage:
    if not raw.strip():
        raise NotAnEmail("empty message")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [
        d for d in message.defects if type(d).__name__ in ("MissingHeaderBodySeparatorDefect", "InvalidHeaderDefect")
    ]
    if not message.keys() or defects:
        raise NotAnEmail("no RFC 5322 header section")
    sender = getaddresses([str(message.get("From", ""))])
    if not sender or not sender[0][1] or "@" not in sender[0][1]:
        raise NotAnEmail("missing or invalid From")
    if not recipients_of(message):
        raise NotAnEmail("no recipient in To/Cc")
    return message


def recipients_of(message: EmailMessage) -> list[str]:
    values = [str(v) for name in ("To", "Cc") for v in message.get_all(name, [])]
    return [address for _, address in getaddresses(values) if "@" in address]


def ses_message_id() -> str:
    """SES's message id: 40 lower-case letters and digits (not the Message-ID header)."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(40))


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rule_recipients(rule: dict, destinations: list[str]) -> list[str]:
    """The destinations a rule applies to: all when it names none, else exact addresses or domains."""
    wanted = [r.lower() for r in rule.get("Recipients") or []]
    if not wanted:
        return destinations
    return [
        d
        for d in destinations
        if d.lower() in wanted
        or d.lower().split("@", 1)[1] in wanted
        or any(w.startswith(".") and d.lower().endswith(w) for w in wanted)
    ]


def envelope_sender(message: EmailMessage) -> str:
    """The SMTP MAIL FROM the local stack pretends: the Return-Path, else the From address."""
    return getaddresses([str(message.get("Return-Path") or message.get("From"))])[0][1]


def ses_event(
    message: EmailMessage,
    message_id: str,
    recipients: list[str],
    function_arn: str,
    received: datetime | None = None,
    verdicts: dict[str, str] | None = None,
) -> dict:
    """The event SES gives a LambdaAction (event version 1.0)."""
    received = received or datetime.now(timezone.utc)
    verdicts = verdicts or dict.fromkeys(VERDICTS, "PASS")
    source = envelope_sender(message)
    common: dict[str, Any] = {
        "returnPath": source,
        "from": [str(v) for v in message.get_all("From", [])],
        "to": [str(v) for v in message.get_all("To", [])],
        "messageId": str(message.get("Message-ID", "")),
        "subject": str(message.get("Subject", "")),
    }
    if message.get("Date"):
        common["date"] = str(message["Date"])
    if message.get_all("Cc"):
        common["cc"] = [str(v) for v in message.get_all("Cc") or []]
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": _iso(received),
                        "source": source,
                        "messageId": message_id,
                        "destination": recipients_of(message),
                        "headersTruncated": False,
                        "headers": [{"name": name, "value": str(value)} for name, value in message.items()],
                        "commonHeaders": common,
                    },
                    "receipt": {
                        "timestamp": _iso(received),
                        "processingTimeMillis": 1,
                        "recipients": recipients,
                        "spamVerdict": {"status": verdicts["spam"]},
                        "virusVerdict": {"status": verdicts["virus"]},
                        "spfVerdict": {"status": verdicts["spf"]},
                        "dkimVerdict": {"status": verdicts["dkim"]},
                        "dmarcVerdict": {"status": verdicts["dmarc"]},
                        "action": {"type": "Lambda", "functionArn": function_arn, "invocationType": "Event"},
                    },
                },
            }
        ]
    }


class InboundMail:
    def __init__(self, template: Template, host: FunctionHost, s3: Any) -> None:
        self.template = template
        self.host = host
        self.s3 = s3

    def deliver(self, raw: bytes, verdicts: dict[str, str] | None = None) -> dict:
        """Returns what happened; raises NotAnEmail for a body that is not a message, LookupError if no rule
        takes any of its recipients. `verdicts` are SES's receipt verdicts (default: all PASS); like SES, the
        stored message and the event's headers get an Authentication-Results field on top."""
        verdicts = verdicts or parse_verdicts({})
        message = parse_message(raw)
        results = authentication_results(message, envelope_sender(message), verdicts)
        raw = f"Authentication-Results: {results}\r\n".encode("ascii") + raw
        message = parse_message(raw)
        destinations = recipients_of(message)
        message_id = ses_message_id()
        received = datetime.now(timezone.utc)
        actions: list[dict] = []
        for rule in self.template.receipt_rules():
            if rule.get("Enabled") is False:
                continue
            recipients = rule_recipients(rule, destinations)
            if not recipients:
                continue
            for action in rule.get("Actions", []):
                if "S3Action" in action:
                    spec = action["S3Action"]
                    key = f"{spec.get('ObjectKeyPrefix', '')}{message_id}"
                    self.s3.put_object(Bucket=spec["BucketName"], Key=key, Body=raw)
                    actions.append({"type": "S3", "bucket": spec["BucketName"], "key": key})
                elif "LambdaAction" in action:
                    spec = action["LambdaAction"]
                    function = self.host.resolve(spec["FunctionArn"])
                    event = ses_event(message, message_id, recipients, spec["FunctionArn"], received, verdicts)
                    if spec.get("InvocationType", "Event") == "Event":
                        outcome: AsyncOutcome = self.host.invoke_async(function, event)
                        actions.append({"type": "Lambda", **outcome.as_dict()})
                    else:  # RequestResponse: SES waits for the function (used to stop the rule set)
                        self.host.invoke(function, event)
                        actions.append({"type": "Lambda", "function": function, "outcome": "delivered"})
                else:
                    actions.append({"type": next(iter(action), "unknown"), "outcome": "not_run_locally"})
            if rule.get("Actions") and any("StopAction" in a for a in rule["Actions"]):
                break
        if not actions:
            raise LookupError("no receipt rule accepts " + ", ".join(destinations))
        return {"messageId": message_id, "recipients": destinations, "actions": actions}
