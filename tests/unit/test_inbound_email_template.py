"""The inbound e-mail function's deployment limits: a flood of mail cannot take the API's concurrency, and the raw
(unmasked) message can be deleted for good, version included, under inbound/ and nowhere else."""
from __future__ import annotations

from local.template import Template

TEMPLATE = Template()


def _function() -> dict:
    return TEMPLATE.resources["InboundEmailFunction"]["Properties"]


def test_the_inbound_function_has_reserved_concurrency():
    # docs/api-tickets.md: "reserved concurrency 5, so a flood of mail waits in Lambda's async queue"
    assert int(_function()["ReservedConcurrentExecutions"]) == 5


def test_object_versions_are_deletable_under_inbound_only():
    statements = [s for p in _function()["Policies"] if "Statement" in p for s in p["Statement"]]
    deleting = [s for s in statements if "s3:DeleteObjectVersion" in s["Action"]]
    assert len(deleting) == 1
    resource = deleting[0]["Resource"]
    assert str(resource).endswith("/inbound/*") or "/inbound/*" in str(resource)
    assert all("s3:DeleteObjectVersion" not in s["Action"] for p in TEMPLATE.resources.values()
               if p.get("Type") == "AWS::Serverless::Function" and p is not TEMPLATE.resources["InboundEmailFunction"]
               for pol in p["Properties"].get("Policies", []) if isinstance(pol, dict)
               for s in pol.get("Statement", []))
