"""The local API Gateway without sockets: route matching, the proxy event, the authorizer and gateway responses,
with a fixture template whose handlers need no AWS (tests/fixtures/template.yaml)."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from local.gateway import (Gateway, HttpRequest, build_event, compile_routes, match_route, method_arn,
                           policy_allows, proxy_response)
from local.lambdas import FunctionHost
from local.template import ROOT, Route, Template
from tests.conftest import load_event

FIXTURE = ROOT / "tests" / "fixtures" / "template.yaml"


@pytest.fixture(scope="module")
def gateway() -> Gateway:
    template = Template(path=FIXTURE)
    return Gateway(template, FunctionHost(template))


def echo(response):
    assert response.status == 200, response.body
    return response.json()["event"]


# ---- route matching ---------------------------------------------------------------------------------------------

ROUTES = compile_routes([
    Route("GET", "/tickets/{id}", "Tickets", "Auth"),
    Route("GET", "/tickets/mine", "Mine", "Auth"),
    Route("POST", "/tickets/{id}/messages", "Messages", "Auth"),
    Route("GET", "/files/{path+}", "Files", None),
    Route("GET", "/", "Root", None),
])


@pytest.mark.parametrize("method,path,function,params", [
    ("GET", "/tickets/t_1", "Tickets", {"id": "t_1"}),
    ("GET", "/tickets/mine", "Mine", {}),  # a literal segment beats {id}
    ("POST", "/tickets/t_1/messages", "Messages", {"id": "t_1"}),
    ("GET", "/files/a/b/c.txt", "Files", {"path": "a/b/c.txt"}),
    ("GET", "/", "Root", {}),
    ("get", "/tickets/t_2/", "Tickets", {"id": "t_2"}),
])
def test_routes_match_like_api_gateway(method, path, function, params):
    route, found = match_route(ROUTES, method, path)
    assert route.function == function and found == params


@pytest.mark.parametrize("method,path", [("POST", "/tickets/t_1"), ("GET", "/tickets"), ("GET", "/tickets/a/b"),
                                         ("GET", "/files")])
def test_unknown_routes_and_other_methods_do_not_match(method, path):
    assert match_route(ROUTES, method, path) is None


def test_the_template_routes_are_read_from_template_yaml():
    routes = {(r.method, r.path): r for r in Template().routes()}
    assert routes[("GET", "/health")].authorizer is None
    assert routes[("POST", "/auth/login")].function == "IdentityFunction"


# ---- the proxy event --------------------------------------------------------------------------------------------

def test_the_event_has_api_gateways_shape():
    request = HttpRequest("GET", "/tickets/t_1", "page=2&tag=a&tag=b",
                          [("Accept", "application/json"), ("X-Trace", "1"), ("X-Trace", "2"), ("Host", "127.0.0.1:3000"),
                           ("User-Agent", "pytest")], b"", "203.0.113.9")
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    event = build_event(request, Route("GET", "/tickets/{id}", "Tickets", None), {"id": "t_1"}, "prod",
                        request_id="req-1", now=now)
    sample = load_event("api_request_template.json")
    assert set(event) == set(sample)
    assert set(event["requestContext"]) == set(sample["requestContext"])
    assert set(event["requestContext"]["identity"]) == set(sample["requestContext"]["identity"])
    assert event["resource"] == "/tickets/{id}" and event["path"] == "/tickets/t_1"
    assert event["pathParameters"] == {"id": "t_1"}
    assert event["queryStringParameters"] == {"page": "2", "tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"page": ["2"], "tag": ["a", "b"]}
    assert event["headers"]["X-Trace"] == "2" and event["multiValueHeaders"]["X-Trace"] == ["1", "2"]
    context = event["requestContext"]
    assert context["resourcePath"] == "/tickets/{id}" and context["path"] == "/prod/tickets/t_1"
    assert context["stage"] == "prod" and context["requestId"] == "req-1" and context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "203.0.113.9"
    assert context["requestTime"] == "23/Nov/2026:12:00:00 +0000"
    assert context["requestTimeEpoch"] == 1795435200000
    assert event["body"] is None and event["isBase64Encoded"] is False
    assert "authorizer" not in context


def test_no_query_and_no_path_parameters_are_null():
    event = build_event(HttpRequest("GET", "/health"), Route("GET", "/health", "Health", None), {}, "prod")
    assert event["queryStringParameters"] is None and event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None


@pytest.mark.parametrize("content_type,body,binary_media_types,encoded", [
    ("application/json", '{"a": "文"}'.encode(), [], False),
    ("text/plain; charset=utf-8", b"hello", [], False),
    ("application/octet-stream", b"\x00\x01", [], False),  # no BinaryMediaTypes: text, as in AWS
    ("image/png", b"\x89PNG", ["image~1png"], True),
    ("application/octet-stream", b"\x00\x01", ["*/*"], True),
])
def test_bodies_are_base64_only_for_binary_media_types(content_type, body, binary_media_types, encoded):
    """API Gateway base64-encodes a request body only when its Content-Type matches the Api's binaryMediaTypes
    (developer guide, api-gateway-payload-encodings.html; SAM CLI local_apigw_service._should_base64_encode).
    More cases: tests/unit/test_local_aws_fidelity.py."""
    headers = [("Content-Type", content_type)] if content_type else []
    event = build_event(HttpRequest("POST", "/x", "", headers, body), Route("POST", "/x", "X", None), {}, "prod",
                        binary_media_types=binary_media_types)
    assert event["isBase64Encoded"] is encoded
    assert (base64.b64decode(event["body"]) if encoded else event["body"].encode()) == body


# ---- responses --------------------------------------------------------------------------------------------------

def test_proxy_response_merges_headers_and_decodes_base64_for_a_binary_accept_type():
    response = proxy_response({"statusCode": 201, "headers": {"X-One": "1"}, "multiValueHeaders": {"Set-Cookie": ["a", "b"]},
                               "body": base64.b64encode(b"\x00bin").decode(), "isBase64Encoded": True},
                              "application/octet-stream", ["application~1octet-stream"])
    assert response.status == 201 and response.body == b"\x00bin"
    assert ("Set-Cookie", "a") in response.headers and ("Set-Cookie", "b") in response.headers
    assert response.header("X-One") == "1" and response.header("Content-Type") == "application/json"


@pytest.mark.parametrize("result", [None, {"statusCode": "x"}, {"statusCode": 200, "body": {"a": 1}},
                                    {"statusCode": 200, "other": 1}])
def test_a_malformed_proxy_response_is_rejected(result):
    with pytest.raises(ValueError):
        proxy_response(result)


# ---- authorizer policies ------------------------------------------------------------------------------------------

ARN = method_arn("prod", "GET", "/agent/queue")


def policy(*statements):
    return {"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": list(statements)}}


def test_method_arn_names_stage_method_and_path():
    assert ARN == "arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/agent/queue"


@pytest.mark.parametrize("statements,allowed", [
    ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": ARN}], True),
    ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:local/prod/*"}], True),
    ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:local/prod/GET/tickets"}], False),
    ([{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"},
      {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": ARN}], False),
    ([{"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": ARN}], False),
    ([], False),
])
def test_policy_evaluation(statements, allowed):
    assert policy_allows(policy(*statements), ARN) is allowed


# ---- the gateway end to end, in process ---------------------------------------------------------------------------

def test_a_public_route_reaches_its_handler(gateway):
    event = echo(gateway.handle(HttpRequest("GET", "/public/ada", "x=1", [("Host", "localhost")])))
    assert event["pathParameters"] == {"name": "ada"} and event["requestContext"]["stage"] == "test"
    assert "authorizer" not in event["requestContext"]


def test_a_missing_authorization_header_is_401_without_calling_the_authorizer(gateway, monkeypatch):
    from tests.fixtures.handlers import gate

    monkeypatch.setattr(gate, "lambda_handler", lambda *a: pytest.fail("authorizer must not be called"))
    fresh = Gateway(gateway.template, FunctionHost(gateway.template))
    response = fresh.handle(HttpRequest("POST", "/agent/things/1"))
    assert response.status == 401 and response.json() == {"message": "Unauthorized"}


@pytest.mark.parametrize("token,status", [("Bearer nope", 401), ("Bearer deny", 403), ("Bearer boom", 500)])
def test_authorizer_outcomes(gateway, token, status):
    response = gateway.handle(HttpRequest("POST", "/agent/things/1", "", [("Authorization", token)]))
    assert response.status == status


def test_an_allowed_request_carries_principal_and_context(gateway):
    event = echo(gateway.handle(HttpRequest("POST", "/agent/things/mine", "", [("Authorization", "Bearer allow"),
                                                                             ("Content-Type", "application/json")], b'{"a":1}')))
    assert event["resource"] == "/agent/things/mine" and event["body"] == '{"a":1}'
    authorizer = event["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "acc_fixture" and authorizer["role"] == "agent" and authorizer["lang"] == "en"


def test_the_authorizer_receives_a_token_event_with_the_method_arn(gateway, monkeypatch):
    from tests.fixtures.handlers import gate

    seen = []
    real = gate.lambda_handler
    monkeypatch.setattr(gate, "lambda_handler", lambda event, context: seen.append(event) or real(event, context))
    fresh = Gateway(gateway.template, FunctionHost(gateway.template))
    fresh.handle(HttpRequest("POST", "/agent/things/42", "", [("Authorization", "Bearer allow")]))
    assert seen == [{"type": "TOKEN", "authorizationToken": "Bearer allow",
                     "methodArn": "arn:aws:execute-api:us-east-1:123456789012:local/test/POST/agent/things/42"}]


def test_unknown_route_is_missing_authentication_token(gateway):
    response = gateway.handle(HttpRequest("GET", "/nowhere"))
    assert response.status == 403 and response.json() == {"message": "Missing Authentication Token"}


def test_binary_responses_stay_base64_without_binary_media_types(gateway):
    """The fixture Api declares no BinaryMediaTypes: API Gateway sends the base64 text
    (developer guide, api-gateway-payload-encodings.html)."""
    response = gateway.handle(HttpRequest("GET", "/public/x", "binary=1", [("Accept", "image/png")]))
    assert response.body == base64.b64encode(b"\x89PNG\r\n") and response.header("Content-Type") == "image/png"


def test_a_handler_that_raises_is_a_502(gateway, monkeypatch):
    from tests.fixtures.handlers import echo as echo_module

    monkeypatch.setattr(echo_module, "lambda_handler", lambda *a: 1 / 0)
    fresh = Gateway(gateway.template, FunctionHost(gateway.template))
    response = fresh.handle(HttpRequest("GET", "/public/x"))
    assert response.status == 502 and response.json() == {"message": "Internal server error"}


# ---- the real template's gateway responses and CORS -------------------------------------------------------------

@pytest.fixture(scope="module")
def support_gateway() -> Gateway:
    template = Template()
    return Gateway(template, FunctionHost(template))


def test_gateway_responses_come_from_the_template(support_gateway):
    unknown = support_gateway.handle(HttpRequest("GET", "/no/such/route"))
    assert unknown.status == 404 and unknown.json()["error"]["code"] == "route_not_found"
    assert unknown.header("Access-Control-Allow-Origin") == "https://shop.example.com"
    unauthorized = support_gateway.gateway_response("UNAUTHORIZED", "req-1")
    assert unauthorized.status == 401 and unauthorized.json()["error"]["code"] == "unauthorized"
    assert unauthorized.header("WWW-Authenticate") == "Bearer"
    denied = support_gateway.gateway_response("ACCESS_DENIED", "req-1")
    assert denied.status == 403 and denied.json()["error"]["code"] == "forbidden"
    failed = support_gateway.gateway_response("AUTHORIZER_FAILURE", "req-1")  # DEFAULT_5XX headers
    assert failed.status == 500 and failed.header("Access-Control-Allow-Origin") == "https://shop.example.com"


def test_cors_preflight_answers_with_the_template_settings(support_gateway):
    response = support_gateway.handle(HttpRequest("OPTIONS", "/auth/login", "", [("Origin", "https://shop.example.com")]))
    assert response.status == 200
    assert response.header("Access-Control-Allow-Origin") == "https://shop.example.com"
    assert response.header("Access-Control-Allow-Methods") == "GET,POST,PUT,DELETE,OPTIONS"
    assert response.header("Access-Control-Allow-Headers") == "Authorization,Content-Type,Accept-Language,Idempotency-Key"
    assert response.header("Access-Control-Max-Age") == "600"
    assert support_gateway.handle(HttpRequest("OPTIONS", "/nowhere")).status == 404


def test_the_authorizer_context_is_passed_as_strings():
    from local.gateway import authorizer_context

    assert authorizer_context({"principalId": "p", "context": {"n": 3, "ok": True, "s": "x"}}, 5) == {
        "n": "3", "ok": "true", "s": "x", "principalId": "p", "integrationLatency": 5}
    with pytest.raises(ValueError):
        authorizer_context({"principalId": "p", "context": {"nested": {"a": 1}}}, 0)


def test_dev_routes_never_appear_in_the_template():
    assert not [r for r in Template().routes() if r.path.startswith("/_local")]


# ---- documentation routes ------------------------------------------------------------------------------------------

def test_openapi_is_a_404_json_until_it_is_generated(tmp_path):
    from local.devroutes import DevRoutes

    routes = DevRoutes(None, None, None, openapi_path=tmp_path / "missing.json")
    response = routes(HttpRequest("GET", "/openapi.json"))
    assert response.status == 404 and response.json()["error"]["code"] == "openapi_missing"
    assert routes(HttpRequest("GET", "/docs")).status == 200  # still lists the developer routes


def test_docs_list_every_operation_in_plain_html(tmp_path):
    import json

    from local.devroutes import DevRoutes

    document = {"openapi": "3.1.0", "info": {"title": "Support desk API", "version": "1.0.0"},
                "paths": {"/health": {"get": {"summary": "Liveness <probe>", "security": []}},
                          "/tickets": {"post": {"summary": "Open a ticket", "responses": {"201": {}, "400": {}}}}}}
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    routes = DevRoutes(None, None, None, openapi_path=tmp_path / "openapi.json")
    page = routes(HttpRequest("GET", "/docs")).body.decode()
    assert "Liveness &lt;probe&gt;" in page  # escaped
    assert "<code>/tickets</code>" in page and "(public)" in page and "201, 400" in page
    assert "swagger-ui-bundle.js" in page
    assert routes(HttpRequest("GET", "/openapi.json")).json() == document


def test_the_templates_own_routes_win_over_the_docs_routes(tmp_path):
    from local.devroutes import DevRoutes

    routes = DevRoutes(None, None, None, openapi_path=tmp_path / "x.json", has_route=lambda method, path: path == "/docs")
    assert routes(HttpRequest("GET", "/docs")) is None
    assert routes(HttpRequest("GET", "/_local/nothing-here")).status == 404
