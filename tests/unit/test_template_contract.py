"""What deploys is what runs: every function in template.yaml imports the way Lambda imports it, every route in the
template is implemented by its function's resolver (and vice versa), and docs/openapi.json is current."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template()
FUNCTIONS = TEMPLATE.functions()


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_function_imports_with_only_its_code_and_the_layer_on_the_path(logical_id):
    """Lambda puts the function's CodeUri at /var/task and the layer at /opt/python; nothing else."""
    function = FUNCTIONS[logical_id]
    module, attribute = function.handler.rsplit(".", 1)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / function.code_uri), str(ROOT / "layers/shared")])
    probe = f"import {module}; assert callable({module}.{attribute})"
    result = subprocess.run([sys.executable, "-c", probe], cwd="/", env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_every_template_route_is_implemented_and_every_implemented_route_is_deployed():
    from local.openapi import route_table

    declared, implemented = route_table(TEMPLATE)
    assert declared - implemented == set(), "routes in template.yaml that no resolver implements"
    assert implemented - declared == set(), "routes implemented but missing from template.yaml"


def test_no_proxy_routes_and_every_non_public_route_uses_the_authorizer():
    for route in TEMPLATE.routes():
        assert "{proxy+}" not in route.path
        if route.authorizer is None:
            assert route.path in {"/health", "/auth/login", "/accounts", "/accounts/verify", "/password-reset",
                                  "/password-reset/confirm", "/help/articles", "/help/articles/{article_id}",
                                  "/help/search", "/support/contact", "/survey/{token}"}, (
                f"{route.method} {route.path} is public; add it to this list only if it must be"
            )


def test_docs_openapi_json_is_current():
    from local.openapi import build

    current = json.loads((ROOT / "docs/openapi.json").read_text(encoding="utf-8"))
    assert current == json.loads(json.dumps(build(TEMPLATE))), "docs/openapi.json is stale: run `make openapi`"


def test_every_function_has_its_own_log_group_and_a_scoped_policy():
    resources = TEMPLATE.resources
    for logical_id, function in FUNCTIONS.items():
        props = function.properties
        log_group = props.get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
        assert log_group in resources and resources[log_group]["Type"] == "AWS::Logs::LogGroup", logical_id
        assert "RetentionInDays" in resources[log_group]["Properties"]
        for policy in props.get("Policies", []):
            if isinstance(policy, dict):
                for statement in policy.get("Statement", []):
                    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                    assert not any(a.endswith(":*") or a == "*" for a in actions), f"{logical_id}: wildcard action"
                    if statement.get("Resource") == "*":
                        assert set(actions) <= {"sns:Publish", "cloudwatch:PutMetricData"}, (
                            f"{logical_id}: Resource '*' only where AWS has no resource to name ({actions})"
                        )


def test_tables_are_encrypted_with_point_in_time_recovery_and_on_demand():
    for logical_id, table in TEMPLATE.of_type("AWS::DynamoDB::Table").items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", logical_id
        assert props["SSESpecification"]["SSEEnabled"] is True, logical_id
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, logical_id


def test_the_browser_preflight_allows_every_method_and_request_header_the_routes_use():
    cors = TEMPLATE.resources["SupportApi"]["Properties"]["Cors"]
    methods = set(str(cors["AllowMethods"]).strip("'").split(","))
    headers = {h.lower() for h in str(cors["AllowHeaders"]).strip("'").split(",")}
    assert {route.method for route in TEMPLATE.routes()} | {"OPTIONS"} <= methods
    assert {"authorization", "content-type", "accept-language", "idempotency-key"} <= headers


def test_every_function_behind_the_api_knows_the_storefront_origin():
    # Without it supportdesk.api sends no Access-Control-Allow-Origin and a browser cannot read the answer
    functions = TEMPLATE.functions()
    for logical_id in {route.function for route in TEMPLATE.routes()}:
        assert "STOREFRONT_ORIGIN" in functions[logical_id].environment, logical_id
