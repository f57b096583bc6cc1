"""A local stack of its own for the fuzzer (as `make run` starts it: moto server, API on free loopback ports, demo
data), so that the fuzzer's sign-ups, failed logins and reset requests use up rate limits in its own world and never
in the one the e2e tests share."""
from __future__ import annotations

import json
import urllib.request

import pytest

from local.seed import DEMO_ACCOUNTS


@pytest.fixture(scope="package")
def fuzz_stack():
    from local.stack import Stack

    local = Stack(moto_port=0, api_port=0, run_schedules=False).start()
    try:
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="package")
def tokens(fuzz_stack) -> dict[str, str]:
    """A bearer token per role of the demo accounts (customer, agent, supervisor)."""
    found = {}
    for demo in DEMO_ACCOUNTS:
        if demo.role in found:
            continue
        request = urllib.request.Request(f"{fuzz_stack.api_url}/auth/login", method="POST",
                                         data=json.dumps({"login": demo.login, "password": demo.password}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            found[demo.role] = json.load(response)["access_token"]
    return found
