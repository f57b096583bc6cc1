"""The one mapping from domain errors to HTTP responses."""
import json

import pytest

from supportdesk.api import caller, create_app, json_body, text_field
from supportdesk.errors import Conflict, NotFound, RateLimited
from tests.conftest import api_event, call

app = create_app()


@app.get("/boom/<kind>")
def boom(kind: str) -> dict:
    if kind == "conflict":
        raise Conflict("login_taken")
    if kind == "missing":
        raise NotFound()
    if kind == "slow-down":
        raise RateLimited(retry_after=42)
    if kind == "bug":
        raise RuntimeError("secret detail that must not leak")
    return {"ok": True}


@app.post("/echo")
def echo() -> dict:
    body = json_body(app)
    return {"name": text_field(body, "name", max_length=5)}


@app.get("/me")
def me() -> dict:
    return {"id": caller(app, roles={"agent"}).account_id}


def handler(event, context=None):
    return app.resolve(event, context)


def test_domain_errors_carry_a_stable_code_and_a_localized_message():
    status, body, headers = call(handler, api_event("GET", "/boom/conflict", headers={"Accept-Language": "en"}))
    assert status == 409 and body["error"]["code"] == "login_taken"
    assert "already exists" in body["error"]["message"]
    assert headers["Content-Language"] == "en"
    status, body, _ = call(handler, api_event("GET", "/boom/conflict", headers={"Accept-Language": "zh-CN"}))
    assert body["error"]["message"] == "该邮箱或手机号已注册。"


def test_rate_limits_say_when_to_retry():
    status, body, headers = call(handler, api_event("GET", "/boom/slow-down"))
    assert status == 429 and headers["Retry-After"] == "42"
    assert "42" in body["error"]["message"]


def test_a_bug_is_a_500_without_internal_detail():
    status, body, _ = call(handler, api_event("GET", "/boom/bug"))
    assert status == 500 and body["error"]["code"] == "internal_error"
    assert "secret detail" not in json.dumps(body)


def test_unknown_routes_are_404_json():
    status, body, _ = call(handler, api_event("GET", "/nowhere"))
    assert status == 404 and body["error"]["code"] == "route_not_found"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("{bad json", "invalid_json"), ("[]", "invalid_json"), ("", "invalid_json"), ('{"name": 5}', "invalid_field"),
     ('{"name": "toolong"}', "field_too_long"), ('{"other": 1}', "missing_field")],
)
def test_bad_bodies_are_400_with_a_code(raw, code):
    status, body, _ = call(handler, api_event("POST", "/echo", body=raw))
    assert status == 400 and body["error"]["code"] == code


def test_the_caller_comes_from_the_authorizer_context_and_roles_are_checked():
    status, body, _ = call(handler, api_event("GET", "/me"))
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    customer = {"account_id": "acc_1", "role": "customer", "lang": "en"}
    status, body, _ = call(handler, api_event("GET", "/me", principal=customer))
    assert (status, body["error"]["code"]) == (403, "forbidden")
    agent = {"account_id": "acc_2", "role": "agent", "lang": "en"}
    assert call(handler, api_event("GET", "/me", principal=agent))[1] == {"id": "acc_2"}
