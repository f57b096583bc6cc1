"""The local API Gateway and Lambda fail where AWS would (issue 14), without sockets.

Each test names the behaviour it copies and where it is written down: the API Gateway and Lambda developer guides,
SAM CLI's samcli/local/apigw/local_apigw_service.py, and LocalStack's API Gateway emulation
(localstack-core/localstack/services/apigateway/next_gen/execute_api/), whose behaviour is checked against AWS by
its snapshot tests. Fixture functions: tests/fixtures/handlers/lambda_probe.py.
"""
from __future__ import annotations

import base64
import json
import os
import threading
import time

import pytest

from local.gateway import (Gateway, HttpRequest, TokenBucket, build_event, compile_routes, match_route,
                           proxy_response, request_from_wsgi, throttle_limits)
from local.lambdas import FunctionError, FunctionHost, FunctionTimeout, PayloadTooLarge
from local.template import ROOT, Route, Template
from tests.fixtures.handlers import lambda_probe

HANDLERS = ROOT / "tests" / "fixtures"
MB = 1024 * 1024


def api_event(path: str, method: str = "post") -> dict:
    return {"Type": "Api", "Properties": {"RestApiId": {"Ref": "ProbeApi"}, "Path": path, "Method": method}}


def probe_template(**api: object) -> Template:
    """A small API: /items/{id} answers what the test sets, /slow waits, /whoami reports its environment."""
    function = {"CodeUri": "handlers/", "Handler": "lambda_probe.respond"}
    document = {
        "Globals": {"Function": {"Runtime": "python3.11", "Timeout": 5, "MemorySize": 256,
                                 "Environment": {"Variables": {"STAGE": "test"}}}},
        "Resources": {
            "ProbeApi": {"Type": "AWS::Serverless::Api", "Properties": {"StageName": "test", **api}},
            "ProbeFunction": {"Type": "AWS::Serverless::Function", "Properties": {
                **function, "Events": {"Item": api_event("/items/{id}"), "Get": api_event("/items/{id}", "get"),
                                       "Files": api_event("/files/{path+}", "get")}}},
            "SlowFunction": {"Type": "AWS::Serverless::Function", "Properties": {
                "CodeUri": "handlers/", "Handler": "lambda_probe.hold", "Timeout": 1,
                "Events": {"Slow": api_event("/slow")}}},
            "PatientFunction": {"Type": "AWS::Serverless::Function", "Properties": {
                "CodeUri": "handlers/", "Handler": "lambda_probe.hold", "Timeout": 60,
                "Events": {"Patient": api_event("/patient")}}},
            "TicketsFunction": {"Type": "AWS::Serverless::Function", "Properties": {
                "CodeUri": "handlers/", "Handler": "lambda_probe.environment",
                "Environment": {"Variables": {"TICKETS_TABLE": "Tickets", "WHO": "tickets"}},
                "Events": {"Who": api_event("/whoami/tickets", "get")}}},
            "HealthFunction": {"Type": "AWS::Serverless::Function", "Properties": {
                "CodeUri": "handlers/", "Handler": "lambda_probe.environment",
                "Environment": {"Variables": {"WHO": "health"}},
                "Events": {"Who": api_event("/whoami/health", "get")}}},
        },
    }
    return Template(document, path=HANDLERS / "probe.yaml")


@pytest.fixture
def answers(monkeypatch):
    monkeypatch.setattr(lambda_probe, "answers", {})
    return lambda_probe.answers


@pytest.fixture
def gateway(answers) -> Gateway:
    template = probe_template()
    return Gateway(template, FunctionHost(template))


@pytest.fixture
def released():
    """Let every held handler finish when the test ends (no thread outlives it)."""
    lambda_probe.release.clear()
    yield lambda_probe.release
    lambda_probe.release.set()


def seen_event(gateway: Gateway, request: HttpRequest) -> dict:
    events = []
    lambda_probe.answers["/items/{id}"] = lambda event: events.append(event) or {"statusCode": 200, "body": ""}
    lambda_probe.answers["/files/{path+}"] = lambda_probe.answers["/items/{id}"]
    response = gateway.handle(request)
    assert response.status == 200, response.body
    return events[0]


