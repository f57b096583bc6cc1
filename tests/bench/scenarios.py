"""One representative request per route, each preceded by the setup it needs (setup is not measured)."""
from __future__ import annotations

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
        from supportdesk.identity import wiring as identity
        from supportdesk.identity.service import SignUp

        identity.identity_service().sign_up(SignUp(email, None, PASSWORD, "zh-CN"), "127.0.0.1", role=role)

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


SCENARIOS: list[Scenario] = [identity_scenarios, reset_scenarios, ticket_scenarios, help_scenarios]
