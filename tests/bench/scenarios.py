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

    def sign_up(self, email: str, role: str = "customer") -> None:
        from supportdesk import runtime
        from supportdesk.identity.service import SignUp

        runtime.identity_service().sign_up(SignUp(email, None, PASSWORD, "zh-CN"), "127.0.0.1", role=role)

    def token(self, login: str) -> str:
        status, body, _ = call(self.identity, api_event("POST", "/auth/login", body={"login": login, "password": PASSWORD},
                                                        source_ip="10.9.9.9"))
        assert status == 200, body
        return body["access_token"]

    def protected(self, handler, method: str, path: str, token: str, *, resource: str | None = None,
                  path_parameters: dict | None = None, body=None, query=None) -> int:
        policy = self.authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                                  "methodArn": f"arn:aws:execute-api:us-east-1:123456789012:local/v1/{method}{path}"},
                                 LambdaContext())
        if policy["policyDocument"]["Statement"][0]["Effect"] != "Allow":
            return 403
        principal = {**policy["context"]}
        status, _, _ = call(handler, api_event(method, path, resource=resource, path_parameters=path_parameters,
                                               body=body, query=query, principal=principal))
        return status


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


SCENARIOS: list[Scenario] = [identity_scenarios]