# ---- 1. request bodies ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type,body", [
    ("application/octet-stream", b"\x00\x01abc"),
    ("image/png", b"\x89PNG\r\n"),
    (None, b"plain"),
    ("application/json", '{"a": "文"}'.encode()),
])
def test_without_binary_media_types_every_body_is_text(content_type, body):
    """AWS: "To handle binary payloads for AWS Lambda proxy integrations ... You must also configure the
    binaryMediaTypes for your API" (API Gateway developer guide, "Binary media types for REST APIs",
    api-gateway-payload-encodings.html); SAM CLI's _should_base64_encode encodes only when the request mimetype is
    in binary_types or binary_types has */*. Without them the body is passed as text, isBase64Encoded false; bytes
    that are not UTF-8 arrive replaced (a binary upload through this API would be mangled in AWS)."""
    headers = [("Content-Type", content_type)] if content_type else []
    event = build_event(HttpRequest("POST", "/x", "", headers, body), Route("POST", "/x", "X", None), {}, "prod")
    assert event["isBase64Encoded"] is False
    assert event["body"] == body.decode("utf-8", errors="replace")


def test_binary_media_types_base64_only_the_matching_content_types():
    """Same sources: with BinaryMediaTypes declared, a request whose Content-Type matches one (wildcards allowed,
    written image~1png in SAM) reaches Lambda base64-encoded with isBase64Encoded true; others stay text."""
    route = Route("POST", "/x", "X", None)

    def event(content_type, types):
        request = HttpRequest("POST", "/x", "", [("Content-Type", content_type)], b"\x89PNG\x00")
        return build_event(request, route, {}, "prod", binary_media_types=types)

    png = event("image/png", ["image~1png"])
    assert png["isBase64Encoded"] is True and base64.b64decode(png["body"]) == b"\x89PNG\x00"
    assert event("image/jpeg; q=1", ["image/*"])["isBase64Encoded"] is True
    assert event("application/json", ["image/*"])["isBase64Encoded"] is False
    assert event("application/json", ["*/*"])["isBase64Encoded"] is True


def test_the_template_declares_no_binary_media_types():
    """Uploads go to presigned S3 URLs, so the API is text only: a change here must come with the rule above."""
    assert "BinaryMediaTypes" not in Template().api_properties()


# ---- 2. response bodies ---------------------------------------------------------------------------------------

PNG = base64.b64encode(b"\x89PNG\r\n").decode()


