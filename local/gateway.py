"""A small API Gateway (REST, Lambda proxy) for the local stack: a WSGI app whose routes, authorizer, CORS and
gateway responses are read from template.yaml, invoking the functions in this process.

What it reproduces: route matching on the raw path (literal segments before {params}, {proxy+} last; percent-escapes
kept, so %2F never splits a segment), the proxy event (bodies as text unless the Api's BinaryMediaTypes match the
Content-Type, header names as the client sent them) and response format (validated as API Gateway does: anything
else is a 502; base64 bodies decoded only when BinaryMediaTypes match the client's first Accept type), the TOKEN
authorizer (missing header -> 401 without calling it, "Unauthorized" -> 401, Deny -> 403, other failures -> 500,
Allow -> principalId and context in requestContext.authorizer), GatewayResponses (unknown routes are
MISSING_AUTHENTICATION_TOKEN), CORS preflight from the Api's Cors, MethodSettings throttling (token bucket per
method -> 429 THROTTLED), the 10 MB request limit and Lambda's 6 MB (413), the function's Timeout (502) and the
29 s integration timeout (504), and x-amzn-RequestId on every answer. docs/architecture.md lists what it does not.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from werkzeug.serving import WSGIRequestHandler

from local.lambdas import FunctionError, FunctionHost, InvocationAbandoned, PayloadTooLarge
from local.template import ACCOUNT_ID, REGION, Route, Template

API_ID = "local"
# API Gateway quotas (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html): 10 MB payload,
# 29 s integration timeout (the default; a Regional REST API may ask for more, this template does not).
PAYLOAD_LIMIT = 10 * 1024 * 1024
INTEGRATION_TIMEOUT = 29.0
RESPONSE_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}

# API Gateway's own answers when the template does not customize a gateway response.
DEFAULT_GATEWAY_RESPONSES: dict[str, tuple[int, dict[str, str | None]]] = {
    "UNAUTHORIZED": (401, {"message": "Unauthorized"}),
    "ACCESS_DENIED": (403, {"Message": "User is not authorized to access this resource with an explicit deny"}),
    "MISSING_AUTHENTICATION_TOKEN": (403, {"message": "Missing Authentication Token"}),
    "AUTHORIZER_FAILURE": (500, {"message": None}),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, {"message": None}),
    "BAD_GATEWAY": (502, {"message": "Internal server error"}),  # a Lambda error or malformed answer (DEFAULT_5XX)
    "THROTTLED": (429, {"message": "Too Many Requests"}),
    "REQUEST_TOO_LARGE": (413, {"message": "Request Too Long"}),
    "INTEGRATION_TIMEOUT": (504, {"message": "Endpoint request timed out"}),
}


@dataclass
class HttpRequest:
    """What the gateway needs from an HTTP request (built from WSGI, or directly in unit tests)."""

    method: str
    path: str
    query_string: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # in arrival order, repeated names allowed
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body)


# ---- routes ---------------------------------------------------------------------------------------------------

_PARAM = re.compile(r"^\{([A-Za-z0-9_.-]+)(\+?)\}$")


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern
    names: tuple[str, ...]
    rank: tuple  # sorts the most specific resource first, as API Gateway picks it

    @classmethod
    def of(cls, route: Route) -> "CompiledRoute":
        parts: list[str] = []
        names: list[str] = []
        rank: list[int] = []
        for segment in route.path.strip("/").split("/") if route.path != "/" else []:
            match = _PARAM.match(segment)
            if not match:
                parts.append(re.escape(segment))
                rank.append(0)
            elif match.group(2):  # {proxy+}: one or more segments
                parts.append(f"(?P<p{len(names)}>.+)")
                names.append(match.group(1))
                rank.append(2)
            else:
                parts.append(f"(?P<p{len(names)}>[^/]+)")
                names.append(match.group(1))
                rank.append(1)
        pattern = re.compile("^/" + "/".join(parts) + "/?$") if parts else re.compile("^/?$")
        return cls(route, pattern, tuple(names), (tuple(rank), route.method == "ANY"))


def compile_routes(routes: list[Route]) -> list[CompiledRoute]:
    return sorted((CompiledRoute.of(r) for r in routes), key=lambda c: c.rank)


def match_route(routes: list[CompiledRoute], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for METHOD path (and its path parameters), or None: API Gateway answers None with
    MISSING_AUTHENTICATION_TOKEN, also for a known path with another method."""
    for compiled in routes:
        if compiled.route.method not in (method.upper(), "ANY"):
            continue
        match = compiled.pattern.match(path)
        if match:
            return compiled.route, {name: match.group(f"p{i}") for i, name in enumerate(compiled.names)}
    return None


