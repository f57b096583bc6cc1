"""Sign-up, login and the authorizer against moto, with tables created from template.yaml."""
from __future__ import annotations

import pytest

from tests.conftest import api_event, call

PASSWORD = "blue-lantern-river-42"


@pytest.fixture
def identity(aws):
    from functions.identity import app

    return app.lambda_handler


@pytest.fixture
def authorizer(aws):
    from functions.authorizer import app

    return app.lambda_handler


def sign_up(identity, **body):
    return call(identity, api_event("POST", "/accounts", body={"password": PASSWORD, **body}))


def login(identity, login_value, password=PASSWORD, ip="198.51.100.7"):
    return call(identity, api_event("POST", "/auth/login", body={"login": login_value, "password": password}, source_ip=ip))


def method_arn(method: str, path: str) -> str:
    return f"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/v1/{method}{path}"


def test_sign_up_then_login_returns_a_bearer_token(identity):
    # Given a customer who signs up with an e-mail address
    status, body, _ = sign_up(identity, email="New.Customer@Example.com", language="en")
    assert status == 202
    assert body["status"] == "accepted" and body["verify"] == ["email"]
    # When they log in with the address in another case
    status, body, _ = login(identity, "new.customer@EXAMPLE.com")
    # Then they get a bearer token
    assert status == 200
    assert body["token_type"] == "Bearer" and body["access_token"].count(".") == 2
    assert body["account"]["email"] == "new.customer@example.com" and body["account"]["role"] == "customer"


def _sent_to(address: str) -> list:
    from moto.ses.models import ses_backends

    return [m for m in ses_backends["123456789012"]["us-east-1"].sent_messages
            if address in m.destinations.get("ToAddresses", [])]


def _sms_to(phone: str) -> list[str]:
    from moto.sns.models import sns_backends

    return [text for number, text in sns_backends["123456789012"]["us-east-1"].sms_messages.values() if number == phone]


def _code(text: str) -> str:
    import re

    return re.search(r"\b(\d{6})\b", text).group(1)


def verify(identity, login_value, code):
    return call(identity, api_event("POST", "/accounts/verify", body={"login": login_value, "code": code}))


def test_sign_up_sends_a_code_that_verifies_the_address(identity):
    sign_up(identity, email="fresh@example.com", language="en")
    mails = _sent_to("fresh@example.com")
    assert len(mails) == 1 and "verification code" in mails[0].subject.lower()
    status, body, _ = verify(identity, "fresh@example.com", _code(mails[0].body))
    assert status == 200 and body["status"] == "verified"
    from supportdesk.dal.accounts import AccountLoginModel, AccountModel

    account = AccountModel.get(AccountLoginModel.get("fresh@example.com").account_id)
    assert not account.unverified
    # The code is used up
    again = verify(identity, "fresh@example.com", _code(mails[0].body))
    assert again[0] == 400 and again[1]["error"]["code"] == "invalid_verification_code"


def test_a_phone_gets_its_code_by_sms(identity):
    sign_up(identity, phone="13800138000")
    texts = _sms_to("+8613800138000")
    assert len(texts) == 1
    assert verify(identity, "13800138000", _code(texts[0]))[0] == 200


def test_a_wrong_code_is_400_and_five_wrong_codes_burn_it(identity):
    sign_up(identity, email="guess@example.com")
    right = _code(_sent_to("guess@example.com")[0].body)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        status, body, _ = verify(identity, "guess@example.com", wrong)
        assert status == 400 and body["error"]["code"] == "invalid_verification_code"
    assert verify(identity, "guess@example.com", right)[0] == 400


def test_sign_up_answers_the_same_whether_or_not_the_login_has_an_account(identity):
    first = sign_up(identity, email="owner@example.com", language="en")
    verify(identity, "owner@example.com", _code(_sent_to("owner@example.com")[0].body))
    second = sign_up(identity, email="Owner@Example.com", language="en")
    assert first[0] == second[0] == 202
    assert first[1] == second[1]
    # The owner is told by e-mail that someone tried; no second code was sent
    mails = _sent_to("owner@example.com")
    assert len(mails) == 2 and "tried to create an account" in mails[1].subject
    assert len([m for m in mails if "verification code" in m.subject.lower()]) == 1


def test_an_unverified_owner_is_not_told_and_a_notice_goes_out_at_most_hourly(identity):
    sign_up(identity, email="quiet@example.com")
    sign_up(identity, email="quiet@example.com")
    assert len(_sent_to("quiet@example.com")) == 1  # only the verification code
    verify(identity, "quiet@example.com", _code(_sent_to("quiet@example.com")[0].body))
    for _ in range(3):
        sign_up(identity, email="quiet@example.com")
    assert len(_sent_to("quiet@example.com")) == 2  # the code and one notice


def test_weak_password_is_rejected_with_a_reason(identity):
    status, body, _ = call(identity, api_event("POST", "/accounts", body={"email": "a@example.com", "password": "password1"},
                                               headers={"Accept-Language": "en"}))
    assert status == 400
    assert body["error"]["code"] == "password_too_common"
    assert "guess" in body["error"]["message"]