@pytest.mark.parametrize("accept,types,decoded", [
    ("image/png", [], False),  # no BinaryMediaTypes: the base64 text goes out
    ("image/png", ["image/png"], True),
    ("image/png;q=0.9, application/json", ["image~1png"], True),
    ("application/json, image/png", ["image/png"], False),  # only the first Accept type counts
    (None, ["image/png"], False),
    ("text/html", ["*/*"], True),
])
def test_base64_responses_are_decoded_only_for_a_binary_first_accept_type(accept, types, decoded):
    """AWS: "API Gateway uses the first Accept header from clients to determine if a response should return binary
    media. To return binary media when you can't control the order of Accept header values, such as requests from a
    browser, set your API's binary media types to */*" (api-gateway-payload-encodings.html). Otherwise the body is
    sent as the function gave it: base64 text."""
    result = {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": True, "body": PNG}
    response = proxy_response(result, accept, types)
    assert response.body == (b"\x89PNG\r\n" if decoded else PNG.encode())


def test_the_gateway_sends_base64_text_when_the_api_has_no_binary_media_types(gateway, answers):
    """As above, end to end: Powertools base64-encodes bytes bodies; in AWS without BinaryMediaTypes the client
    receives the base64 text, so it does locally."""
    answers["/items/{id}"] = {"statusCode": 200, "isBase64Encoded": True, "body": PNG,
                              "headers": {"Content-Type": "image/png"}}
    response = gateway.handle(HttpRequest("GET", "/items/1", "", [("Accept", "image/png")]))
    assert response.status == 200 and response.body == PNG.encode()


def test_the_gateway_decodes_for_declared_binary_media_types(answers):
    template = probe_template(BinaryMediaTypes=["image~1png"])
    gateway = Gateway(template, FunctionHost(template))
    answers["/items/{id}"] = {"statusCode": 200, "isBase64Encoded": True, "body": PNG}
    response = gateway.handle(HttpRequest("GET", "/items/1", "", [("Accept", "image/png")]))
    assert response.body == b"\x89PNG\r\n"


# ---- 3. malformed Lambda responses ----------------------------------------------------------------------------

@pytest.mark.parametrize("result", [
    None,
    "a string",
    {"statusCode": 200, "body": "x", "extra": 1},  # unknown top-level key
    {"statusCode": 200, "body": {"a": 1}},  # body must be a string
    {"statusCode": 200, "body": 5},
    {"statusCode": 200, "multiValueHeaders": {"Set-Cookie": "a=1"}},  # values must be lists
    {"statusCode": 200, "headers": {"X-Count": 3}},  # header values: strings or booleans
    {"statusCode": 200, "headers": {"X-Obj": {"a": 1}}},
    {"statusCode": 200, "headers": ["X-A", "1"]},
    {"statusCode": "abc"},
    {"statusCode": 99},
    {"statusCode": 200, "isBase64Encoded": "true"},
    {"statusCode": 200, "body": "@@", "isBase64Encoded": True},  # decoded only if the client accepts binary
])
def test_malformed_proxy_responses_are_502(gateway, answers, result):
    """AWS answers 502 {"message": "Internal server error"} ("Malformed Lambda proxy response") when the output is
    not { "isBase64Encoded": bool, "statusCode": number, "headers": {...}, "multiValueHeaders": {...},
    "body": "..." }: Lambda proxy output format in set-up-lambda-proxy-integrations.html; SAM CLI's
    _invalid_apig_response_keys allows only those five keys; LocalStack's _is_lambda_response_valid (AWS-validated)
    also refuses header values that are not str/bool and a statusCode that int() refuses."""
    answers["/items/{id}"] = result
    request = HttpRequest("GET", "/items/1", "", [("Accept", "image/png")])
    if result == {"statusCode": 200, "body": "@@", "isBase64Encoded": True}:
        gateway.binary_media_types = ["image/png"]
    response = gateway.handle(request)
    assert response.status == 502 and response.json() == {"message": "Internal server error"}


@pytest.mark.parametrize("result,status,body", [
    ({}, 200, b""),  # every key is optional; statusCode defaults to 200
    ({"body": "hi"}, 200, b"hi"),
    ({"statusCode": "201", "body": "made"}, 201, b"made"),  # a numeric string is accepted
    ({"statusCode": 204, "body": None}, 204, b""),
    ({"statusCode": 200, "headers": {"X-Flag": True}}, 200, b""),  # booleans are sent as true/false
])
def test_what_aws_accepts_is_accepted(result, status, body):
    """LocalStack's parse_lambda_response: "none of the lambda response fields are mandatory", statusCode passes
    int(); SAM CLI defaults statusCode to 200. Boolean header values become "true"/"false" (LocalStack
    serialize_header)."""
    response = proxy_response(result)
    assert response.status == status and response.body == body
    if "headers" in result:
        assert response.header("X-Flag") == "true"


def test_headers_and_multi_value_headers_merge():
    """AWS: "If you specify values for both headers and multiValueHeaders, API Gateway merges them into a single
    list. If the same key-value pair is specified in both, only the values from multiValueHeaders will appear in
    the merged list" (set-up-lambda-proxy-integrations.html; SAM CLI _merge_response_headers)."""
    response = proxy_response({"statusCode": 200, "headers": {"Set-Cookie": "b=2", "X-One": "1"},
                               "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Two": ["2", "3"]}})
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert [v for k, v in response.headers if k == "X-Two"] == ["2", "3"]
    assert response.header("X-One") == "1"
    assert response.header("Content-Type") == "application/json"  # API Gateway's default


# ---- 4. timeouts and sizes ------------------------------------------------------------------------------------

def test_a_handler_past_its_timeout_is_a_502(gateway, released):
    """Lambda stops a function at its Timeout ("Task timed out after 1.00 seconds", Lambda developer guide,
    configuration-timeout.html); API Gateway answers that function error with 502 Internal server error."""
    started = time.monotonic()
    response = gateway.handle(HttpRequest("POST", "/slow"))
    assert response.status == 502 and response.json() == {"message": "Internal server error"}
    assert 0.9 < time.monotonic() - started < 3


def test_the_host_reports_a_timeout_as_lambda_does(released):
    template = probe_template()
    host = FunctionHost(template)
    with pytest.raises(FunctionTimeout) as caught:
        host.invoke("SlowFunction", {})
    assert caught.value.error_type == "Sandbox.Timedout"
    assert caught.value.error_message == "Task timed out after 1.00 seconds"


