"""One representative request per route, each preceded by the setup it needs (setup is not measured)."""
from __future__ import annotations

import os
from typing import Callable

from tests.bench.requests import Measurement, measure
from tests.conftest import LambdaContext, api_event, call

PASSWORD = "blue-lantern-river-42"


class Client:
    """Calls handlers the way API Gateway does: authorizer first for protected routes."""

    def __init__(self) -> None:
        from functions.authorizer import app as authorizer
        from functions.identity import app as identity

        self.authorizer = authorizer.lambda_handler
        self.identity = identity.lambda_handler
        self.contexts: dict[str, dict] = {}

    def sign_up(self, email: str, role: str = "customer") -> None:
        from supportdesk.identity.service import SignUp
        from supportdesk.reset import wiring as reset

        # verified: the measured requests then send what they send to a confirmed customer
        reset.identity_service().sign_up(SignUp(email, None, PASSWORD, "zh-CN"), "127.0.0.1", role=role,
                                         verified=True)

    def token(self, login: str) -> str:
        status, body, _ = call(self.identity, api_event("POST", "/auth/login", body={"login": login, "password": PASSWORD},
                                                        source_ip="10.9.9.9"))
        assert status == 200, body
        token = body["access_token"]
        # Authorize once here, outside any measurement: the authorizer's own call is its own row in the report.
        policy = self.authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                                  "methodArn": "arn:aws:execute-api:us-east-1:123456789012:local/v1/GET/tickets"},
                                 LambdaContext())
        assert policy["policyDocument"]["Statement"][0]["Effect"] == "Allow", policy
        self.contexts[token] = policy["context"]
        return token

    def protected(self, handler, method: str, path: str, token: str, *, resource: str | None = None,
                  path_parameters: dict | None = None, body=None, query=None) -> tuple[int, dict]:
        """The handler's part of a protected request, with the caller the authorizer established for the token."""
        status, payload, _ = call(handler, api_event(method, path, resource=resource, path_parameters=path_parameters,
                                                     body=body, query=query, principal=self.contexts[token]))
        return status, payload


Scenario = Callable[[Client], list[Measurement]]


def identity_scenarios(client: Client) -> list[Measurement]:
    client.sign_up("bench@example.com")
    results = [
        measure("POST /accounts", lambda: call(client.identity, api_event(
            "POST", "/accounts", body={"email": "new-bench@example.com", "password": PASSWORD}))[0]),
        measure("POST /auth/login", lambda: call(client.identity, api_event(
            "POST", "/auth/login", body={"login": "bench@example.com", "password": PASSWORD}))[0]),
        measure("POST /auth/login (unknown login)", lambda: call(client.identity, api_event(
            "POST", "/auth/login", body={"login": "nobody@example.com", "password": PASSWORD}))[0]),
    ]
    token = client.token("bench@example.com")
    results.append(measure("authorizer (every protected request)", lambda: 200 if client.authorizer(
        {"type": "TOKEN", "authorizationToken": f"Bearer {token}",
         "methodArn": "arn:aws:execute-api:us-east-1:123456789012:local/v1/GET/tickets"}, LambdaContext()) else 500))
    return results


def reset_scenarios(client: Client) -> list[Measurement]:
    import re

    from moto.ses.models import ses_backends

    from functions.reset_password import app as reset

    client.sign_up("reset-bench@example.com")

    def request(login: str) -> int:
        return call(reset.lambda_handler, api_event("POST", "/password-reset", body={"login": login}))[0]

    results = [measure("POST /password-reset", lambda: request("reset-bench@example.com")),
               measure("POST /password-reset (unknown login)", lambda: request("nobody-reset@example.com"))]
    mail = [m for m in ses_backends["123456789012"]["us-east-1"].sent_messages
            if "reset-bench@example.com" in m.destinations.get("ToAddresses", [])][-1]
    code = re.search(r"\b(\d{6})\b", mail.body).group(1)
    results.append(measure("POST /password-reset/confirm", lambda: call(reset.lambda_handler, api_event(
        "POST", "/password-reset/confirm",
        body={"login": "reset-bench@example.com", "code": code, "new_password": "violet-harbor-thunder-58"}))[0]))
    return results


