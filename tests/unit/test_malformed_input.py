"""Malformed input is a 400 with a stable code on every body-taking route, never a 500: bodies that are not UTF-8,
integers over 4,300 digits, JSON nested 50,000 deep, NaN/Infinity, unpaired surrogates in passwords or ticket text,
and pagination cursors with empty, missing or oversized parts. (The handlers refuse before touching AWS.)"""
from __future__ import annotations

import base64
import json

import pytest

from supportdesk.errors import InvalidInput
from supportdesk.tickets.repository import decode_cursor, encode_cursor
from tests.conftest import api_event, call

CUSTOMER = {"account_id": "acc_customer", "role": "customer", "lang": "en"}
AGENT = {"account_id": "acc_agent", "role": "agent", "lang": "en"}

MALFORMED = {
    "not utf-8": (b'{"login": "\xff\xfe", "password": "x"}', "invalid_encoding"),
    "huge integer": ('{"score": ' + "9" * 5000 + "}", "invalid_json"),
    "nested 50,000 deep": ('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}", "invalid_json"),
    "NaN": ('{"score": NaN}', "invalid_json"),
    "overflowing float": ('{"score": 1e400}', "invalid_json"),
    "lone surrogate in a value": ('{"login": "a@example.com", "password": "pass\\ud800word-long-enough"}',
                                  "invalid_characters"),
    "lone surrogate in a key": ('{"\\udfff": 1, "message": "hi"}', "invalid_characters"),
    "lone surrogate in ticket text": ('{"category": "other", "subject": "x", "message": "\\udc00 hello"}',
                                      "invalid_characters"),
}


def _handler(name: str):
    if name == "identity":
        from functions.identity.app import lambda_handler
    elif name == "reset":
        from functions.reset_password.app import lambda_handler
    else:
        from functions.ticket.app import lambda_handler
    return lambda_handler


ROUTES = [
    ("identity", "POST", "/auth/login", "/auth/login", None, None),
    ("identity", "POST", "/accounts", "/accounts", None, None),
    ("reset", "POST", "/password-reset", "/password-reset", None, None),
    ("reset", "POST", "/password-reset/confirm", "/password-reset/confirm", None, None),
    ("ticket", "POST", "/tickets", "/tickets", None, CUSTOMER),
    ("ticket", "POST", "/tickets/T-ABCDE/messages", "/tickets/{ticket_id}/messages", {"ticket_id": "T-ABCDE"}, CUSTOMER),
    ("ticket", "POST", "/tickets/T-ABCDE/rating", "/tickets/{ticket_id}/rating", {"ticket_id": "T-ABCDE"}, CUSTOMER),
    ("ticket", "POST", "/agent/tickets/T-ABCDE/messages", "/agent/tickets/{ticket_id}/messages",
     {"ticket_id": "T-ABCDE"}, AGENT),
    ("ticket", "PUT", "/agent/status", "/agent/status", None, AGENT),
]


def _event(method, path, resource, params, principal, body):
    event = api_event(method, path, resource=resource, path_parameters=params, principal=principal)
    if isinstance(body, bytes):
        event["body"] = base64.b64encode(body).decode("ascii")
        event["isBase64Encoded"] = True
    else:
        event["body"] = body
    return event


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("function,method,path,resource,params,principal", ROUTES, ids=[r[2] for r in ROUTES])
def test_malformed_bodies_are_400_with_a_stable_code(monkeypatch, case, function, method, path, resource, params,
                                                     principal):
    from tests.conftest import reset_caches

    monkeypatch.setenv("MAIL_FROM", "support@example.com")  # PUT /agent/status builds the service first
    reset_caches()
    body, code = MALFORMED[case]
    status, payload, _ = call(_handler(function), _event(method, path, resource, params, principal, body))
    assert status == 400, (case, path, payload)
    assert payload["error"]["code"] == code
    assert payload["error"]["message"]


def test_a_valid_surrogate_pair_is_an_ordinary_character():
    from supportdesk.api import has_lone_surrogate

    assert not has_lone_surrogate(json.loads('{"message": "\\ud83d\\ude00 thanks"}'))
    assert has_lone_surrogate(json.loads('{"message": ["ok", {"x": "\\ud83d"}]}'))


@pytest.mark.parametrize("cursor", [
    encode_cursor({"s": "", "t": "T-ABCDE"}),
    encode_cursor({"s": "2026-11-23T10:00:00Z", "t": ""}),
    encode_cursor({"s": "  ", "t": "T-ABCDE"}),
    encode_cursor({"s": "2026-11-23T10:00:00Z"}),
    base64.urlsafe_b64encode(b'{"s":"\\ud800","t":"T-ABCDE"}').decode().rstrip("="),
    encode_cursor({"s": "x" * 2000, "t": "T-ABCDE"}),
    base64.urlsafe_b64encode(b"[" * 5000).decode(),
    "!!!not-base64!!!",
])
def test_cursors_with_empty_or_bad_parts_are_invalid(cursor):
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(cursor, ("s", "t"))
    assert refused.value.code == "invalid_cursor"


def test_our_own_cursors_still_decode():
    cursor = encode_cursor({"s": "2026-11-23T10:00:00Z", "t": "T-ABCDE"})
    assert decode_cursor(cursor, ("s", "t")) == {"s": "2026-11-23T10:00:00Z", "t": "T-ABCDE"}
