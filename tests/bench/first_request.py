"""First-request time per route, cold and warm.

A deferred (function-local) import does not remove its cost: it moves it from the container's init to the first
request that needs it. This measures where the cost lands. Per route, a fresh interpreter stands in for a new Lambda
container: it imports the handler module (init), then answers the route once (cold: pays every deferred import, the
first boto3/pynamodb client, the first secret read), then answers it again a few times (warm: median). The world
(moto as a server with the template's resources and the local stack's demo accounts) lives in the parent process,
which also prepares each request's data (tickets waiting, claimed, resolved ...) beforehand, so the probe imports
nothing but the handler."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
WARM_RUNS = 3

PROBE = r"""
import importlib, json, sys, time, uuid

spec = json.load(sys.stdin)

class Context:
    function_name = "bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self):
        return 10_000

started = time.perf_counter()
handler = getattr(importlib.import_module(spec["module"]), "lambda_handler")
imported = time.perf_counter() - started
times, statuses = [], []
for event in spec["events"]:
    started = time.perf_counter()
    try:
        answer = handler(event, Context())
        statuses.append(answer.get("statusCode", 200) if isinstance(answer, dict) else 200)
    except Exception as error:  # the authorizer answers 401 by raising
        statuses.append(type(error).__name__)
    times.append(time.perf_counter() - started)