def ticket_scenarios(client: Client) -> list[Measurement]:
    from functions.ticket import app as ticket

    handler = ticket.lambda_handler
    client.sign_up("ticket-bench@example.com")
    client.sign_up("agent-bench@example.com", role="agent")
    customer, agent = client.token("ticket-bench@example.com"), client.token("agent-bench@example.com")

    def route(token, method, resource, ticket_id=None, body=None, query=None):
        path = resource.replace("{ticket_id}", ticket_id or "")
        return client.protected(handler, method, path, token, resource=resource, body=body, query=query,
                                path_parameters={"ticket_id": ticket_id} if ticket_id else None)

    def first(status_body):
        return status_body[0]

    opened = {}

    def open_ticket():
        status, body = route(customer, "POST", "/tickets", body={
            "category": "shipping", "subject": "Where is my parcel?", "message": "It has not moved for 3 days."})
        opened["id"] = body["ticket"]["id"] if "ticket" in body else body["id"]
        return status

    # Some waiting tickets ahead, so the queue has content.
    for _ in range(3):
        open_ticket()
        route(customer, "POST", "/tickets/{ticket_id}/handoff", opened["id"])
    results = [measure("POST /tickets", open_ticket)]
    tid = opened["id"]
    results += [
        measure("GET /tickets", lambda: first(route(customer, "GET", "/tickets"))),
        measure("GET /tickets/{id}", lambda: first(route(customer, "GET", "/tickets/{ticket_id}", tid))),
        measure("POST /tickets/{id}/messages", lambda: first(route(
            customer, "POST", "/tickets/{ticket_id}/messages", tid, body={"message": "Any news?"}))),
        measure("POST /tickets/{id}/handoff", lambda: first(route(customer, "POST", "/tickets/{ticket_id}/handoff", tid))),
        measure("GET /tickets/{id}/queue", lambda: first(route(customer, "GET", "/tickets/{ticket_id}/queue", tid))),
        measure("PUT /agent/status", lambda: first(route(agent, "PUT", "/agent/status", body={"online": True}))),
        measure("GET /agent/queue", lambda: first(route(agent, "GET", "/agent/queue"))),
        measure("POST /agent/tickets/{id}/claim", lambda: first(route(agent, "POST", "/agent/tickets/{ticket_id}/claim", tid))),
        measure("GET /agent/tickets/{id}", lambda: first(route(agent, "GET", "/agent/tickets/{ticket_id}", tid))),
        measure("POST /agent/tickets/{id}/messages", lambda: first(route(
            agent, "POST", "/agent/tickets/{ticket_id}/messages", tid, body={"message": "It ships today."}))),
        measure("POST /agent/tickets/{id}/resolve", lambda: first(route(agent, "POST", "/agent/tickets/{ticket_id}/resolve", tid))),
        measure("POST /tickets/{id}/rating", lambda: first(route(
            customer, "POST", "/tickets/{ticket_id}/rating", tid, body={"score": 5, "comment": "Quick, thanks"}))),
    ]

    def open_answered():
        status, body = route(customer, "POST", "/tickets", body={
            "category": "order_status", "subject": "取消订单", "message": "怎么取消订单"})
        assert body.get("automatic_answer"), body
        opened["id"] = body["ticket"]["id"]
        return status

    results += [
        measure("POST /tickets (with an automatic answer)", open_answered),
        measure("POST /tickets/{id}/solved-by-article", lambda: first(route(
            customer, "POST", "/tickets/{ticket_id}/solved-by-article", opened["id"],
            body={"article_id": "cancel-order"}))),
    ]
    return results


