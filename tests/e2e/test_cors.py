"""CORS as a browser on the storefront sees it, for every route of template.yaml: the preflight (answered by API
Gateway from SAM's Cors), a success and a client error (answered by the function: with the Lambda proxy
integration only the function can put Access-Control-Allow-Origin on them) all allow the storefront's origin, and
no answer allows another origin."""
from __future__ import annotations

import re
import uuid

import pytest

from local.template import Template

TEMPLATE = Template()
STOREFRONT = str(TEMPLATE.parameters["StorefrontOrigin"])
OTHER_ORIGIN = "https://evil.example.net"
ROUTES = sorted({(route.method, route.path) for route in TEMPLATE.routes()})


def _outbox_code(api, login: str) -> str:
    for message in api.request("GET", "/_local/outbox").json()["messages"]:
        if login in message["to"]:
            found = re.search(r"\b(\d{6})\b", message.get("text") or message.get("html") or "")
            if found:
                return found.group(1)
    raise AssertionError(f"no code sent to {login}")


@pytest.fixture(scope="module")
def answers(api, demo) -> dict[tuple[str, str], list]:
    """(method, template path) -> the replies to a request expected to succeed and one expected to fail, made in an
    order that lets each succeed (open -> handoff -> claim -> reply -> resolve -> rate)."""
    origin = {"Origin": STOREFRONT}
    customer = api.login(*demo["customer2"])
    agent = api.login(*demo["agent"])
    supervisor = api.login(*demo["supervisor"])
    replies: dict[tuple[str, str], list] = {}

    def both(method: str, path: str, ok: dict, bad: dict, params: dict | None = None) -> None:
        concrete = path.format(**(params or {}))
        good = api.request(method, concrete + ok.get("query", ""), ok.get("body"), dict(origin), token=ok.get("token"))
        elsewhere = path.format(**bad["params"]) if "params" in bad else concrete
        wrong = api.request(method, elsewhere + bad.get("query", ""), bad.get("body"), dict(origin),
                            token=bad.get("token"))
        replies[(method, path)] = [good, wrong]

    nobody = f"cors-{uuid.uuid4().hex[:8]}@example.com"
    both("GET", "/health", {}, {"query": ""})
    both("POST", "/accounts", {"body": {"email": nobody, "password": "violet-canyon-ember-91"}},
         {"body": {"email": "not an address", "password": "violet-canyon-ember-91"}})
    both("POST", "/auth/login", {"body": {"login": demo["customer2"][0], "password": demo["customer2"][1]}},
         {"body": {"login": demo["customer2"][0]}})
    both("POST", "/accounts/verify", {"body": {"login": nobody, "code": _outbox_code(api, nobody)}},
         {"body": {"login": nobody, "code": "12"}})
    both("POST", "/password-reset", {"body": {"login": nobody}}, {"body": {"login": 42}})
    code = _outbox_code(api, nobody)
    both("POST", "/password-reset/confirm",
         {"body": {"login": nobody, "code": code, "new_password": "saffron-glacier-pilot-28"}},
         {"body": {"login": nobody, "code": "12", "new_password": "x"}})

    both("POST", "/tickets", {"token": customer, "body": {"category": "other", "subject": "CORS", "message": "Hello"}},
         {"token": customer, "body": {"category": "nonsense"}})
    ticket = replies[("POST", "/tickets")][0].json()["ticket"]["id"]
    t = {"ticket_id": ticket}
    nowhere = {"ticket_id": "T-NOPE"}  # no such ticket: 404
    both("GET", "/tickets", {"token": customer}, {"token": customer, "query": "?limit=0"})
    both("GET", "/tickets/{ticket_id}", {"token": customer}, {"token": customer, "params": nowhere}, t)
    both("POST", "/tickets/{ticket_id}/messages", {"token": customer, "body": {"message": "More"}},
         {"token": customer, "body": {}}, t)
    both("POST", "/tickets/{ticket_id}/handoff", {"token": customer}, {"token": customer, "params": nowhere}, t)
    both("GET", "/tickets/{ticket_id}/queue", {"token": customer}, {"token": customer, "params": nowhere}, t)
    both("PUT", "/agent/status", {"token": agent, "body": {"online": True}}, {"token": agent, "body": {"online": 3}})
    both("GET", "/agent/queue", {"token": agent}, {"token": agent, "query": "?limit=0"})
    both("GET", "/agent/tickets", {"token": agent}, {"token": agent, "query": "?limit=0"})
    both("POST", "/agent/tickets/{ticket_id}/claim", {"token": agent}, {"token": agent, "params": nowhere}, t)
    both("GET", "/agent/tickets/{ticket_id}", {"token": agent}, {"token": agent, "params": nowhere}, t)
    both("POST", "/agent/tickets/{ticket_id}/messages", {"token": agent, "body": {"message": "On its way"}},
         {"token": agent, "body": {"message": ""}}, t)
    both("GET", "/agent/tickets/{ticket_id}/audit", {"token": supervisor}, {"token": supervisor, "query": "?limit=0"}, t)
    both("POST", "/agent/tickets/{ticket_id}/resolve", {"token": agent}, {"token": agent, "params": nowhere}, t)
    both("POST", "/tickets/{ticket_id}/rating", {"token": customer, "body": {"score": 5}},
         {"token": customer, "body": {"score": 9}}, t)
    return replies


def test_the_test_covers_every_route_of_the_template(answers):
    assert sorted(answers) == ROUTES


@pytest.mark.parametrize("method,path", ROUTES)
def test_success_and_client_error_answers_allow_the_storefront(answers, method, path):
    good, wrong = answers[(method, path)]
    assert 200 <= good.status < 300, (method, path, good.status, good.body)
    assert good.headers.get("access-control-allow-origin") == STOREFRONT
    if path == "/health":
        return  # takes no input, so it has no client error
    assert 400 <= wrong.status < 500, (method, path, wrong.status, wrong.body)
    assert wrong.headers.get("access-control-allow-origin") == STOREFRONT, (method, path, wrong.status)


@pytest.mark.parametrize("method,path", ROUTES)
def test_the_preflight_allows_the_storefront_and_the_method(api, method, path):
    concrete = path.replace("{ticket_id}", "T-ANY")
    reply = api.request("OPTIONS", concrete, headers={"Origin": STOREFRONT, "Access-Control-Request-Method": method,
                                                      "Access-Control-Request-Headers": "authorization,content-type"})
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == STOREFRONT
    assert method in reply.headers["access-control-allow-methods"].split(",")
    allowed_headers = {h.strip().lower() for h in reply.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "accept-language"} <= allowed_headers


def test_another_origin_is_never_allowed(api, demo):
    token = api.login(*demo["customer2"])
    for method, path, body, auth in [("GET", "/health", None, None), ("GET", "/tickets", None, token),
                                     ("GET", "/tickets/T-NOPE", None, token), ("POST", "/auth/login", {}, None)]:
        reply = api.request(method, path, body, {"Origin": OTHER_ORIGIN}, token=auth)
        assert reply.status < 500
        assert "access-control-allow-origin" not in reply.headers, (method, path)
    preflight = api.request("OPTIONS", "/tickets", headers={"Origin": OTHER_ORIGIN,
                                                           "Access-Control-Request-Method": "GET"})
    assert preflight.headers.get("access-control-allow-origin") != OTHER_ORIGIN


def test_a_gateway_error_allows_the_storefront_too(api):
    reply = api.request("GET", "/tickets", headers={"Origin": STOREFRONT})  # no token: the gateway's own 401
    assert reply.status == 401 and reply.headers["access-control-allow-origin"] == STOREFRONT
