"""CORS as a browser on the storefront sees it, for every route of template.yaml: the preflight (answered by API
Gateway from SAM's Cors), a success and a client error (answered by the function: with the Lambda proxy
integration only the function can put Access-Control-Allow-Origin on them) all allow the storefront's origin, and
no answer allows another origin."""
from __future__ import annotations

import re
import time
import uuid
from datetime import datetime

import pytest

from local.seed import order_events
from local.template import Template

TEMPLATE = Template()
STOREFRONT = str(TEMPLATE.parameters["StorefrontOrigin"])
OTHER_ORIGIN = "https://evil.example.net"
ROUTES = sorted({(route.method, route.path) for route in TEMPLATE.routes()})
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SOMEONE_ELSES_ORDER = "ord_demo1_1001"  # the seeded orders of demo@example.com; the fixture acts as demo2


def _outbox_code(api, login: str) -> str:
    for message in api.request("GET", "/_local/outbox").json()["messages"]:
        if login in message["to"]:
            found = re.search(r"\b(\d{6})\b", message.get("text") or message.get("html") or "")
            if found:
                return found.group(1)
    raise AssertionError(f"no code sent to {login}")


def _survey_token(api, ticket_id: str) -> str:
    """The token of a one-click score link in the survey e-mail about `ticket_id` (GET /_local/outbox)."""
    for message in api.request("GET", "/_local/outbox").json()["messages"]:
        found = re.search(r"/survey/([A-Za-z0-9._-]+)", message.get("html") or message.get("text") or "")
        if ticket_id in (message.get("subject") or "") and found:
            return found.group(1)
    raise AssertionError(f"no survey sent about {ticket_id}")


def _wait_for(api, token: str, path: str, key: str, status: str, timeout: float = 30.0) -> dict:
    """Poll the customer's view of a refund or dispute until the review workflow (in the background) reaches
    `status`."""
    deadline = time.monotonic() + timeout
    while True:
        case = api.request("GET", path, token=token).json()[key]
        if case["status"] == status:
            return case
        assert time.monotonic() < deadline, f"{path} is {case['status']}, never {status}"
        time.sleep(0.2)


def _new_orders(api, customer_id: str) -> dict[str, str]:
    """Fresh orders of the customer, published as the storefront's events on the local bus (POST /_local/events),
    so refunds here leave the seeded demo orders alone: lifecycle -> order id."""
    number = 900 + uuid.uuid4().int % 9000
    now = datetime.fromisoformat(api.request("GET", "/_local/clock").json()["now"].replace("Z", "+00:00"))
    events = order_events(customer_id, number, "88 Demo Road, Hangzhou", now)
    published = api.request("POST", "/_local/events", {"entries": events})
    assert published.status == 202, published.body
    assert all(e["deliveries"][0]["outcome"] == "delivered" for e in published.json()["entries"]), published.body
    final = {e["detail"]["order_id"]: e["detail"]["status"] for e in events}  # each order's last event
    orders: dict[str, str] = {}
    for order_id, status in final.items():
        orders.setdefault(status, order_id)  # the first of each: "delivered" is the one delivered 2 days ago
    return orders


def _upload(upload: dict, filename: str, content: bytes, content_type: str) -> None:
    """Send a file through a presigned S3 POST, as the storefront's browser form does."""
    import requests

    sent = requests.post(upload["url"], data=upload["fields"], files={"file": (filename, content, content_type)},
                         timeout=10)
    assert sent.status_code in (200, 201, 204), sent.text


def _hold_forged_mail(api, agent: str, sender: str, subject: str) -> str:
    """A mail From the customer sent through another domain's SPF (SES: DMARC GRAY) is quarantined, not turned into
    a ticket (docs/api-tickets.md, step 11): its quarantine id, from the staff listing."""
    raw = (f"Return-Path: <refunds@attacker.example>\r\nFrom: <{sender}>\r\nTo: help@example.com\r\n"
           f"Subject: {subject}\r\n\r\nPlease refund my order to a new card.\r\n")
    delivered = api.request("POST", "/_local/inbound-email?spf=PASS&dkim=GRAY&dmarc=GRAY", raw,
                            {"Content-Type": "message/rfc822"})
    assert delivered.status == 202, delivered.body
    held = api.request("GET", "/agent/quarantine?limit=50", token=agent).json()["quarantine"]
    return next(mail["id"] for mail in held if mail["subject"] == subject)