def help_scenarios(client: Client) -> list[Measurement]:
    """Public routes: no authorizer. The index is already in memory here (the ticket scenarios loaded it); its load
    time is reported in the help search section."""
    from functions.help import app as help_app

    def get(path, query=None, resource=None, path_parameters=None):
        return call(help_app.lambda_handler, api_event("GET", path, query=query, resource=resource,
                                                       path_parameters=path_parameters))[0]

    return [
        measure("GET /help/search (zh, typo-free)", lambda: get("/help/search", {"q": "怎么申请退款"})),
        measure("GET /help/search (zh)", lambda: get("/help/search", {"q": "退款多久到账"})),
        measure("GET /help/search (en)", lambda: get("/help/search", {"q": "where is my parcel"})),
        measure("GET /help/articles", lambda: get("/help/articles", {"lang": "en"})),
        measure("GET /help/articles/{article_id}", lambda: get(
            "/help/articles/refund-policy", resource="/help/articles/{article_id}",
            path_parameters={"article_id": "refund-policy"})),
        measure("GET /support/contact", lambda: get("/support/contact", {"lang": "zh-CN"})),
    ]


def order_scenarios(client: Client) -> list[Measurement]:
    from functions.orders import app as orders
    from tests.conftest import load_event

    event = load_event("orders_paid.json")
    return [measure("OrdersFunction: OrderPaid event (EventBridge)",
                    lambda: 200 if orders.lambda_handler(event, LambdaContext())["outcome"] == "applied" else 500)]


def refund_scenarios(client: Client) -> list[Measurement]:
    import uuid

    from functions.orders import app as orders
    from functions.refund import app as refund
    from functions.refund import assess, payout, review
    from tests.conftest import load_event

    from tests.conftest import reset_caches

    os.environ["PAYMENT_PROVIDER"] = "simulator"  # the payout step pays the in-process simulator
    reset_caches()
    client.sign_up("refund-bench@example.com")
    client.sign_up("refund-agent@example.com", role="agent")
    customer, agent = client.token("refund-bench@example.com"), client.token("refund-agent@example.com")
    customer_id = client.contexts[customer]["account_id"]
    for n in range(1, 4):
        for name in ("orders_paid.json", "orders_shipped.json", "orders_delivered.json"):
            event = load_event(name)
            event["detail"].update(customer_id=customer_id, order_id=f"ord_bench_{n}")
            orders.lambda_handler(event, LambdaContext())

    def route(token, method, resource, params=None, body=None, query=None, key=None):
        path = resource
        for name, value in (params or {}).items():
            path = path.replace("{" + name + "}", value)
        headers = {"Idempotency-Key": key} if key else None
        status, payload, _ = call(refund.lambda_handler, api_event(
            method, path, resource=resource, path_parameters=params, body=body, query=query, headers=headers,
            principal=client.contexts[token]))
        return status, payload

    made: dict[str, str] = {}

    def request_refund(order: str, amount: int, reason: str = "damaged") -> int:
        status, body = route(customer, "POST", "/orders/{order_id}/refunds", {"order_id": order},
                             {"amount_cents": amount, "reason": reason}, key=str(uuid.uuid4()))
        made["refund"] = body.get("refund", {}).get("id", "")
        return status

    def open_dispute() -> int:
        status, body = route(customer, "POST", "/orders/{order_id}/disputes", {"order_id": "ord_bench_3"},
                             {"kind": "amount_wrong", "expected_amount_cents": 10000, "message": "Coupon missing"},
                             key=str(uuid.uuid4()))
        made["dispute"] = body.get("dispute", {}).get("id", "")
        return status

    def step(handler, event) -> int:
        handler.lambda_handler(event, LambdaContext())
        return 200

    results = [measure("POST /orders/{id}/refunds", lambda: request_refund("ord_bench_1", 1000))]
    small = made["refund"]
    results += [
        measure("step Assess (policy approves)", lambda: step(assess, {"refund_id": small})),
        measure("step Payout", lambda: step(payout, {"refund_id": small})),
        measure("GET /refunds/{id}", lambda: route(customer, "GET", "/refunds/{refund_id}", {"refund_id": small})[0]),
        measure("GET /refunds", lambda: route(customer, "GET", "/refunds")[0]),
        measure("GET /orders/{id}/refunds", lambda: route(customer, "GET", "/orders/{order_id}/refunds",
                                                          {"order_id": "ord_bench_1"})[0]),
    ]
    request_refund("ord_bench_2", 9000, "other")  # "other": people review it
    large = made["refund"]
    step(assess, {"refund_id": large})
    results += [
        measure("step Review (stores the token)", lambda: step(review, {"refund_id": large, "token": "bench-token",
                                                                          "stage": "review"})),
        measure("GET /agent/refunds", lambda: route(agent, "GET", "/agent/refunds",
                                                    query={"status": "under_review"})[0]),
        measure("GET /agent/refunds/{id}", lambda: route(agent, "GET", "/agent/refunds/{refund_id}",
                                                         {"refund_id": large})[0]),
        measure("POST /agent/refunds/{id}/decision", lambda: route(
            agent, "POST", "/agent/refunds/{refund_id}/decision", {"refund_id": large},
            {"decision": "reject", "reason": "bench"})[0]),
        measure("POST /orders/{id}/disputes", open_dispute),
    ]
    dispute = made["dispute"]
    results += [
        measure("POST /disputes/{id}/evidence", lambda: route(customer, "POST", "/disputes/{dispute_id}/evidence",
                                                              {"dispute_id": dispute}, {"filename": "r.pdf",
                                                              "content_type": "application/pdf", "size": 100})[0]),
        measure("GET /disputes/{id}", lambda: route(customer, "GET", "/disputes/{dispute_id}",
                                                    {"dispute_id": dispute})[0]),
        measure("POST /refunds/{id}/cancel", lambda: route(customer, "POST", "/refunds/{refund_id}/cancel",
                                                           {"refund_id": dispute})[0]),
    ]
    return results


