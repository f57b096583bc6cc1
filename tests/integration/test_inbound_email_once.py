"""Inbound e-mail is processed once per SES message id (supportdesk.idempotency on the IdempotencyTable): Lambda
retries an event whose later record failed, and a retry must not open a second ticket for a record it processed."""
from __future__ import annotations

import copy
import secrets
import string
from email.message import EmailMessage

import pytest

from tests.conftest import LambdaContext, load_event
from tests.integration.ticket_desk import desk  # noqa: F401 (fixture)


def _raw(sender: str, subject: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "help@example.com", subject
    message.set_content(text)
    return bytes(message)


def _record(message_id: str) -> dict:
    record = copy.deepcopy(load_event("ticket_inbound_email.json")["Records"][0])
    record["ses"]["mail"]["messageId"] = message_id
    return record


def _store(message_id: str, raw: bytes) -> None:
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings

    client("s3").put_object(Bucket=ticket_settings().mail_bucket, Key=f"inbound/{message_id}", Body=raw)


def _new_id() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(40))


def _tickets(desk, who) -> list[dict]:
    status, body = desk.call(who, "GET", "/tickets")
    assert status == 200
    return body["tickets"]


def test_a_retry_after_a_later_record_failed_does_not_open_a_second_ticket(desk):
    from functions.ticket import inbound_email

    # Given an event with two mails, the second of which cannot be read yet (its raw message is missing)
    first, second = _new_id(), _new_id()
    _store(first, _raw("alice@example.net", "Parcel", "Where is my parcel?"))
    event = {"Records": [_record(first), _record(second)]}
    with pytest.raises(Exception):  # noqa: B017 - whatever S3 raises: the invocation fails and Lambda retries it
        inbound_email.lambda_handler(copy.deepcopy(event), LambdaContext())
    assert len(_tickets(desk, desk.alice)) == 1  # the first mail was processed before the failure
    # When the second mail becomes readable and Lambda retries the same event
    _store(second, _raw("bob@example.net", "发票", "请开发票"))
    result = inbound_email.lambda_handler(copy.deepcopy(event), LambdaContext())
    # Then the first record's outcome is replayed, not processed again: still one ticket for Alice, one for Bob
    assert result == {"outcomes": ["opened", "opened"]}
    assert len(_tickets(desk, desk.alice)) == 1 and len(_tickets(desk, desk.bob)) == 1


def test_a_redelivered_event_after_success_changes_nothing(desk):
    from functions.ticket import inbound_email
    from tests.integration.ticket_desk import mails_to

    message_id = _new_id()
    _store(message_id, _raw("alice@example.net", "Parcel", "Where is my parcel?"))
    event = {"Records": [_record(message_id)]}
    assert inbound_email.lambda_handler(copy.deepcopy(event), LambdaContext()) == {"outcomes": ["opened"]}
    # The raw message is gone after processing; a redelivery is answered from the idempotency record
    assert inbound_email.lambda_handler(copy.deepcopy(event), LambdaContext()) == {"outcomes": ["opened"]}
    assert len(_tickets(desk, desk.alice)) == 1
    assert len(mails_to("alice@example.net")) == 1  # acknowledged once
