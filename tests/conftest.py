"""Shared fixtures.

- Unit tests (tests/unit) use fakes and never open a socket.
- Integration tests (tests/integration) run against moto in-process, with every resource created from
  template.yaml by local.provision (the same code the local stack uses).
- End-to-end tests (tests/e2e) talk HTTP to the local stack.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# Credentials and region for moto, set before anything creates a client; argon2 made cheap for test speed only
# (production cost comes from template defaults, see supportdesk.settings).
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "ARGON2_MEMORY_KIB": "1024",
        "ARGON2_TIME_COST": "1",
        # Sign-up and reset requests last at least this long in production (no timing oracle); tests that check
        # the floor set their own pacer.
        "RESET_RESPONSE_FLOOR_MS": "0",
        "POWERTOOLS_METRICS_NAMESPACE": "SupportDesk",
        "POWERTOOLS_SERVICE_NAME": "support-desk",
        "POWERTOOLS_DEV": "false",
    }
)
for _var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
    os.environ.pop(_var, None)


def reset_caches() -> None:
    from supportdesk.aws import reset_clients
    from supportdesk.identity.passwords import reset_hasher
    from supportdesk.runtime import reset_runtime
    from supportdesk.settings import reset_settings

    reset_settings()
    reset_runtime()
    reset_clients()
    reset_hasher()
    try:  # Powertools caches secrets between calls; a new moto world has new secrets.
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()
    except Exception:  # pragma: no cover - older Powertools
        pass


@dataclass
class LambdaContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = ""

    def __post_init__(self) -> None:
        self.aws_request_id = self.aws_request_id or str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    """moto in-process with every resource of template.yaml; yields the Template (names, ARNs)."""
    from moto import mock_aws

    from local.provision import provision
    from local.template import Template

    with mock_aws():
        template = Template()
        for key, value in provision(template).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("MAIL_FROM", str(template.parameters["MailFrom"]))
        monkeypatch.setenv("SUPPORT_CONTACT", str(template.parameters["SupportContact"]))
        reset_caches()
        yield template
    reset_caches()


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    principal: dict[str, str] | None = None,
    source_ip: str = "198.51.100.7",
) -> dict:
    """An API Gateway REST proxy event, built on events/api_request_template.json (a real event's shape)."""
    event = load_event("api_request_template.json")
    event["httpMethod"] = method
    event["path"] = path
    event["resource"] = resource or path
    event["headers"] = {"Content-Type": "application/json", **(headers or {})}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["pathParameters"] = path_parameters
    if body is None:
        event["body"] = None
    else:
        event["body"] = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    event["requestContext"]["httpMethod"] = method
    event["requestContext"]["resourcePath"] = event["resource"]
    event["requestContext"]["path"] = f"/v1{path}"
    event["requestContext"]["identity"]["sourceIp"] = source_ip
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    if principal:
        event["requestContext"]["authorizer"] = {"principalId": principal["account_id"], **principal}
    else:
        event["requestContext"].pop("authorizer", None)
    return event


def call(handler, event: dict, context: LambdaContext | None = None) -> tuple[int, dict, dict]:
    """Invoke an API handler; returns (status, json body, headers)."""
    response = handler(event, context or LambdaContext())
    body = json.loads(response["body"]) if response.get("body") else {}
    headers = dict(response.get("headers") or {})
    for key, values in (response.get("multiValueHeaders") or {}).items():
        headers[key] = ", ".join(values)
    return response["statusCode"], body, headers