def test_the_integration_timeout_is_a_504(gateway, released):
    """API Gateway waits 29 s for an integration (quotas, limits.html, "Integration timeout"), then answers 504
    {"message": "Endpoint request timed out"} (gateway response INTEGRATION_TIMEOUT) even if the function's own
    Timeout is longer. The limit is shortened here so the test is quick."""
    gateway.integration_timeout = 0.3
    response = gateway.handle(HttpRequest("POST", "/patient"))
    assert response.status == 504 and response.json() == {"message": "Endpoint request timed out"}
    assert response.header("x-amzn-ErrorType") == "INTEGRATION_TIMEOUT"


def test_a_request_over_10_mb_is_refused_by_the_gateway(gateway, answers):
    """API Gateway REST quotas: "Payload size 10 MB", not increasable (limits.html); the answer is 413 (gateway
    response REQUEST_TOO_LARGE, "Request Too Long"). The function is not called."""
    answers["/items/{id}"] = lambda event: pytest.fail("must not be invoked")
    response = gateway.handle(HttpRequest("POST", "/items/1", "", [("Content-Type", "text/plain")],
                                          b"a" * (10 * MB + 1)))
    assert response.status == 413 and response.json() == {"message": "Request Too Long"}


def test_an_event_over_6_mb_is_refused_by_lambda(gateway, answers):
    """Lambda quotas: invocation payload 6 MB for a synchronous request (gettingstarted-limits.html); Lambda refuses
    it (RequestEntityTooLargeException, 413) and API Gateway answers 413. Under 10 MB, so the gateway passes it."""
    answers["/items/{id}"] = lambda event: pytest.fail("must not be invoked")
    response = gateway.handle(HttpRequest("POST", "/items/1", "", [("Content-Type", "text/plain")], b"a" * (7 * MB)))
    assert response.status == 413
    with pytest.raises(PayloadTooLarge):
        gateway.host.invoke("ProbeFunction", {"body": "a" * (6 * MB)})


def test_a_response_over_6_mb_is_a_502(gateway, answers):
    """Lambda quotas: 6 MB for the response of a synchronous invocation; Lambda reports
    Function.ResponseSizeTooLarge, a function error, so API Gateway answers 502."""
    answers["/items/{id}"] = {"statusCode": 200, "body": "a" * (6 * MB)}
    assert gateway.handle(HttpRequest("GET", "/items/1")).status == 502
    with pytest.raises(FunctionError) as caught:
        gateway.host.invoke("ProbeFunction", {"resource": "/items/{id}"})
    assert caught.value.error_type == "Function.ResponseSizeTooLarge"


# ---- 5. paths -------------------------------------------------------------------------------------------------

def test_percent_escapes_stay_in_path_and_path_parameters(gateway):
    """LocalStack's InvocationRequestParser._enrich_with_raw_path: "Base path is not URL-decoded, so we need to get
    the RAW_URI" — API Gateway matches and passes the path as sent: `path` and `pathParameters` keep their escapes
    and %2F stays inside one segment."""
    request = request_from_wsgi({"REQUEST_METHOD": "POST", "PATH_INFO": "/items/a+b c/d",
                                 "RAW_URI": "/items/a+b%20c%2Fd?x=1", "QUERY_STRING": "x=1"})
    assert request.path == "/items/a+b%20c%2Fd"
    event = seen_event(gateway, request)
    assert event["path"] == "/items/a+b%20c%2Fd" and event["pathParameters"] == {"id": "a+b%20c%2Fd"}
    assert event["requestContext"]["path"] == "/test/items/a+b%20c%2Fd"


def test_an_escaped_slash_does_not_split_the_route():
    routes = compile_routes([Route("GET", "/items/{id}", "Items", None), Route("GET", "/items/{id}/parts", "P", None)])
    assert match_route(routes, "GET", "/items/a%2Fparts") == (routes[0].route, {"id": "a%2Fparts"})
    assert match_route(routes, "GET", "/items/a/b") is None


def test_utf8_paths_arrive_as_sent():
    request = request_from_wsgi({"REQUEST_METHOD": "GET", "RAW_URI": "/items/%E6%96%87".encode().decode("latin-1")})
    assert request.path == "/items/%E6%96%87"


# ---- 6. each function sees only its own environment -------------------------------------------------------------

def whoami(gateway: Gateway, name: str) -> dict:
    response = gateway.handle(HttpRequest("GET", f"/whoami/{name}"))
    assert response.status == 200, response.body
    return response.json()