def resources_matching(routes: list[CompiledRoute], path: str) -> list[Route]:
    """Routes of the most specific resource matching `path`, whatever their method (for CORS preflight)."""
    matching = [c for c in routes if c.pattern.match(path)]
    if not matching:
        return []
    best = matching[0].route.path
    return [c.route for c in matching if c.route.path == best]


# ---- events ---------------------------------------------------------------------------------------------------


def is_binary_media(media_type: str | None, binary_media_types: list[str] | tuple[str, ...]) -> bool:
    """Whether a media type (a Content-Type or one Accept entry; parameters ignored) is one of the Api's
    BinaryMediaTypes. Patterns may use * and are written with ~1 for / in SAM/CloudFormation."""
    media = (media_type or "").split(";")[0].strip().lower()
    return bool(media) and any(
        fnmatch.fnmatchcase(media, pattern.replace("~1", "/").lower()) for pattern in binary_media_types
    )


def first_accept(accept: str | None) -> str | None:
    """The client's first Accept type, which API Gateway uses to decide whether to send binary."""
    first = (accept or "").split(",")[0].split(";")[0].strip()
    return first or None


def build_event(
    request: HttpRequest,
    route: Route,
    path_parameters: dict[str, str],
    stage: str,
    *,
    request_id: str | None = None,
    now: datetime | None = None,
    binary_media_types: tuple[str, ...] | list[str] = (),
    authorizer: dict | None = None,
) -> dict:
    """The API Gateway REST proxy event (payload format 1.0) for a request that matched `route`."""
    now = now or datetime.now(timezone.utc)
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    pairs = parse_qsl(request.query_string, keep_blank_values=True)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    if not request.body:
        body, encoded = None, False
    elif is_binary_media(request.header("Content-Type"), binary_media_types):
        body, encoded = base64.b64encode(request.body).decode("ascii"), True
    else:  # text, whatever the bytes are: bytes that are not UTF-8 arrive mangled, as in AWS
        body, encoded = request.body.decode("utf-8", errors="replace"), False
    host = request.header("Host") or "127.0.0.1"
    context: dict[str, Any] = {
        "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, route.path).hex[:6],
        "resourcePath": route.path,
        "httpMethod": request.method.upper(),
        "extendedRequestId": base64.b64encode(uuid.uuid4().bytes)[:16].decode("ascii"),
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{stage}{request.path}",
        "accountId": ACCOUNT_ID,
        "protocol": "HTTP/1.1",
        "stage": stage,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "requestId": request_id or str(uuid.uuid4()),
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("User-Agent"),
            "user": None,
        },
        "domainName": host.split(":")[0],
        "apiId": API_ID,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method.upper(),
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": encoded,
    }


def method_arn(stage: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{stage}/{method.upper()}{path}"


def policy_allows(policy: dict, arn: str) -> bool:
    """IAM evaluation of the authorizer's policy for execute-api:Invoke on `arn`: an explicit Deny wins, then an
    Allow must match."""
    statements = (policy.get("policyDocument") or {}).get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]

    def matches(statement: dict) -> bool:
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        action_ok = any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions)
        return action_ok and any(fnmatch.fnmatchcase(arn, r) for r in resources)

    if any(s.get("Effect") == "Deny" and matches(s) for s in statements):
        return False
    return any(s.get("Effect") == "Allow" and matches(s) for s in statements)


