"""The support desk over HTTP, as the storefront and a developer see it with `make run`."""
from __future__ import annotations

import time

import pytest

from local.template import Template

pytestmark = pytest.mark.e2e


def test_health(api):
    reply = api.request("GET", "/health")
    assert reply.status == 200 and reply.json() == {"status": "ok"}


def test_the_stack_starts_quickly(stack):
    assert stack.startup_seconds < 30  # measured ~2-5 s on the 2-core CI box; a regression shows here first


def test_a_seeded_customer_logs_in(api, demo):
    login, password = demo["customer"]
    reply = api.request("POST", "/auth/login", {"login": login, "password": password})
    assert reply.status == 200
    body = reply.json()
    assert body["token_type"] == "Bearer" and body["account"]["role"] == "customer"


def test_every_demo_account_can_log_in_with_its_role(api, demo):
    for role, (login, password) in demo.items():
        reply = api.request("POST", "/auth/login", {"login": login, "password": password})
        assert reply.status == 200, login
        assert reply.json()["account"]["role"] == role.replace("customer2", "customer")


@pytest.mark.parametrize("body", ["not json", '{"password": "x"}', '{"login": 5, "password": "x"}'])
def test_a_malformed_login_body_is_a_400_with_an_error_code(api, body):
    reply = api.request("POST", "/auth/login", body, {"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.json()["error"]["code"] in {"invalid_json", "invalid_login", "missing_field"}


# ---- the authorizer at the gateway -------------------------------------------------------------------------------

def a_customer_route() -> str:
    """A route behind the authorizer that every role may call (from template.yaml)."""
    route = next(r for r in Template().routes() if r.authorizer and r.method == "GET" and "{" not in r.path
                 and not r.path.startswith(("/agent", "/supervisor")))
    return route.path


def test_no_token_is_401_with_the_templates_body(api):
    reply = api.request("GET", a_customer_route())
    assert reply.status == 401
    assert reply.json()["error"]["code"] == "unauthorized"
    assert reply.headers["www-authenticate"] == "Bearer"


def test_a_forged_token_is_401(api, demo):
    import jwt

    real = jwt.decode(api.login(*demo["customer"]), options={"verify_signature": False})
    forged = jwt.encode({**real, "role": "supervisor"}, "a-guessed-key-that-is-long-enough-for-hs256", algorithm="HS256")
    assert api.request("GET", a_customer_route(), token=forged).status == 401
    assert api.request("GET", a_customer_route(), token="not.a.token").status == 401


def test_an_expired_token_is_401(api, stack, demo):
    import os

    import jwt

    # A token signed with the stack's own key, whose exp has passed.
    key = stack.client("secretsmanager").get_secret_value(SecretId=os.environ["TOKEN_SECRET_ID"])["SecretString"]
    claims = jwt.decode(api.login(*demo["customer"]), options={"verify_signature": False})
    now = int(time.time())
    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, key, algorithm="HS256")
    still_valid = jwt.encode({**claims, "iat": now - 60, "exp": now + 3600}, key, algorithm="HS256")
    assert api.request("GET", a_customer_route(), token=still_valid).status == 200  # the key is the right one
    assert api.request("GET", a_customer_route(), token=expired).status == 401


def test_a_customer_token_on_a_staff_route_is_403(api, demo):
    staff_route = next(r for r in Template().routes() if r.path.startswith("/agent/") and "{" not in r.path)
    reply = api.request(staff_route.method, staff_route.path, {} if staff_route.method != "GET" else None,
                        token=api.login(*demo["customer"]))
    assert reply.status == 403 and reply.json()["error"]["code"] == "forbidden"


def test_unknown_route_is_a_404_json(api):
    reply = api.request("GET", "/no/such/endpoint")
    assert reply.status == 404 and reply.json()["error"]["code"] == "route_not_found"
    assert reply.headers["content-type"].startswith("application/json")


def test_cors_preflight(api):
    reply = api.request("OPTIONS", "/auth/login", headers={"Origin": "https://shop.example.com",
                                                           "Access-Control-Request-Method": "POST"})
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert "POST" in reply.headers["access-control-allow-methods"]


# ---- developer routes ---------------------------------------------------------------------------------------------

def test_the_outbox_shows_an_email_the_product_sent(api, demo):
    login, _ = demo["customer2"]
    assert api.request("POST", "/password-reset", {"login": login}).status == 202
    messages = api.request("GET", "/_local/outbox").json()["messages"]
    newest = next(m for m in messages if m["channel"] == "email")
    assert newest["to"] == [login] and newest["from"] and newest["subject"] and newest["sent_at"]
    assert newest["html"] or newest["text"]


def test_inbound_email_with_an_invalid_body_is_a_400(api):
    reply = api.request("POST", "/_local/inbound-email", "this is not an e-mail", {"Content-Type": "message/rfc822"})
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid_email"


def test_inbound_email_is_stored_and_delivered(api, stack, demo):
    rule = Template().receipt_rules()[0]
    raw = (f"From: Demo Customer <{demo['customer'][0]}>\r\nTo: {rule['Recipients'][0]}\r\n"
           "Subject: Parcel not arrived\r\nMessage-ID: <e2e-1@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
           "\r\nMy parcel has not arrived.\r\n")
    reply = api.request("POST", "/_local/inbound-email", raw, {"Content-Type": "message/rfc822"})
    assert reply.status == 202
    body = reply.json()
    stored = next(a for a in body["actions"] if a["type"] == "S3")
    assert stored["key"].startswith("inbound/")
    assert next(a for a in body["actions"] if a["type"] == "Lambda")["outcome"] == "delivered"
    # The function read the raw (unmasked) message from the bucket, processed it, and deleted it
    listing = stack.client("s3").list_objects_v2(Bucket=stored["bucket"], Prefix=stored["key"])
    assert listing.get("KeyCount", 0) == 0


def test_schedules_fire_on_demand_and_unknown_names_are_404(api):
    listed = api.request("GET", "/_local/schedules").json()["schedules"]
    assert [s["function"] for s in listed] == [s.function for s in Template().schedules()]
    reply = api.request("POST", "/_local/schedules/NoSuchSchedule")
    assert reply.status == 404 and reply.json()["error"]["code"] == "schedule_not_found"
    first = listed[0]
    fired = api.request("POST", f"/_local/schedules/{first['function']}")
    assert fired.status == 202 and fired.json()["fired"][0]["function"] == first["function"]


def test_openapi_and_docs(api):
    document = api.request("GET", "/openapi.json")
    assert document.status == 200 and "/health" in document.json()["paths"]
    page = api.request("GET", "/docs")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert b"swagger-ui" in page.body and b"/auth/login" in page.body


def test_demo_orders_arrive_through_the_event_bus(api):
    # The seeded demo orders were published as storefront events and built by the orders function
    reply = api.request("GET", "/_local/events")
    assert reply.status == 200
    delivered = reply.json()["delivered"]
    assert delivered and all(d["deliveries"][0]["outcome"] == "delivered" for d in delivered)


def test_an_event_posted_locally_is_routed_by_the_templates_rule(api, stack):
    import json as _json

    from supportdesk.orders.repository import DynamoOrderRepository

    event = _json.loads((Template().path.parent / "events" / "orders_paid.json").read_text(encoding="utf-8"))
    event["detail"]["order_id"] = "ord_e2e_bus"
    reply = api.request("POST", "/_local/events", {"source": event["source"], "detail-type": event["detail-type"],
                                                   "detail": event["detail"]})
    assert reply.status == 202, reply.body
    assert reply.json()["entries"][0]["deliveries"][0]["rule"] == "OrdersFunctionOrderEvents"
    order = DynamoOrderRepository().get("cust-alice", "ord_e2e_bus")
    assert order is not None and order.status.value == "paid" and order.version == 2


def test_what_the_support_desk_publishes_is_listed_newest_first_and_a_reset_forgets_it(api, demo):
    import uuid

    token = api.login(*demo["customer2"])
    for order_id in ("ord_demo2_1005", "ord_demo2_1004"):
        reply = api.request("POST", f"/orders/{order_id}/cancel", token=token,
                            headers={"Idempotency-Key": str(uuid.uuid4())})
        assert reply.status == 202, reply.body
    published = api.request("GET", "/_local/events").json()["published"]
    assert [(e["detail-type"], e["detail"]["order_id"]) for e in published[:2]] == [
        ("OrderCancellationRequested", "ord_demo2_1004"), ("OrderCancellationRequested", "ord_demo2_1005")]
    assert {e["source"] for e in published} == {"support-desk.orders"}
    # The storefront (played by the stack) confirms the newest; the order is cancelled
    reply = api.request("POST", "/_local/storefront/confirm", {})
    assert reply.status == 202 and reply.json()["request"]["detail"]["order_id"] == "ord_demo2_1004"
    order = api.request("GET", "/orders/ord_demo2_1004", token=token).json()["order"]
    assert order["status"] == "cancelled"
    assert api.request("POST", "/_local/reset").status == 200
    assert api.request("GET", "/_local/events").json()["published"] == []
    assert api.request("POST", "/_local/storefront/confirm", {}).status == 404
