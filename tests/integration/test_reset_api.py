"""Password reset through the Lambda handler on moto (tables and secrets from template.yaml), with sign-up, login and
the authorizer through their real handlers. Sent messages are read from moto's SES and SNS backends."""
from __future__ import annotations

import copy
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from supportdesk.identity.logins import parse_login
from tests.conftest import api_event, call, load_event
from tests.dynamodb_calls import dynamodb_calls as record_dynamodb_calls

ACCOUNT, REGION = "123456789012", "us-east-1"
OLD_PASSWORD = "blue-lantern-river-42"
NEW_PASSWORD = "violet-harbor-thunder-58"
PACER_FLOOR = 600.0  # seconds; the recording sleep never actually waits


@dataclass
class Api:
    reset: object
    identity: object
    authorizer: object
    slept: list[float] = field(default_factory=list)

    def request(self, login: object, ip: str = "198.51.100.7", language: str = "en"):
        event = _event("reset_password_request.json", {"login": login}, ip, language)
        return call(self.reset, event)

    def confirm(self, login: str, code: str, password: str = NEW_PASSWORD, ip: str = "198.51.100.7"):
        event = _event("reset_password_confirm.json", {"login": login, "code": code, "new_password": password}, ip, "en")
        return call(self.reset, event)

    def sign_up(self, verified: bool = True, **body):
        """A new account; its contact points verified unless `verified=False` (verification has its own tests in
        test_identity_api; the messages counted here are the reset's)."""
        status, _, _ = call(self.identity, api_event("POST", "/accounts", body={"password": OLD_PASSWORD, **body}))
        assert status == 202
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        from supportdesk.identity import wiring as identity

        login = body.get("email") or body.get("phone")
        account = identity.account_repository().find_by_login(parse_login(login).value)
        if verified:
            for kind in list(account.unverified or ()):
                assert identity.account_repository().mark_verified(account.account_id, kind)
        # Forget the verification messages, so that counts below are the reset's
        ses_backends[ACCOUNT][REGION].sent_messages.clear()
        sns_backends[ACCOUNT][REGION].sms_messages.clear()
        self.slept.clear()  # sign-up is paced too; the floors asserted below are the reset's

    def login(self, login: str, password: str):
        return call(self.identity, api_event("POST", "/auth/login", body={"login": login, "password": password}))

    def authorize(self, token: str, context) -> dict:
        return self.authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                                "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abcdef1234/v1/GET/tickets"}, context)


def test_an_unverified_login_gets_no_reset_code_and_the_same_answer(api):
    api.sign_up(verified=False, email="unconfirmed@example.com")
    status, body, _ = api.request("unconfirmed@example.com")
    assert status == 202
    assert mails_to("unconfirmed@example.com") == []


def _event(name: str, body: dict, ip: str, language: str) -> dict:
    event = copy.deepcopy(load_event(name))
    event["body"] = json.dumps(body, ensure_ascii=False)
    event["requestContext"]["identity"]["sourceIp"] = ip
    event["headers"]["Accept-Language"] = language
    event["multiValueHeaders"]["Accept-Language"] = [language]
    return event


@pytest.fixture
def api(aws, monkeypatch) -> Api:
    from supportdesk.reset import wiring
    from supportdesk.reset.service import ResponsePacer

    slept: list[float] = []
    # The real pacer with a recording sleep: tests see that every code request is padded, without waiting for it.
    # A floor far above any request's duration, even on a loaded CI machine, so every request records its padding.
    monkeypatch.setattr(wiring, "response_pacer", lambda: ResponsePacer(PACER_FLOOR, sleep=slept.append))
    from functions.authorizer import app as authorizer
    from functions.identity import app as identity
    from functions.reset_password import app as reset

    return Api(reset.lambda_handler, identity.lambda_handler, authorizer.lambda_handler, slept)


def mails_to(address: str) -> list:
    from moto.ses.models import ses_backends

    return [m for m in ses_backends[ACCOUNT][REGION].sent_messages if address in m.destinations.get("ToAddresses", [])]


def sms_to(number: str) -> list[str]:
    from moto.sns.models import sns_backends

    return [text for phone, text in sns_backends[ACCOUNT][REGION].sms_messages.values() if phone == number]


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def other_than(code: str) -> str:
    return "%06d" % ((int(code) + 1) % 1_000_000)


def dynamodb_calls():
    """Every DynamoDB request, as (operation, table)."""
    return record_dynamodb_calls(with_tables=True)


# ---- no account enumeration -----------------------------------------------------------------------------------------


