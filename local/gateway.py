"""A small API Gateway (REST, Lambda proxy) for the local stack: a WSGI app whose routes, authorizer, CORS and
gateway responses are read from template.yaml, invoking the functions in this process.

What it reproduces: route matching (literal segments before {params}, {proxy+} last), the proxy event and response
formats, the TOKEN authorizer (missing header -> 401 without calling it, "Unauthorized" -> 401, Deny -> 403, other
failures -> 500, Allow -> principalId and context in requestContext.authorizer), GatewayResponses for 401/403/404
(unknown routes are MISSING_AUTHENTICATION_TOKEN), CORS preflight from the Api's Cors, and a 502 when a handler
raises or answers malformed. What it does not: throttling, request validation, usage plans, authorizer caching
(the template asks for none).
"""
from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Any, Callable
from urllib.parse import parse_qsl

from local.lambdas import FunctionError, FunctionHost
from local.template import ACCOUNT_ID, REGION, Route, Template

API_ID = "local"
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
              "application/x-www-form-urlencoded", "+json", "+xml")

# API Gateway's own answers when the template does not customize a gateway response.
DEFAULT_GATEWAY_RESPONSES: dict[str, tuple[int, dict[str, str | None]]] = {
    "UNAUTHORIZED": (401, {"message": "Unauthorized"}),
    "ACCESS_DENIED": (403, {"Message": "User is not authorized to access this resource with an explicit deny"}),
    "MISSING_AUTHENTICATION_TOKEN": (403, {"message": "Missing Authentication Token"}),
    "AUTHORIZER_FAILURE": (500, {"message": None}),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, {"message": None}),
    "BAD_GATEWAY": (502, {"message": "Internal server error"}),
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

def is_binary(content_type: str | None, body: bytes, binary_media_types: list[str]) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    if media and any(fnmatch.fnmatch(media, pattern.replace("~1", "/").lower()) for pattern in binary_media_types):
        return True
    if media and not any(marker in media for marker in TEXT_TYPES):
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def build_event(request: HttpRequest, route: Route, path_parameters: dict[str, str], stage: str, *,
                request_id: str | None = None, now: datetime | None = None, binary_media_types: tuple[str, ...] | list[str] = (),
                authorizer: dict | None = None) -> dict:
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
    elif is_binary(request.header("Content-Type"), request.body, list(binary_media_types)):
        body, encoded = base64.b64encode(request.body).decode("ascii"), True
    else:
        body, encoded = request.body.decode("utf-8"), False
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
            "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
            "sourceIp": request.source_ip, "principalOrgId": None, "accessKey": None,
            "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None, "userArn": None,
            "userAgent": request.header("User-Agent"), "user": None,
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
        context[key] = ("true" if value else "false") if isinstance(value, bool) else value if isinstance(value, str) else str(value)
    return {**context, "principalId": policy["principalId"], "integrationLatency": latency_ms}


def proxy_response(result: Any) -> HttpResponse:
    """Turn a Lambda proxy result into HTTP; raises ValueError for a malformed one (API Gateway answers 502)."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise ValueError("Lambda proxy response needs an integer statusCode")
    headers: list[tuple[str, str]] = []
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name, str(v)) for v in values)
    for name, value in single.items():
        if name not in multi:
            headers.append((name, str(value)))
    body = result.get("body") or ""
    if result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise ValueError("isBase64Encoded body is not base64") from exc
    else:
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(result["statusCode"], headers, data)


def _literal(value: Any) -> str:
    """Gateway/CORS header values are mapping expressions: a static value is single-quoted."""
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


# ---- the gateway ----------------------------------------------------------------------------------------------

DevRoutes = Callable[[HttpRequest], "HttpResponse | None"]


class Gateway:
    def __init__(self, template: Template, host: FunctionHost, dev_routes: DevRoutes | None = None) -> None:
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
        matched = match_route(self.routes, request.method, request.path)
        if matched is None:
            if request.method.upper() == "OPTIONS" and self.cors:
                preflight = self.preflight(request.path)
                if preflight is not None:
                    return preflight
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", request_id)
        route, path_parameters = matched
        authorizer = None
        if route.authorizer:
            outcome = self.authorize(route, request, request_id)
            if isinstance(outcome, HttpResponse):
                return outcome
            authorizer = outcome
        event = build_event(request, route, path_parameters, self.stage, request_id=request_id,
                            binary_media_types=self.binary_media_types, authorizer=authorizer)
        try:
            return proxy_response(self.host.invoke(route.function, event))
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
            policy = self.host.invoke(function, {"type": "TOKEN", "authorizationToken": token, "methodArn": arn})
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
        headers = [("Access-Control-Allow-Origin", _literal(cors["AllowOrigin"])),
                   ("Access-Control-Allow-Methods", _literal(methods))]
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
            body = (template.replace("$context.requestId", request_id)
                    .replace("$context.error.messageString", json.dumps(default_body.get("message") or kind)))
        else:
            body = json.dumps(default_body)
        headers += [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", kind)]
        return HttpResponse(status, headers, body.encode("utf-8"))


def request_from_wsgi(environ: dict) -> HttpRequest:
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
    path = environ.get("PATH_INFO") or "/"
    # WSGI decodes PATH_INFO as latin-1; undo that to get the UTF-8 path API Gateway would see.
    path = path.encode("latin-1").decode("utf-8", errors="replace")
    return HttpRequest(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""), headers, body,
                       environ.get("REMOTE_ADDR", "127.0.0.1"))