def authorizer_context(policy: dict, latency_ms: int) -> dict:
    """requestContext.authorizer as REST APIs pass it: principalId plus the context map, values as strings."""
    context: dict[str, Any] = {}
    for key, value in (policy.get("context") or {}).items():
        if isinstance(value, (dict, list)):
            raise ValueError(f"authorizer context value {key!r} must be a string, number or boolean")
        context[key] = (
            ("true" if value else "false")
            if isinstance(value, bool)
            else value
            if isinstance(value, str)
            else str(value)
        )
    return {**context, "principalId": policy["principalId"], "integrationLatency": latency_ms}


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    raise ValueError(f"header value {value!r} is not a string or boolean")


def proxy_response(
    result: Any, accept: str | None = None, binary_media_types: list[str] | tuple[str, ...] = ()
) -> HttpResponse:
    """Turn a Lambda proxy result into HTTP as API Gateway does; raises ValueError for what it answers with 502.

    Every key is optional (statusCode defaults to 200 and may be a numeric string); any other key, a body that is
    not a string, header values that are not strings or booleans, or multiValueHeaders values that are not lists
    are malformed. headers and multiValueHeaders merge, a pair present in both appearing once. A base64 body is
    decoded only when BinaryMediaTypes match the client's first Accept type; otherwise the base64 text is sent."""
    if not isinstance(result, dict):
        raise ValueError("a Lambda proxy response is a JSON object")
    unknown = set(result) - RESPONSE_KEYS
    if unknown:
        raise ValueError(f"unknown keys in the Lambda proxy response: {sorted(unknown)}")
    status_code = result.get("statusCode", 200)
    if isinstance(status_code, bool) or not isinstance(status_code, (int, str)):
        raise ValueError("statusCode must be a number")
    try:
        status = int(status_code)
    except ValueError as exc:
        raise ValueError(f"statusCode {status_code!r} is not a number") from exc
    if not 100 <= status <= 599:
        raise ValueError(f"statusCode {status} is not an HTTP status")
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise ValueError("headers and multiValueHeaders must be objects")
    headers: list[tuple[str, str]] = []
    for name, values in multi.items():
        if not isinstance(values, list):
            raise ValueError(f"multiValueHeaders[{name!r}] must be a list")
        headers.extend((name, _header_value(v)) for v in values)
    for name, value in single.items():
        value = _header_value(value)
        if (name, value) not in headers:
            headers.append((name, value))
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise ValueError("body must be a string")
    encoded = result.get("isBase64Encoded", False)
    if not isinstance(encoded, bool):
        raise ValueError("isBase64Encoded must be a boolean")
    if encoded and body and is_binary_media(first_accept(accept), binary_media_types):
        try:
            data = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise ValueError("isBase64Encoded body is not base64") from exc
    else:
        data = (body or "").encode("utf-8")
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, data)