def test_a_function_sees_its_variables_globals_and_the_lambda_runtimes_only(gateway, monkeypatch):
    """Lambda gives a function the variables its configuration declares (SAM: the function's Environment merged
    over Globals) plus the runtime's reserved ones (configuration-envvars.html#configuration-envvars-runtime:
    AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, _HANDLER, the role's credentials...).
    Nothing from the machine it runs on, nor another function's variables."""
    monkeypatch.setenv("UNDECLARED_ON_THIS_MACHINE", "1")
    seen = whoami(gateway, "health")
    environ = seen["environ"]
    assert environ["WHO"] == "health" and environ["STAGE"] == "test"
    assert environ["AWS_LAMBDA_FUNCTION_NAME"] == seen["function"] == "support-desk-local-HealthFunction"
    assert environ["AWS_REGION"] == "us-east-1" and environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert environ["_HANDLER"] == "lambda_probe.environment"
    assert "UNDECLARED_ON_THIS_MACHINE" not in environ and "TICKETS_TABLE" not in environ
    assert set(environ) <= {"WHO", "STAGE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME",
                            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
                            "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
                            "AWS_EXECUTION_ENV", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER", "LANG", "TZ",
                            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
                            "PATH"}
    assert os.environ["UNDECLARED_ON_THIS_MACHINE"] == "1"  # outside an invoke, the process's own environment


def test_settings_are_per_function_so_a_missing_variable_shows(gateway):
    """The shared layer caches Settings once per container; a function that does not declare TICKETS_TABLE must not
    get it from another function that ran first in the same process (in AWS they never share a container)."""
    assert whoami(gateway, "tickets")["tickets_table"] == "Tickets"
    assert whoami(gateway, "health")["tickets_table"] == ""


def test_concurrent_invokes_of_different_functions_each_see_their_own(gateway, monkeypatch):
    """The API server is threaded: two functions running at the same moment still see one environment each."""
    monkeypatch.setattr(lambda_probe, "rendezvous", [threading.Barrier(2)])
    results: dict[str, dict] = {}
    threads = [threading.Thread(target=lambda n=name: results.__setitem__(n, whoami(gateway, n)))
               for name in ("tickets", "health")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results["tickets"]["environ"]["WHO"] == "tickets" and results["tickets"]["tickets_table"] == "Tickets"
    assert results["health"]["environ"]["WHO"] == "health" and results["health"]["tickets_table"] == ""


# ---- 7. headers, request ids, throttling ----------------------------------------------------------------------

def test_header_names_keep_the_clients_case_and_repeats_are_multi_value(gateway):
    """The proxy event's headers/multiValueHeaders carry the names as sent; for a repeated header `headers` holds
    the last value and `multiValueHeaders` all of them ("Support for multi-value headers and query string
    parameters", set-up-lambda-proxy-integrations.html). Werkzeug's HTTP_* keys lose the case, so the local server
    passes the raw headers (local.raw_headers)."""
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": "/items/1", "HTTP_X_CUSTOM_THING": "ignored",
               "local.raw_headers": [("X-Custom-Thing", "1"), ("x-lower-case", "2"), ("X-Repeat", "a"),
                                     ("X-Repeat", "b")]}
    event = seen_event(gateway, request_from_wsgi(environ))
    assert event["headers"] == {"X-Custom-Thing": "1", "x-lower-case": "2", "X-Repeat": "b"}
    assert event["multiValueHeaders"]["X-Repeat"] == ["a", "b"]
    assert event["multiValueHeaders"]["x-lower-case"] == ["2"]