print(json.dumps({"import": imported, "times": times, "statuses": statuses}))
"""


def _probe(module: str, events: list[dict]) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{ROOT / 'layers/shared'}"
    out = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps({"module": module, "events": events}),
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"{module}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


class World:
    """The parent's side: accounts of the local stack's seed, and requests prepared through the real handlers."""

    def __init__(self, accounts: dict[str, str]) -> None:
        from local.seed import DEMO_ACCOUNTS

        self.people: dict[str, Any] = {}
        for demo in DEMO_ACCOUNTS:  # the first demo account of each role
            self.people.setdefault(demo.role, demo)
        self.ids = accounts
        self.serial = 0

    def principal(self, role: str) -> dict[str, str]:
        demo = self.people[role]
        return {"account_id": self.ids[demo.login], "role": demo.role, "lang": demo.language}

    def api(self, method: str, path: str, role: str | None = None, body: Any = None, resource: str | None = None,
            ticket_id: str | None = None) -> dict:
        from tests.conftest import api_event

        return api_event(method, path.replace("{ticket_id}", ticket_id or ""), body=body,
                         resource=resource or path, principal=self.principal(role) if role else None,
                         path_parameters={"ticket_id": ticket_id} if ticket_id else None)

    def call(self, event: dict) -> dict:
        from functions.ticket import app
        from tests.conftest import LambdaContext

        answer = app.lambda_handler(event, LambdaContext())
        return json.loads(answer["body"])

    def ticket(self, state: str) -> str:
        """A fresh ticket of the demo customer in `state`: open, waiting, assigned (to the demo agent) or resolved."""
        self.serial += 1
        opening = {"category": "shipping", "subject": "Parcel", "message": f"Where is parcel {self.serial}?"}
        body = self.call(self.api("POST", "/tickets", "customer", opening))
        if body.get("error", {}).get("code") == "ticket_rate_limited":  # 20 tickets an hour: the bench opens more
            from supportdesk.dal.rate_limits import RateLimitModel

            for counter in RateLimitModel.scan():  # bench set-up only, never a request path
                counter.delete()
            body = self.call(self.api("POST", "/tickets", "customer", opening))
        if "ticket" not in body:
            raise RuntimeError(f"could not open a ticket for the bench: {body}")
        ticket_id = body["ticket"]["id"]
        steps = ["waiting", "assigned", "resolved"]
        for step in steps[: steps.index(state) + 1] if state in steps else []:
            if step == "waiting":
                self.call(self.api("POST", "/tickets/{ticket_id}/handoff", "customer", ticket_id=ticket_id))
            elif step == "assigned":
                self.call(self.api("POST", "/agent/tickets/{ticket_id}/claim", "agent", ticket_id=ticket_id))
            else:
                self.call(self.api("POST", "/agent/tickets/{ticket_id}/resolve", "agent", ticket_id=ticket_id))
        return ticket_id

    def token(self, role: str) -> str:
        from functions.identity import app
        from tests.conftest import LambdaContext, api_event

        demo = self.people[role]
        answer = app.lambda_handler(api_event("POST", "/auth/login", body={"login": demo.login,
                                                                              "password": demo.password}),
                                    LambdaContext())
        return json.loads(answer["body"])["access_token"]


def _routes(world: World) -> list[tuple[str, str, Callable[[], dict]]]:
    """(route, handler module, one fresh request); each request is built anew for every run."""
    ticket = "functions.ticket.app"
    n = iter(range(10**6))
    arn = "arn:aws:execute-api:us-east-1:123456789012:local/v1/GET/tickets"
    token = world.token("customer")

    def on(state: str, method: str, resource: str, role: str, body: Any = None) -> Callable[[], dict]:
        return lambda: world.api(method, resource, role, body, ticket_id=world.ticket(state))

    return [
        ("GET /health", "functions.health.app", lambda: world.api("GET", "/health")),
        ("POST /accounts", "functions.identity.app", lambda: world.api(
            "POST", "/accounts", body={"email": f"bench-{next(n)}-{os.getpid()}@example.com",
                                       "password": "blue-lantern-river-42"})),
        ("POST /auth/login", "functions.identity.app", lambda: world.api(
            "POST", "/auth/login", body={"login": world.people["customer"].login,
                                         "password": world.people["customer"].password})),
        ("authorizer", "functions.authorizer.app", lambda: {"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                                                            "methodArn": arn}),
        ("POST /password-reset", "functions.reset_password.app", lambda: world.api(
            "POST", "/password-reset", body={"login": world.people["agent"].login})),
        ("POST /tickets", ticket, lambda: world.api("POST", "/tickets", "customer", {
            "category": "shipping", "subject": "Parcel", "message": "It has not moved."})),
        ("GET /tickets", ticket, lambda: world.api("GET", "/tickets", "customer")),
        ("GET /tickets/{id}", ticket, on("open", "GET", "/tickets/{ticket_id}", "customer")),
        ("POST /tickets/{id}/messages", ticket, on("open", "POST", "/tickets/{ticket_id}/messages", "customer",
                                                   {"message": "Any news?"})),
        ("POST /tickets/{id}/handoff", ticket, on("open", "POST", "/tickets/{ticket_id}/handoff", "customer")),
        ("GET /tickets/{id}/queue", ticket, on("waiting", "GET", "/tickets/{ticket_id}/queue", "customer")),
        ("PUT /agent/status", ticket, lambda: world.api("PUT", "/agent/status", "agent", {"online": True})),
        ("GET /agent/queue", ticket, lambda: world.api("GET", "/agent/queue", "agent")),
        ("POST /agent/tickets/{id}/claim", ticket, on("waiting", "POST", "/agent/tickets/{ticket_id}/claim", "agent")),
        ("GET /agent/tickets/{id}", ticket, on("assigned", "GET", "/agent/tickets/{ticket_id}", "agent")),
        ("POST /agent/tickets/{id}/messages", ticket, on("assigned", "POST", "/agent/tickets/{ticket_id}/messages",
                                                         "agent", {"message": "It ships today."})),
        ("POST /agent/tickets/{id}/resolve", ticket, on("assigned", "POST", "/agent/tickets/{ticket_id}/resolve",
                                                        "agent")),
        ("POST /tickets/{id}/rating", ticket, on("resolved", "POST", "/tickets/{ticket_id}/rating", "customer",
                                                 {"score": 5})),
    ]


def run(warm_runs: int = WARM_RUNS) -> list[dict]:
    """Start the world, then probe every route in its own fresh interpreter."""
    import tests.conftest  # noqa: F401 - its environment first (it drops endpoints), the stack's endpoint after
    from local.stack import Stack

    for cheap_for_tests in ("ARGON2_MEMORY_KIB", "ARGON2_TIME_COST"):  # measure production hashing cost
        os.environ.pop(cheap_for_tests, None)
    os.environ["RESET_RESPONSE_FLOOR_MS"] = "0"  # the anti-enumeration floor is a sleep, not a cost
    rows = []
    with Stack(moto_port=0, api_port=0, seed=True, run_schedules=False) as stack:
        world = World(stack.accounts)
        for route, module, request in _routes(world):
            result = _probe(module, [request() for _ in range(1 + warm_runs)])
            rows.append({"route": route, "import_ms": result["import"] * 1000, "cold_ms": result["times"][0] * 1000,
                         "warm_ms": statistics.median(result["times"][1:]) * 1000, "status": result["statuses"][0]})
    return rows