def test_known_and_unknown_logins_get_the_same_answer_and_the_same_dynamodb_work(api):
    api.sign_up(email="known@example.com", language="en")
    # Warm both paths once so that lazy clients and secrets do not count
    api.request("warm-known@example.com")
    with dynamodb_calls() as known_calls:
        known = api.request("known@example.com")
    with dynamodb_calls() as unknown_calls:
        unknown = api.request("nobody@example.com")
    # Then status, body and headers are identical
    assert known[0] == unknown[0] == 202
    assert known[1] == unknown[1] and known[2] == unknown[2]
    assert known[1]["code_valid_seconds"] == 600
    # and both made the same key-based calls to the same tables: no Scan, no Query
    assert known_calls == unknown_calls
    assert sorted(op for op, _ in known_calls) == ["GetItem", "GetItem", "PutItem", "UpdateItem", "UpdateItem", "UpdateItem"]
    # and both were padded to the same floor (the message is the only difference between them)
    assert len(api.slept) == 3 and all(0 < s <= PACER_FLOOR for s in api.slept)
    assert len(mails_to("known@example.com")) == 1 and mails_to("nobody@example.com") == []


@pytest.mark.parametrize("login", ["not-an-email@", "12345", "", None, 42])
def test_a_malformed_login_is_a_400_with_a_code(api, login):
    status, body, _ = api.request(login)
    assert status == 400 and body["error"]["code"] == "invalid_login"