def test_every_answer_carries_a_request_id(gateway, answers):
    """API Gateway puts x-amzn-RequestId on every response, from the integration or its own."""
    answers["/items/{id}"] = {"statusCode": 200, "body": "ok"}
    ok = gateway.handle(HttpRequest("GET", "/items/1"))
    unknown = gateway.handle(HttpRequest("GET", "/nowhere"))
    answers["/items/{id}"] = {"statusCode": 200, "body": {}}
    bad = gateway.handle(HttpRequest("GET", "/items/1"))
    ids = [r.header("x-amzn-RequestId") for r in (ok, unknown, bad)]
    assert all(ids) and len(set(ids)) == 3
    assert [r.status for r in (ok, unknown, bad)] == [200, 403, 502]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_method_settings_throttle_with_a_token_bucket(answers):
    """Stage MethodSettings ThrottlingRateLimit/ThrottlingBurstLimit apply per method; API Gateway uses the token
    bucket algorithm ("Throttle requests to your REST APIs", api-gateway-request-throttling.html) and answers 429
    with the THROTTLED gateway response ({"message": "Too Many Requests"} unless customized)."""
    template = probe_template(MethodSettings=[{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 1,
                                               "ThrottlingBurstLimit": 2}])
    clock = FakeClock()
    gateway = Gateway(template, FunctionHost(template), clock=clock)
    answers["/items/{id}"] = {"statusCode": 200, "body": "ok"}
    statuses = [gateway.handle(HttpRequest("GET", "/items/1")).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = gateway.handle(HttpRequest("GET", "/items/1"))
    assert throttled.json() == {"message": "Too Many Requests"} and throttled.header("x-amzn-RequestId")
    assert gateway.handle(HttpRequest("POST", "/items/1")).status == 200  # another method, its own bucket
    clock.now += 1.0
    assert gateway.handle(HttpRequest("GET", "/items/1")).status == 200


def test_the_templates_throttling_and_its_429_body():
    """template.yaml: MethodSettings "/*" "*" from ApiThrottleRate/ApiThrottleBurst, and a THROTTLED gateway
    response with the product's error code."""
    template = Template()
    gateway = Gateway(template, FunctionHost(template))
    assert throttle_limits(gateway.method_settings, Route("GET", "/health", "HealthFunction", None)) == (200.0, 400)
    response = gateway.gateway_response("THROTTLED", "req-1")
    assert response.status == 429 and response.json()["error"]["code"] == "rate_limited"


def test_the_most_specific_method_setting_wins():
    settings = [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 10},
                {"ResourcePath": "/~1auth~1login", "HttpMethod": "POST", "ThrottlingRateLimit": 5,
                 "ThrottlingBurstLimit": 2}]
    assert throttle_limits(settings, Route("POST", "/auth/login", "F", None)) == (5.0, 2)
    assert throttle_limits(settings, Route("GET", "/auth/login", "F", None)) == (100.0, 10)
    assert throttle_limits([], Route("GET", "/x", "F", None)) is None


def test_a_token_bucket_refills_at_its_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=1, clock=clock)
    assert bucket.take() and not bucket.take()
    clock.now += 0.5
    assert bucket.take() and not bucket.take()


def test_lambda_passes_json_not_python_objects(gateway, answers):
    """Lambda serializes the event and the result as JSON: a result that is not JSON is a function error
    (Runtime.MarshalError), i.e. a 502 behind API Gateway."""
    answers["/items/{id}"] = {"statusCode": 200, "body": json.dumps({"a": 1}), "headers": {"X-Set": "x"}}
    assert gateway.handle(HttpRequest("GET", "/items/1")).json() == {"a": 1}
    answers["/items/{id}"] = lambda event: {"statusCode": 200, "body": object()}
    assert gateway.handle(HttpRequest("GET", "/items/1")).status == 502


def test_the_local_server_passes_header_names_as_sent():
    """Werkzeug's WSGI environ upper-cases header names (HTTP_X_CUSTOM) and joins repeats; RawHeadersRequestHandler
    also hands the gateway the headers as the client sent them. Built without a socket."""
    import http.client
    import io
    from types import SimpleNamespace

    from local.gateway import RawHeadersRequestHandler

    handler = RawHeadersRequestHandler.__new__(RawHeadersRequestHandler)
    handler.server = SimpleNamespace(ssl_context=None, multithread=True, multiprocess=False,
                                     server_address=("127.0.0.1", 3000))
    handler.client_address = ("203.0.113.9", 5555)
    handler.rfile, handler.connection = io.BytesIO(b""), None
    handler.command, handler.path, handler.request_version = "GET", "/items/a%2Fb?x=1", "HTTP/1.1"
    handler.headers = http.client.parse_headers(io.BytesIO(b"X-Mixed-Case: 1\r\nX-Rep: a\r\nX-Rep: b\r\n\r\n"))
    request = request_from_wsgi(handler.make_environ())
    assert request.headers == [("X-Mixed-Case", "1"), ("X-Rep", "a"), ("X-Rep", "b")]
    assert request.path == "/items/a%2Fb" and request.query_string == "x=1" and request.source_ip == "203.0.113.9"