def test_unknown_login_and_wrong_password_answer_the_same(identity):
    sign_up(identity, email="known@example.com")
    unknown = login(identity, "nobody@example.com", "whatever-password-1")
    wrong = login(identity, "known@example.com", "whatever-password-1")
    assert unknown[0] == wrong[0] == 401
    assert unknown[1]["error"]["code"] == "invalid_credentials"
    assert unknown[1] == wrong[1]


@pytest.mark.parametrize("body", ["not json", "[1,2]", '{"login": 5, "password": "x"}', '{"password": "x"}', ""])
def test_malformed_login_body_is_a_400_with_a_code(identity, body):
    status, payload, _ = call(identity, api_event("POST", "/auth/login", body=body))
    assert status == 400
    assert payload["error"]["code"] in {"invalid_json", "invalid_login", "missing_field"}


def test_ten_wrong_passwords_from_ten_addresses_do_not_lock_the_owner_out(identity):
    sign_up(identity, email="target@example.com")
    statuses = [login(identity, "target@example.com", "wrong-guess-000", ip=f"203.0.113.{i}")[0] for i in range(10)]
    assert set(statuses) == {401}
    status, body, _ = login(identity, "target@example.com", ip="198.51.100.99")
    assert status == 200 and body["access_token"]


def test_a_client_that_keeps_failing_gets_429_with_retry_after(identity):
    sign_up(identity, email="target@example.com")
    statuses = [login(identity, "target@example.com", "wrong-guess-000", ip="203.0.113.5")[0] for _ in range(5)]
    assert set(statuses) == {401}
    status, body, headers = login(identity, "target@example.com", ip="203.0.113.5")  # even the right password
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert int(headers["Retry-After"]) > 0


def test_authorizer_allows_a_valid_token_and_passes_the_caller(identity, authorizer, lambda_context):
    sign_up(identity, email="c@example.com", language="en")
    token = login(identity, "c@example.com")[1]["access_token"]
    policy = authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                         "methodArn": method_arn("GET", "/tickets")}, lambda_context)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert policy["context"]["role"] == "customer" and policy["context"]["lang"] == "en"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz"])
def test_authorizer_rejects_missing_or_forged_tokens(authorizer, lambda_context, header):
    with pytest.raises(Exception, match="^Unauthorized$"):
        authorizer({"type": "TOKEN", "authorizationToken": header, "methodArn": method_arn("GET", "/tickets")}, lambda_context)


def test_authorizer_rejects_a_token_signed_with_another_key(identity, authorizer, lambda_context):
    import jwt

    sign_up(identity, email="f@example.com")
    real = jwt.decode(login(identity, "f@example.com")[1]["access_token"], options={"verify_signature": False})
    forged = jwt.encode({**real, "role": "supervisor"}, "a-guessed-key-of-the-right-length-0123456789", algorithm="HS256")
    with pytest.raises(Exception, match="^Unauthorized$"):
        authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {forged}", "methodArn": method_arn("GET", "/agent/queue")}, lambda_context)


def test_customer_token_on_a_staff_route_is_denied(identity, authorizer, lambda_context):
    sign_up(identity, email="d@example.com")
    token = login(identity, "d@example.com")[1]["access_token"]
    policy = authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                         "methodArn": method_arn("GET", "/agent/queue")}, lambda_context)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_token_issued_before_a_password_change_is_rejected(identity, authorizer, lambda_context):
    from datetime import datetime, timezone

    from supportdesk.identity import wiring as identity_wiring
    from supportdesk.identity.passwords import hash_password

    sign_up(identity, email="e@example.com")
    token = login(identity, "e@example.com")[1]["access_token"]
    repo = identity_wiring.account_repository()
    account = repo.find_by_login("e@example.com")
    repo.change_password(account, hash_password("another-long-passphrase-9"), datetime.now(timezone.utc))
    with pytest.raises(Exception, match="^Unauthorized$"):
        authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": method_arn("GET", "/tickets")}, lambda_context)
    fresh = login(identity, "e@example.com", "another-long-passphrase-9")[1]["access_token"]
    policy = authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {fresh}", "methodArn": method_arn("GET", "/tickets")}, lambda_context)
    assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_unknown_login_does_the_same_work_as_a_wrong_password(identity, monkeypatch):
    """Same DynamoDB calls and one argon2 verification each, so timing does not reveal whether an account exists."""
    from supportdesk.identity import passwords
    from collections import Counter

    from tests.dynamodb_calls import dynamodb_calls

    sign_up(identity, email="timing@example.com")
    verifications = []
    real_verify = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: verifications.append(1) or real_verify(h, p))
    with dynamodb_calls() as calls:
        login(identity, "timing@example.com", "wrong-password-123", ip="192.0.2.1")
    wrong = dict(Counter(calls))
    with dynamodb_calls() as calls:
        login(identity, "nobody-here@example.com", "wrong-password-123", ip="192.0.2.2")
    unknown = dict(Counter(calls))
    assert wrong == unknown == {"BatchGetItem": 1, "GetItem": 2, "UpdateItem": 3}
    assert len(verifications) == 2


def test_a_sign_up_makes_three_dynamodb_calls(identity):
    from collections import Counter

    from tests.dynamodb_calls import dynamodb_calls

    with dynamodb_calls() as calls:
        assert sign_up(identity, email="counted@example.com")[0] == 202
    assert dict(Counter(calls)) == {"UpdateItem": 1, "TransactWriteItems": 1, "PutItem": 1}
