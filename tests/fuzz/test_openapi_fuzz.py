"""Schemathesis against the running local stack's /openapi.json: every operation of the document, with valid
(positive) and invalid (negative) data, called as a customer and as an agent. No answer may be a 5xx; an answer
whose status the document describes must match the documented schema and content type.

Bounded for `make test`: FUZZ_EXAMPLES examples per operation, generation mode and role, derandomized so that a run
is repeatable; raise it locally with e.g. `FUZZ_EXAMPLES=200 .venv/bin/python -m pytest tests/fuzz`.

(One test per template route, driven by Hypothesis directly: schemathesis' lazy pytest loader does not work with
the pinned pytest 9.)
"""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from local.template import Template

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
ROLES = ("customer", "agent")
# status_code_conformance (every status the API answers is documented) waits for the OpenAPI document to list
# every response (201/202, 401 on login, 409...); until then a status the document omits is checked for 5xx only.
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
ROUTES = sorted({(route.method, route.path) for route in Template().routes()})


@pytest.fixture(scope="package")
def openapi(fuzz_stack):
    return schemathesis.openapi.from_url(f"{fuzz_stack.api_url}/openapi.json")


def test_the_document_has_every_route(openapi):
    documented = {(operation.method.upper(), operation.path) for operation in
                  (result.ok() for result in openapi.get_all_operations())}
    assert documented == set(ROUTES)


@pytest.mark.parametrize("method,path", ROUTES)
def test_no_server_error_and_answers_match_the_document(openapi, fuzz_stack, tokens, method, path):
    operation = openapi[path][method.lower()]
    takes_input = bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if takes_input else [])  # nothing to make invalid
    answered: list[int] = []
    for mode in modes:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case) -> None:
            for role in ROLES:
                response = case.call_and_validate(base_url=fuzz_stack.api_url, checks=CHECKS, timeout=30,
                                                  headers={"Authorization": f"Bearer {tokens[role]}"})
                answered.append(response.status_code)

        fuzz()
    assert answered and max(answered) < 500