@pytest.fixture(scope="module")
def answers(api, demo) -> dict[tuple[str, str], list]:
    """(method, template path) -> the replies to a request expected to succeed and one expected to fail, made in an
    order that lets each succeed: sign-up -> verify -> reset; the help centre; a ticket from open -> handoff ->
    claim -> reply -> attachments -> resolve -> rate; quarantined mail released and discarded; refunds and a
    dispute on fresh orders (a failed payout retried, a review decided, a request cancelled); a survey link an hour
    after a resolution (on the stack's clock, put back afterwards); and last, the account signed up here deletes
    itself."""
    origin = {"Origin": STOREFRONT}
    customer = api.login(*demo["customer2"])
    agent = api.login(*demo["agent"])
    supervisor = api.login(*demo["supervisor"])
    replies: dict[tuple[str, str], list] = {}

    def both(method: str, path: str, ok: dict, bad: dict, params: dict | None = None) -> None:
        concrete = path.format(**(params or {}))
        good = api.request(method, concrete + ok.get("query", ""), ok.get("body"), {**origin, **ok.get("headers", {})},
                           token=ok.get("token"))
        elsewhere = path.format(**bad["params"]) if "params" in bad else concrete
        wrong = api.request(method, elsewhere + bad.get("query", ""), bad.get("body"),
                            {**origin, **bad.get("headers", {})}, token=bad.get("token"))
        replies[(method, path)] = [good, wrong]

    def body_of(method: str, path: str) -> dict:
        """The JSON of the success answer of a route covered above (its id is needed next)."""
        reply = replies[(method, path)][0]
        assert 200 <= reply.status < 300, (method, path, reply.status, reply.body)
        return reply.json()

    def key() -> dict[str, str]:
        return {"Idempotency-Key": str(uuid.uuid4())}

    # ---- identity (public); `nobody` is deleted at the very end
    nobody = f"cors-{uuid.uuid4().hex[:8]}@example.com"
    nobody_password = "saffron-glacier-pilot-28"  # noqa: S105 - the test account's new password
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
         {"body": {"login": nobody, "code": code, "new_password": nobody_password}},
         {"body": {"login": nobody, "code": "12", "new_password": "x"}})

    # ---- help centre (public)
    both("GET", "/help/articles", {"query": "?lang=en"}, {"query": "?lang=fr"})
    both("GET", "/help/articles/{article_id}", {}, {"params": {"article_id": "no-such-article"}},
         {"article_id": "refund-policy"})
    both("GET", "/help/search", {"query": "?q=refund"}, {"query": "?lang=en"})  # no q: missing_field
    both("GET", "/support/contact", {"query": "?lang=en"}, {"query": "?lang=fr"})

    # ---- tickets
    both("POST", "/tickets", {"token": customer, "body": {"category": "other", "subject": "CORS", "message": "Hello"}},
         {"token": customer, "body": {"category": "nonsense"}})
    ticket = body_of("POST", "/tickets")["ticket"]["id"]
    self_served = api.request("POST", "/tickets", {"category": "refund", "subject": "Refund policy",
                                                   "message": "How long does a refund take?"}, token=customer)
    assert self_served.status == 201, self_served.body
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
    # an article solves the other (open) ticket; this one is with the agent now: 409 ticket_with_agent
    both("POST", "/tickets/{ticket_id}/solved-by-article", {"token": customer, "body": {"article_id": "refund-policy"}},
         {"token": customer, "body": {"article_id": "refund-policy"}, "params": t},
         {"ticket_id": self_served.json()["ticket"]["id"]})
    both("POST", "/tickets/{ticket_id}/attachments",
         {"token": customer, "body": {"filename": "parcel.jpg", "content_type": "image/jpeg"}},
         {"token": customer, "body": {"filename": "parcel.jpg.exe", "content_type": "application/x-msdownload"}}, t)
    attached = body_of("POST", "/tickets/{ticket_id}/attachments")
    _upload(attached["upload"], "parcel.jpg", b"\xff\xd8\xff\xe0 a photo of the parcel", "image/jpeg")
    a = {**t, "attachment_id": attached["attachment"]["id"]}
    no_attachment = {**t, "attachment_id": "A-0000000000000000"}
    both("GET", "/tickets/{ticket_id}/attachments", {"token": customer}, {"token": customer, "params": nowhere}, t)
    both("GET", "/tickets/{ticket_id}/attachments/{attachment_id}", {"token": customer},
         {"token": customer, "params": no_attachment}, a)
    both("GET", "/agent/tickets/{ticket_id}/attachments", {"token": agent}, {"token": agent, "params": nowhere}, t)
    both("POST", "/agent/tickets/{ticket_id}/attachments",
         {"token": agent, "body": {"filename": "label.pdf", "content_type": "application/pdf"}},
         {"token": agent, "body": {"filename": "label.exe", "content_type": "application/x-msdownload"}}, t)
    both("GET", "/agent/tickets/{ticket_id}/attachments/{attachment_id}", {"token": agent},
         {"token": agent, "params": no_attachment}, a)
    both("POST", "/agent/tickets/{ticket_id}/resolve", {"token": agent}, {"token": agent, "params": nowhere}, t)
    both("POST", "/tickets/{ticket_id}/rating", {"token": customer, "body": {"score": 5}},
         {"token": customer, "body": {"score": 9}}, t)

    # ---- e-mail held in quarantine: released or discarded once; the second time it is gone (404)
    released = _hold_forged_mail(api, agent, demo["customer2"][0], f"CORS release {uuid.uuid4().hex[:6]}")
    discarded = _hold_forged_mail(api, agent, demo["customer2"][0], f"CORS discard {uuid.uuid4().hex[:6]}")
    both("GET", "/agent/quarantine", {"token": agent}, {"token": agent, "query": "?limit=0"})
    both("POST", "/agent/quarantine/{quarantine_id}/release", {"token": agent}, {"token": agent},
         {"quarantine_id": released})
    both("POST", "/agent/quarantine/{quarantine_id}/discard", {"token": agent}, {"token": agent},
         {"quarantine_id": discarded})

    # ---- refunds and disputes, on fresh orders of the customer (docs/api-refunds.md)
    customer_id = api.request("POST", "/auth/login", {"login": demo["customer2"][0],
                                                      "password": demo["customer2"][1]}).json()["account"]["id"]
    orders = _new_orders(api, customer_id)
    theirs = {"order_id": SOMEONE_ELSES_ORDER}

    # ---- order self-service (docs/api-orders.md), on another fresh paid order: a new address, then cancelled
    pending = {"order_id": _new_orders(api, customer_id)["paid"]}
    both("GET", "/orders", {"token": customer}, {"token": customer, "query": "?limit=0"})
    both("GET", "/orders/{order_id}", {"token": customer}, {"token": customer, "params": theirs}, pending)
    address = {"recipient_name": "林美", "phone": "13800138000", "province": "浙江省", "city": "杭州市",
               "district": "西湖区", "street": "文三路 8 号"}
    both("PUT", "/orders/{order_id}/shipping-address", {"token": customer, "headers": key(), "body": address},
         {"token": customer, "headers": key(), "body": {**address, "phone": "010-12345678"}}, pending)
    both("POST", "/orders/{order_id}/cancel", {"token": customer, "headers": key()},
         {"token": customer, "headers": key(), "params": theirs}, pending)
    # a small refund the policy approves, whose payout the provider refuses (payout_failed), then retried
    assert api.request("POST", "/_local/payments/failures", {"permanent": "charge_disputed"}).status == 200
    try:
        both("POST", "/orders/{order_id}/refunds",
             {"token": customer, "headers": key(), "body": {"amount_cents": 3000, "reason": "damaged"}},
             {"token": customer, "headers": key(), "body": {"amount_cents": 3000, "reason": "damaged"},
              "params": theirs}, {"order_id": orders["delivered"]})
        failed = body_of("POST", "/orders/{order_id}/refunds")["refund"]["id"]
        _wait_for(api, customer, f"/refunds/{failed}", "refund", "payout_failed")
    finally:
        assert api.request("POST", "/_local/payments/failures", {"permanent": None}).status == 200
    # retried once; then it is no longer payout_failed: 409 refund_not_retryable
    both("POST", "/supervisor/refunds/{refund_id}/retry-payout", {"token": supervisor}, {"token": supervisor},
         {"refund_id": failed})
    _wait_for(api, customer, f"/refunds/{failed}", "refund", "paid")
    # a refund people must review, later withdrawn
    reviewed = api.request("POST", f"/orders/{orders['shipped']}/refunds",
                           {"amount_cents": 12900, "reason": "other", "message": "Changed my plans"}, key(),
                           token=customer)
    assert reviewed.status == 202, reviewed.body
    refund = reviewed.json()["refund"]["id"]
    # a dispute about the amount, with evidence, settled by an agent
    both("POST", "/orders/{order_id}/disputes",
         {"token": customer, "headers": key(),
          "body": {"kind": "price_not_honoured", "expected_amount_cents": 3000, "message": "3 bags for ¥30."}},
         {"token": customer, "headers": key(),  # expected what was paid: nothing in question
          "body": {"kind": "price_not_honoured", "expected_amount_cents": 4500, "message": "3 bags for ¥45."}},
         {"order_id": orders["paid"]})
    dispute = body_of("POST", "/orders/{order_id}/disputes")["dispute"]["id"]
    d = {"dispute_id": dispute}
    both("GET", "/disputes/{dispute_id}", {"token": customer}, {"token": customer, "params": {"dispute_id": "D-NOPE"}}, d)
    both("POST", "/disputes/{dispute_id}/evidence",
         {"token": customer, "body": {"filename": "receipt.pdf", "content_type": "application/pdf", "size": 22}},
         {"token": customer, "body": {"filename": "receipt.html", "content_type": "text/html", "size": 22}}, d)
    _upload(body_of("POST", "/disputes/{dispute_id}/evidence")["upload"], "receipt.pdf", b"%PDF-1.4 demo receipt\n",
            "application/pdf")
    _wait_for(api, customer, f"/disputes/{dispute}", "dispute", "under_review")
    _wait_for(api, customer, f"/refunds/{refund}", "refund", "under_review")
    case = {"refund_id": dispute}
    no_case = {"refund_id": "R-NOPE"}
    both("GET", "/agent/refunds", {"token": agent}, {"token": agent, "query": "?status=paid"})
    both("GET", "/agent/refunds/{refund_id}", {"token": agent}, {"token": agent, "params": no_case}, case)
    both("GET", "/agent/refunds/{refund_id}/audit", {"token": supervisor}, {"token": agent}, case)  # supervisor_only
    # decided once; deciding again is 409
    both("POST", "/agent/refunds/{refund_id}/decision", {"token": agent, "body": {"decision": "approve"}},
         {"token": agent, "body": {"decision": "approve"}}, case)
    both("GET", "/refunds", {"token": customer}, {"token": customer, "query": "?limit=0"})
    both("GET", "/refunds/{refund_id}", {"token": customer}, {"token": customer, "params": no_case},
         {"refund_id": refund})
    both("GET", "/orders/{order_id}/refunds", {"token": customer}, {"token": customer, "params": theirs},
         {"order_id": orders["shipped"]})
    # withdrawn once; then it is cancelled: 409 refund_not_cancellable
    both("POST", "/refunds/{refund_id}/cancel", {"token": customer}, {"token": customer}, {"refund_id": refund})
    _wait_for(api, customer, f"/disputes/{dispute}", "dispute", "paid")

    # ---- the satisfaction survey: an hour after a resolution, on the stack's clock
    surveyed = api.request("POST", "/tickets", {"category": "shipping", "subject": "Late parcel", "message": "转人工"},
                           token=customer).json()["ticket"]["id"]
    assert api.request("POST", f"/agent/tickets/{surveyed}/claim", token=agent).status == 200
    assert api.request("POST", f"/agent/tickets/{surveyed}/resolve", token=agent).status == 200
    try:
        assert api.request("POST", "/_local/clock", {"advance": "1h"}).json()["moved"] is True
        fired = api.request("POST", "/_local/schedules/LifecycleSurveyFunction").json()
        assert fired["fired"][0]["outcome"] == "delivered", fired
        link = {"token": _survey_token(api, surveyed)}
        both("GET", "/survey/{token}", {"query": "?lang=en"}, {"params": {"token": "not-a-survey-link"}}, link)
        both("POST", "/survey/{token}", {"headers": FORM, "body": "comment=Quick+and+kind"},
             {"headers": FORM, "body": "comment=Quick+and+kind", "params": {"token": "not-a-survey-link"}}, link)
    finally:
        assert api.request("POST", "/_local/clock", {"reset": True}).json()["moved"] is False

    # ---- last: the account signed up above deletes itself; the client error is a demo customer's request without
    # a password (400 missing_field), which deletes nothing
    gone = api.login(nobody, nobody_password)
    customer = api.login(*demo["customer2"])  # the clock moved: earlier tokens are over
    both("DELETE", "/accounts/me", {"token": gone, "body": {"password": nobody_password}},
         {"token": customer, "body": {}})
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
    concrete = re.sub(r"\{\w+\}", "ANY", path)  # any path parameter: the preflight is answered for the resource
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
                                     ("GET", "/tickets/T-NOPE", None, token), ("POST", "/auth/login", {}, None),
                                     ("GET", "/help/articles", None, None), ("GET", "/refunds/R-NOPE", None, token),
                                     ("GET", "/survey/not-a-survey-link", None, None)]:
        reply = api.request(method, path, body, {"Origin": OTHER_ORIGIN}, token=auth)
        assert reply.status < 500
        assert "access-control-allow-origin" not in reply.headers, (method, path)
    preflight = api.request("OPTIONS", "/tickets", headers={"Origin": OTHER_ORIGIN,
                                                           "Access-Control-Request-Method": "GET"})
    assert preflight.headers.get("access-control-allow-origin") != OTHER_ORIGIN


def test_a_gateway_error_allows_the_storefront_too(api):
    reply = api.request("GET", "/tickets", headers={"Origin": STOREFRONT})  # no token: the gateway's own 401
    assert reply.status == 401 and reply.headers["access-control-allow-origin"] == STOREFRONT
