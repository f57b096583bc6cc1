"""One local stack for the e2e package: moto as a server and the API on free loopback ports, resources provisioned
from template.yaml and demo data seeded, exactly as `make run` does (schedules are fired only on demand here, so a
timer cannot change data under a test). Torn down at the end of the package, giving the process its environment
back before the in-process moto tests run."""
from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from local.seed import DEMO_ACCOUNTS


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
                token: str | None = None) -> Reply:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            all_headers.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def login(self, login: str, password: str) -> str:
        reply = self.request("POST", "/auth/login", {"login": login, "password": password})
        assert reply.status == 200, reply.body
        return reply.json()["access_token"]


@pytest.fixture(scope="package")
def stack():
    from local.stack import Stack

    started = time.monotonic()
    local = Stack(moto_port=0, api_port=0, run_schedules=False).start()
    local.startup_seconds = time.monotonic() - started
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="package")
def api(stack) -> Api:
    return Api(stack.api_url)


@pytest.fixture(scope="package")
def demo() -> dict:
    """login -> password of the seeded demo accounts, by role."""
    return {d.role if d.login != "demo2@example.com" else "customer2": (d.login, d.password) for d in DEMO_ACCOUNTS}