@pytest.mark.parametrize("raw", ["not json", "[1]", ""])
def test_a_malformed_body_is_a_400(api, raw):
    event = load_event("reset_password_request.json")
    event["body"] = raw
    status, body, _ = call(api.reset, event)
    assert status == 400 and body["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("login", ["limited@example.com", "unknown-limited@example.com"])
def test_the_sixth_request_per_login_within_an_hour_is_429_known_or_not(api, login):
    api.sign_up(email="limited@example.com")
    answers = [api.request(login, ip=f"203.0.113.{i}") for i in range(5)]
    assert {status for status, _, _ in answers} == {202}
    status, body, headers = api.request(login, ip="203.0.113.99")
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert 0 < int(headers["Retry-After"]) <= 3600


def test_requests_from_one_address_are_limited_across_logins(api):
    for i in range(30):  # docs/api-reset.md: 30 per source IP per hour
        assert api.request(f"someone{i}@example.com", ip="192.0.2.50")[0] == 202
    status, _, headers = api.request("one-more@example.com", ip="192.0.2.50")
    assert status == 429 and int(headers["Retry-After"]) > 0


# ---- the whole flow -------------------------------------------------------------------------------------------------


def test_forgotten_password_flow_by_e_mail(api, lambda_context):
    # Given a customer with a session
    api.sign_up(email="forgetful@example.com", language="zh-CN", name="Wang Fang")
    old_token = api.login("forgetful@example.com", OLD_PASSWORD)[1]["access_token"]
    # When they ask for a code and confirm it with a new password
    assert api.request("Forgetful@Example.com", language="zh-CN")[0] == 202
    [mail] = mails_to("forgetful@example.com")
    assert mail.subject == "您的密码重置验证码" and "10 分钟内有效" in mail.body and "如果这不是您本人的操作" in mail.body
    status, body, _ = api.confirm("forgetful@example.com", code_in(mail.body))
    # Then the password is changed and nobody is logged in by it
    assert status == 200 and body["status"] == "password_changed"
    assert not any("token" in key for key in body)
    # and the session from before the reset is over (through the real authorizer)
    with pytest.raises(Exception, match="^Unauthorized$"):
        api.authorize(old_token, lambda_context)
    # and the new password works at POST /auth/login while the old one fails
    assert api.login("forgetful@example.com", OLD_PASSWORD)[0] == 401
    status, body, _ = api.login("forgetful@example.com", NEW_PASSWORD)
    assert status == 200
    assert api.authorize(body["access_token"], lambda_context)["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    # and the customer is told, in their language, with support's contact
    notice = mails_to("forgetful@example.com")[-1]
    assert notice.subject == "您的密码已修改" and "北京时间" in notice.body and "400-000-0000" in notice.body


def test_forgotten_password_flow_by_sms(api):
    api.sign_up(phone="13900139000", language="en")
    assert api.request("139 0013 9000")[0] == 202
    [sms] = sms_to("+8613900139000")
    assert "valid 10 min" in sms and "If this wasn't you" in sms
    assert api.confirm("+8613900139000", code_in(sms))[0] == 200
    assert "Your password was changed" in sms_to("+8613900139000")[-1]
    assert api.login("13900139000", NEW_PASSWORD)[0] == 200


def test_confirmation_makes_a_few_key_based_calls(api):
    api.sign_up(email="calls@example.com")
    api.request("calls@example.com")
    with dynamodb_calls() as calls:
        assert api.confirm("calls@example.com", code_in(mails_to("calls@example.com")[0].body))[0] == 200
    assert len(calls) <= 5
    assert {op for op, _ in calls} <= {"GetItem", "UpdateItem", "PutItem"}


# ---- codes -----------------------------------------------------------------------------------------------------------


def test_wrong_code_then_the_fifth_wrong_one_burns_the_code(api):
    api.sign_up(email="guess@example.com")
    api.request("guess@example.com")
    right = code_in(mails_to("guess@example.com")[0].body)
    answers = [api.confirm("guess@example.com", other_than(right)) for _ in range(5)]
    assert {(status, body["error"]["code"]) for status, body, _ in answers} == {(400, "invalid_reset_code")}
    status, body, _ = api.confirm("guess@example.com", right)
    assert status == 400 and body["error"]["code"] == "invalid_reset_code"
    assert api.login("guess@example.com", OLD_PASSWORD)[0] == 200


def test_a_used_code_cannot_be_replayed(api):
    api.sign_up(email="replay@example.com")
    api.request("replay@example.com")
    code = code_in(mails_to("replay@example.com")[0].body)
    assert api.confirm("replay@example.com", code)[0] == 200
    status, body, _ = api.confirm("replay@example.com", code, "another-quiet-meadow-73")
    assert status == 400 and body["error"]["code"] == "invalid_reset_code"
    assert api.login("replay@example.com", NEW_PASSWORD)[0] == 200


def test_a_code_expires_after_ten_minutes(api, monkeypatch):
    from supportdesk import runtime
    from supportdesk.clock import FixedClock

    clock = FixedClock(datetime.now(timezone.utc))
    monkeypatch.setattr(runtime, "clock", lambda: clock)
    api.sign_up(email="slow@example.com")
    api.request("slow@example.com")
    code = code_in(mails_to("slow@example.com")[0].body)
    clock.advance(minutes=10)
    status, body, _ = api.confirm("slow@example.com", code)
    assert status == 400 and body["error"]["code"] == "invalid_reset_code"


def test_password_rules_apply_and_say_why(api):
    api.sign_up(email="rules@example.com")
    api.request("rules@example.com")
    code = code_in(mails_to("rules@example.com")[0].body)
    status, body, _ = api.confirm("rules@example.com", code, "short")
    assert status == 400 and body["error"]["code"] == "password_too_short" and "8" in body["error"]["message"]
    status, body, _ = api.confirm("rules@example.com", code, OLD_PASSWORD)
    assert status == 400 and body["error"]["code"] == "password_same_as_current"
    assert api.confirm("rules@example.com", code)[0] == 200


def test_the_stored_code_is_a_keyed_hash_that_expires_through_ttl(api, aws):
    import boto3

    api.sign_up(email="stored@example.com")
    api.request("stored@example.com")
    code = code_in(mails_to("stored@example.com")[0].body)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = aws.physical_name("ResetCodesTable")
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at" and ttl["TimeToLiveStatus"] == "ENABLED"
    items = [i for i in _items(dynamodb, table) if "account_id" in i]
    assert len(items) == 2  # the reset code and the sign-up's verification code (the same store, other key)
    for item in items:
        assert code not in json.dumps(item) and "stored@example.com" not in json.dumps(item)
        issued = datetime.strptime(item["issued_at"]["S"], "%Y-%m-%dT%H:%M:%S.%f%z")
        assert int(item["expires_at"]["N"]) - int(issued.timestamp()) == 600


def _items(dynamodb, table: str) -> list[dict]:
    # Test-only inspection of a tiny moto table; the product never scans.
    return dynamodb.scan(TableName=table)["Items"]


def test_the_attempt_counter_refuses_the_sixth_attempt_in_dynamodb(api):
    """The adapter's condition expression, not the service, enforces the budget (safe under concurrency)."""
    from supportdesk.reset import wiring
    from supportdesk.reset.repository import ResetCode

    repo = wiring.reset_code_repository()
    now = datetime.now(timezone.utc)
    repo.save(ResetCode("k", "acc_x", "h" * 64, "s", 0, now, int(now.timestamp()) + 600))
    counts = [repo.register_attempt("k", int(now.timestamp()), 5) for _ in range(6)]
    assert [c.attempts if c else None for c in counts] == [1, 2, 3, 4, 5, None]
    assert repo.consume("k", "h" * 64, now, int(now.timestamp())) is True
    assert repo.consume("k", "h" * 64, now, int(now.timestamp())) is False


# ---- audit --------------------------------------------------------------------------------------------------------


@contextmanager
def captured_logs():
    """The function's JSON log lines, formatted exactly as Lambda would ship them."""
    import io
    import logging

    from supportdesk.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def test_audit_events_carry_the_account_id_and_never_the_code_or_password(api):
    api.sign_up(email="audited@example.com")
    with captured_logs() as logs:
        api.request("audited@example.com")
        code = code_in(mails_to("audited@example.com")[0].body)
        api.confirm("audited@example.com", other_than(code))
        api.confirm("audited@example.com", code)
    output = logs.getvalue()
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    audit = [r for r in records if "audit_event" in r]
    assert [r["audit_event"] for r in audit] == [
        "password_reset_requested", "password_reset_failed", "password_reset_succeeded"
    ]
    assert len({r["account_id"] for r in audit}) == 1 and audit[0]["account_id"].startswith("acc_")
    assert code not in output and NEW_PASSWORD not in output and "audited@example.com" not in output