class TokenBucket:
    """API Gateway's throttling: `burst` requests at once, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = float(rate), int(burst), clock
        self.tokens = float(burst)
        self.updated = clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self.clock()
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


def throttle_limits(method_settings: list[dict], route: Route) -> tuple[float, int] | None:
    """(rate, burst) for a method from the stage's MethodSettings: the entry naming the method wins over
    wildcards (ResourcePath "/*", HttpMethod "*"); after the leading "/", paths are written with ~1 for /."""
    best: tuple[int, dict] | None = None
    for entry in method_settings or []:
        path = str(entry.get("ResourcePath", "/*"))
        path = path if path == "/*" else path[1:].replace("~1", "/")  # "/~1auth~1login" is /auth/login
        method = str(entry.get("HttpMethod", "*")).upper()
        if path not in ("/*", route.path) or method not in ("*", route.method):
            continue
        if "ThrottlingRateLimit" not in entry and "ThrottlingBurstLimit" not in entry:
            continue
        specificity = (path != "/*") * 2 + (method != "*")
        if best is None or specificity > best[0]:
            best = (specificity, entry)
    if best is None:
        return None
    entry = best[1]
    return float(entry.get("ThrottlingRateLimit", 10000)), int(entry.get("ThrottlingBurstLimit", 5000))


def _literal(value: Any) -> str:
    """Gateway/CORS header values are mapping expressions: a static value is single-quoted."""
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


# ---- the gateway ----------------------------------------------------------------------------------------------

DevRoutes = Callable[[HttpRequest], "HttpResponse | None"]


class Gateway:
    integration_timeout = INTEGRATION_TIMEOUT
    payload_limit = PAYLOAD_LIMIT

    def __init__(
        self,
        template: Template,
        host: FunctionHost,
        dev_routes: DevRoutes | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.template = template
        self.host = host
        self.dev_routes = dev_routes
        self.api_id = template.api_logical_id()
        api = template.api_properties(self.api_id)
        self.stage = str(api.get("StageName", "Prod"))
        self.routes = compile_routes(template.routes())
        self.binary_media_types = list(api.get("BinaryMediaTypes", []))
        self.cors = api.get("Cors")
        self.gateway_responses = api.get("GatewayResponses", {})
        self.authorizers = (api.get("Auth") or {}).get("Authorizers", {})
        self.method_settings = list(api.get("MethodSettings") or [])
        self.clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket | None] = {}
        self._buckets_lock = threading.Lock()

    def throttled(self, route: Route) -> bool:
        key = (route.method, route.path)
        with self._buckets_lock:
            if key not in self._buckets:
                limits = throttle_limits(self.method_settings, route)
                self._buckets[key] = TokenBucket(*limits, clock=self.clock) if limits else None
            bucket = self._buckets[key]
        return bucket is not None and not bucket.take()

    # WSGI entry point
    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        response = self.handle(request_from_wsgi(environ))
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = "Unknown"
        start_response(f"{response.status} {reason}", response.headers + [("Content-Length", str(len(response.body)))])
        return [response.body]

    def handle(self, request: HttpRequest) -> HttpResponse:
        if self.dev_routes is not None:
            answer = self.dev_routes(request)
            if answer is not None:
                return answer
        request_id = str(uuid.uuid4())
        response = self._handle(request, request_id)
        if response.header("x-amzn-RequestId") is None:
            response.headers.append(("x-amzn-RequestId", request_id))
        return response

    def _handle(self, request: HttpRequest, request_id: str) -> HttpResponse:
        if len(request.body) > self.payload_limit:
            return self.gateway_response("REQUEST_TOO_LARGE", request_id)
        matched = match_route(self.routes, request.method, request.path)
        if matched is None:
            if request.method.upper() == "OPTIONS" and self.cors:
                preflight = self.preflight(request.path)
                if preflight is not None:
                    return preflight
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", request_id)
        route, path_parameters = matched
        if self.throttled(route):
            return self.gateway_response("THROTTLED", request_id)
        authorizer = None
        if route.authorizer:
            outcome = self.authorize(route, request, request_id)
            if isinstance(outcome, HttpResponse):
                return outcome
            authorizer = outcome
        event = build_event(
            request,
            route,
            path_parameters,
            self.stage,
            request_id=request_id,
            binary_media_types=self.binary_media_types,
            authorizer=authorizer,
        )
        try:
            result = self.host.invoke(route.function, event, wait=self.integration_timeout)
            return proxy_response(result, request.header("Accept"), self.binary_media_types)
        except PayloadTooLarge:
            return self.gateway_response("REQUEST_TOO_LARGE", request_id)
        except InvocationAbandoned:
            return self.gateway_response("INTEGRATION_TIMEOUT", request_id)
        except (FunctionError, ValueError):
            return self.gateway_response("BAD_GATEWAY", request_id)

    def authorize(self, route: Route, request: HttpRequest, request_id: str) -> dict | HttpResponse:
        spec = self.authorizers[route.authorizer]
        identity = spec.get("Identity") or {}
        token = request.header(identity.get("Header", "Authorization"))
        if not token:
            return self.gateway_response("UNAUTHORIZED", request_id)
        validation = identity.get("ValidationExpression")
        if validation and not re.fullmatch(validation, token):
            return self.gateway_response("UNAUTHORIZED", request_id)
        arn = method_arn(self.stage, request.method, request.path)
        started = time.monotonic()
        function = self.template.function_for_arn(str(spec["FunctionArn"]))
        if function is None:
            raise LookupError(f"authorizer function {spec['FunctionArn']} is not in the template")
        try:
            policy = self.host.invoke(
                function,
                {"type": "TOKEN", "authorizationToken": token, "methodArn": arn},
                wait=self.integration_timeout,
            )
        except (InvocationAbandoned, PayloadTooLarge):
            return self.gateway_response("AUTHORIZER_FAILURE", request_id)
        except FunctionError as error:
            kind = "UNAUTHORIZED" if error.error_message == "Unauthorized" else "AUTHORIZER_FAILURE"
            return self.gateway_response(kind, request_id)
        if not isinstance(policy, dict) or "principalId" not in policy or "policyDocument" not in policy:
            return self.gateway_response("AUTHORIZER_CONFIGURATION_ERROR", request_id)
        if not policy_allows(policy, arn):
            return self.gateway_response("ACCESS_DENIED", request_id)
        try:
            return authorizer_context(policy, int((time.monotonic() - started) * 1000))
        except ValueError:
            return self.gateway_response("AUTHORIZER_CONFIGURATION_ERROR", request_id)

    def preflight(self, path: str) -> HttpResponse | None:
        """The OPTIONS mock integration SAM adds to every resource when the Api has Cors."""
        routes = resources_matching(self.routes, path)
        if not routes:
            return None
        cors = self.cors if isinstance(self.cors, dict) else {"AllowOrigin": self.cors}
        methods = cors.get("AllowMethods") or "'" + ",".join(sorted({r.method for r in routes} | {"OPTIONS"})) + "'"
        headers = [
            ("Access-Control-Allow-Origin", _literal(cors["AllowOrigin"])),
            ("Access-Control-Allow-Methods", _literal(methods)),
        ]
        if cors.get("AllowHeaders"):
            headers.append(("Access-Control-Allow-Headers", _literal(cors["AllowHeaders"])))
        if cors.get("MaxAge") is not None:
            headers.append(("Access-Control-Max-Age", _literal(cors["MaxAge"])))
        if cors.get("AllowCredentials"):
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return HttpResponse(200, headers + [("Content-Type", "application/json")], b"{}")

    def gateway_response(self, kind: str, request_id: str) -> HttpResponse:
        status, default_body = DEFAULT_GATEWAY_RESPONSES[kind]
        family = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        spec = self.gateway_responses.get(kind) or self.gateway_responses.get(family) or {}
        status = int(spec.get("StatusCode", status))
        headers = [(k, _literal(v)) for k, v in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items()]
        template = (spec.get("ResponseTemplates") or {}).get("application/json")
        if template:
            body = template.replace("$context.requestId", request_id).replace(
                "$context.error.messageString", json.dumps(default_body.get("message") or kind)
            )
        else:
            body = json.dumps(default_body)
        headers += [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", kind)]
        return HttpResponse(status, headers, body.encode("utf-8"))


class RawHeadersRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, also passing the headers as the client sent them (names in their case, repeated
    names kept), which WSGI's HTTP_* keys lose."""

    def make_environ(self) -> dict:
        environ = super().make_environ()
        environ["local.raw_headers"] = list(self.headers.items())
        return environ


