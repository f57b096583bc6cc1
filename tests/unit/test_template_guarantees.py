"""Guarantees that live in template.yaml rather than in code.

"On success ... every token issued before is rejected by the authorizer, on every device" (docs/api-reset.md) holds
at once only if API Gateway does not cache the authorizer's answer. SAM caches a token authorizer's answer for 300
seconds when `Identity.ReauthorizeEvery` is left out, so the template must say 0 explicitly.
"""
from __future__ import annotations

import pytest

from local.template import Template

TEMPLATE = Template()
APIS = TEMPLATE.of_type("AWS::Serverless::Api")
AUTHORIZERS = [
    (api_id, name, spec)
    for api_id, api in APIS.items()
    for name, spec in api.get("Properties", {}).get("Auth", {}).get("Authorizers", {}).items()
]


def test_the_api_has_a_lambda_authorizer_to_check():
    assert AUTHORIZERS, "no authorizer found in template.yaml: the caching checks below would check nothing"


@pytest.mark.parametrize(("api_id", "name", "spec"), AUTHORIZERS, ids=[f"{a}.{n}" for a, n, _ in AUTHORIZERS])
def test_authorizer_answers_are_never_cached_so_revocation_is_immediate(api_id, name, spec):
    identity = spec.get("Identity", {})
    assert "ReauthorizeEvery" in identity, f"{api_id}.{name}: without ReauthorizeEvery SAM caches for 300 s"
    assert TEMPLATE.resolve(identity["ReauthorizeEvery"]) == 0


def test_no_plain_api_gateway_authorizer_caches_either():
    for logical_id, resource in TEMPLATE.of_type("AWS::ApiGateway::Authorizer").items():
        ttl = resource.get("Properties", {}).get("AuthorizerResultTtlInSeconds")
        assert ttl is not None and TEMPLATE.resolve(ttl) == 0, f"{logical_id} caches the authorizer's answer"