def order_self_service_scenarios(client: Client) -> list[Measurement]:
    import uuid

    from functions.order_self_service import app as self_service
    from functions.orders import app as orders
    from tests.conftest import load_event

    client.sign_up("orders-bench@example.com")
    customer = client.token("orders-bench@example.com")
    customer_id = client.contexts[customer]["account_id"]
    for n in range(1, 4):
        event = load_event("orders_paid.json")
        event["detail"].update(customer_id=customer_id, order_id=f"ord_self_{n}")
        orders.lambda_handler(event, LambdaContext())

    def route(method, resource, params=None, body=None, query=None, key=None) -> int:
        path = resource
        for name, value in (params or {}).items():
            path = path.replace("{" + name + "}", value)
        headers = {"Idempotency-Key": key} if key else None
        status, _, _ = call(self_service.lambda_handler, api_event(
            method, path, resource=resource, path_parameters=params, body=body, query=query, headers=headers,
            principal=client.contexts[customer]))
        return status

    address = {"recipient_name": "林美", "phone": "13800138000", "province": "浙江省", "city": "杭州市",
               "district": "西湖区", "street": "文三路 8 号"}
    replayed = str(uuid.uuid4())
    return [
        measure("GET /orders", lambda: route("GET", "/orders", query={"limit": "20"})),
        measure("GET /orders/{id}", lambda: route("GET", "/orders/{order_id}", {"order_id": "ord_self_1"})),
        measure("POST /orders/{id}/cancel", lambda: route("POST", "/orders/{order_id}/cancel",
                                                          {"order_id": "ord_self_1"}, {"reason": "changed_mind"},
                                                          key=replayed)),
        measure("POST /orders/{id}/cancel (replay)", lambda: route("POST", "/orders/{order_id}/cancel",
                                                                   {"order_id": "ord_self_1"},
                                                                   {"reason": "changed_mind"}, key=replayed)),
        measure("PUT /orders/{id}/shipping-address", lambda: route(
            "PUT", "/orders/{order_id}/shipping-address", {"order_id": "ord_self_2"}, address,
            key=str(uuid.uuid4()))),
    ]


SCENARIOS: list[Scenario] = [identity_scenarios, reset_scenarios, ticket_scenarios, help_scenarios, order_scenarios,
                              refund_scenarios, order_self_service_scenarios]