def request_from_wsgi(environ: dict) -> HttpRequest:
    if "local.raw_headers" in environ:
        headers = list(environ["local.raw_headers"])
    else:  # another WSGI server: names rebuilt from HTTP_* keys, repeated headers already joined
        headers = []
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers.append(("-".join(part.capitalize() for part in key[5:].split("_")), value))
        if environ.get("CONTENT_TYPE"):
            headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        body = environ["wsgi.input"].read(length)
    elif environ.get("wsgi.input_terminated"):  # chunked request body: the server ends the stream for us
        body = environ["wsgi.input"].read()
    else:
        body = b""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:  # the path as sent, percent-escapes kept (API Gateway does not decode it)
        path = urlsplit(raw).path if not raw.startswith("//") else "/" + raw.split("?")[0].lstrip("/")
    else:  # PATH_INFO is already decoded
        path = environ.get("PATH_INFO") or "/"
    # WSGI carries the path as latin-1; undo that to get the UTF-8 path API Gateway would see.
    path = path.encode("latin-1").decode("utf-8", errors="replace") or "/"
    return HttpRequest(
        environ["REQUEST_METHOD"],
        path,
        environ.get("QUERY_STRING", ""),
        headers,
        body,
        environ.get("REMOTE_ADDR", "127.0.0.1"),
    )
