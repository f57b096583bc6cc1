"""The HTTP edge shared by every API function: one resolver factory, one mapping of errors to responses, and small
helpers to read validated input. Handlers stay thin: parse, call one service function, return."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import TYPE_CHECKING, Any, Callable, Mapping, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.json_encoder import Encoder

from supportdesk import i18n, idempotency
from supportdesk.errors import DomainError, Forbidden, InvalidInput, RateLimited, Unauthorized
from supportdesk.fields import text_value
from supportdesk.observability import logger, metrics
from supportdesk.roles import Caller, Role
from supportdesk.settings import get_settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

JSON = "application/json"


def _event(app: APIGatewayRestResolver | Router) -> APIGatewayProxyEvent:
    """The current request: a REST API proxy event (every resolver of this project is an APIGatewayRestResolver)."""
    return cast("APIGatewayProxyEvent", app.current_event)


def request_language(app: APIGatewayRestResolver | Router) -> str:
    """The caller's language: Accept-Language first, then the language on the caller's account, then default."""
    event = _event(app)
    header = event.headers.get("accept-language") or event.headers.get("Accept-Language")
    default = get_settings().default_language
    if header:
        return i18n.negotiate(header, default)
    authorizer: Mapping[str, Any] = event.request_context.authorizer or {}
    return i18n.normalize_language(authorizer.get("lang"), default)


def json_text(body: Any) -> str:
    """The one JSON style of every answer: UTF-8 as is (Chinese stays readable, no \\u escapes) and a trailing newline,
    so `curl` output ends its line. Also the resolver's serializer, so routes that return a dict look the same."""
    return json.dumps(body, ensure_ascii=False, cls=Encoder) + "\n"


def json_response(
    status: int, body: Any, headers: dict[str, str] | None = None, language: str | None = None
) -> Response:
    all_headers = dict(headers or {})
    if language:
        all_headers["Content-Language"] = language
    return Response(status_code=status, content_type=JSON, body=json_text(body), headers=all_headers)


def error_response(app: APIGatewayRestResolver, error: DomainError) -> Response:
    language = request_language(app)
    message_params = {**error.params}
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
        message_params["retry_after"] = error.retry_after
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    body: dict[str, Any] = {"code": error.code, "message": i18n.message(error.code, language, **message_params)}
    if error.details:
        body["details"] = error.details
    return json_response(error.status, {"error": body}, headers, language)


class StorefrontCORS(CORSConfig):
    """CORS for the storefront's origin only (settings.storefront_origin, the template's StorefrontOrigin).

    With the Lambda proxy integration API Gateway adds nothing to the function's answers: SAM's `Cors` covers only
    the OPTIONS preflight and the gateway's own error responses, so every answer of a handler (2xx, 4xx, 5xx) must
    carry Access-Control-Allow-Origin itself. The origin is read from the settings when a response is built (not at
    import), and a request from any other origin, or without an Origin header, gets no CORS headers at all."""

    def __init__(self) -> None:
        super().__init__(
            allow_origin="", allow_headers=["Accept-Language"], expose_headers=["Retry-After"], max_age=600
        )

    def allowed_origin(self, extracted_origin: str | None) -> str | None:
        allowed = get_settings().storefront_origin
        return extracted_origin if allowed and extracted_origin == allowed else None

    def to_dict(self, origin: str | None) -> dict[str, str]:
        if not origin or self.allowed_origin(origin) is None:
            return {}
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Headers": ",".join(sorted(self.allow_headers)),
            "Access-Control-Expose-Headers": ",".join(self.expose_headers),
            "Vary": "Origin",
        }
        if self.max_age is not None:
            headers["Access-Control-Max-Age"] = str(self.max_age)
        return headers


def create_app() -> APIGatewayRestResolver:
    """A REST (API Gateway v1) resolver with the project's error mapping and CORS installed."""
    app = APIGatewayRestResolver(cors=StorefrontCORS(), serializer=json_text)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        if error.status >= 500:
            logger.exception("domain error", extra={"error_code": error.code})
        else:
            logger.info("request rejected", extra={"error_code": error.code, "status": error.status})
        metrics.add_metric(name=f"Http{error.status // 100}xx", unit="Count", value=1)
        return error_response(app, error)

    @app.exception_handler(json.JSONDecodeError)
    def _bad_json(_: json.JSONDecodeError) -> Response:
        return error_response(app, InvalidInput("invalid_json"))

    @app.not_found
    def _not_found(_: Exception) -> Response:
        return error_response(app, _RouteNotFound())

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:  # the only path to a 5xx: a bug or an outage, never bad input
        logger.exception("unhandled error")
        metrics.add_metric(name="Http5xx", unit="Count", value=1)
        language = request_language(app)
        return json_response(
            500,
            {"error": {"code": "internal_error", "message": i18n.message("internal_error", language)}},
            language=language,
        )

    return app


class _RouteNotFound(DomainError):
    status = 404
    code = "route_not_found"


# ---- reading input ------------------------------------------------------------------------------------------


def request_body(required: list[str], **properties: dict) -> dict[str, dict]:
    """Describe a route's JSON body for the OpenAPI document (pass as `openapi_extensions=`); local/openapi.py turns
    it into the operation's requestBody. Validation itself stays in the handler's parsing (no pydantic at run time)."""
    return {"x-request-body": {"type": "object", "required": required, "properties": properties}}


def form_body(required: list[str], **properties: dict) -> dict[str, dict]:
    """Describe a route's HTML-form body (application/x-www-form-urlencoded) for the OpenAPI document, as
    request_body(...) does for JSON."""
    return {"x-form-body": {"type": "object", "required": required, "properties": properties}}


def responses(success: int, schema: str, errors: dict[int, tuple[str, ...]] | None = None) -> dict[str, dict]:
    """Describe what a route answers for the OpenAPI document, where the route is defined (pass as
    `openapi_extensions=`, joined to request_body(...) with `|`): the success status, the name of its body schema
    (a component of local/openapi.py), and per error status the error codes the route's code can raise. The
    authorizer's 401/403 and API Gateway throttling's 429 are added by local/openapi.py. Runs at import, not per
    request."""
    return {
        "x-responses": {
            "success": success,
            "schema": schema,
            "errors": {str(status): sorted(set(codes)) for status, codes in (errors or {}).items()},
        }
    }


def query(*names: str) -> dict[str, list[str]]:
    """The query parameters a route reads, for the OpenAPI document (described in local/openapi.py)."""
    return {"x-query": list(names)}


def json_body(app: APIGatewayRestResolver | Router) -> dict[str, Any]:
    """The request body as a JSON object; anything else is a 400 with a stable code, never a 500: a body that is not
    UTF-8 (`invalid_encoding`), not JSON, nested deeper than the parser's stack, holding an integer of more than
    4,300 digits or NaN/Infinity (`invalid_json`), or text with unpaired surrogates (`invalid_characters`, they
    cannot be stored, hashed or sent)."""
    event = app.current_event
    raw = event.body
    if raw in (None, ""):
        raise InvalidInput("invalid_json")
    try:
        data = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode("utf-8", "surrogatepass")
        text = data.decode("utf-8")
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise InvalidInput("invalid_encoding") from None
    try:
        body = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):  # JSONDecodeError, int digit limit, NaN/Infinity; nesting too deep
        raise InvalidInput("invalid_json") from None
    if not isinstance(body, dict):
        raise InvalidInput("invalid_json")
    if has_lone_surrogate(body):
        raise InvalidInput("invalid_characters")
    return body


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):  # 1e400 overflows to infinity
        raise ValueError("number out of range")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(value: Any) -> bool:
    """True when any string (key or value) in a parsed JSON document holds an unpaired surrogate. Iterative, so a
    deep document cannot exhaust the stack here either."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


IDEMPOTENCY_HEADER = {
    "x-idempotency-key": "Unique per request (e.g. a UUID). The same key and body replay the first "
    "answer for 24 h; another body under the same key is a 422 idempotency_key_reused."
}


def once_per_key(
    app: APIGatewayRestResolver | Router,
    scope: str,
    owner: str,
    target: dict[str, str],
    write: Callable[[dict[str, Any], str], dict],
    *,
    read_body: Callable[[], dict[str, Any]] | None = None,
) -> Response[dict]:
    """A 202 with the answer of `write(body, key)`, run once per (`scope`, `owner`, Idempotency-Key header) by
    supportdesk.idempotency.run_once: the same key and body (and `target`, e.g. the order id of the path) replay the
    first answer, another body under the key is a 422. The key is read first (400 `idempotency_key_required` /
    `_invalid`), then the body (`read_body`, a JSON object by default). Routes using it document IDEMPOTENCY_HEADER."""
    key = idempotency.parse_key(app.current_event.headers.get("Idempotency-Key"))
    body = read_body() if read_body is not None else json_body(app)
    result = idempotency.run_once(
        scope, key, owner, {**target, "body": body}, lambda _: write(body, key), context=app.lambda_context
    )
    return json_response(202, result)


def text_field(
    body: dict[str, Any], name: str, *, max_length: int, required: bool = True, one_line: bool = False
) -> str | None:
    """The text field `name` of a JSON body, trimmed and checked as supportdesk.fields.text_value does."""
    return text_value(body.get(name), name, max_length, required=required, one_line=one_line)


def source_ip(app: APIGatewayRestResolver | Router) -> str:
    return _event(app).request_context.identity.source_ip or "unknown"


# ---- the caller ---------------------------------------------------------------------------------------------


def caller(app: APIGatewayRestResolver | Router, *, roles: frozenset[Role] | set[Role] | None = None) -> Caller:
    """Who calls, as the API Gateway authorizer established it (never taken from the request body): 401 without an
    authenticated caller, 403 when `roles` is given and the caller's role is not one of them (or is unknown)."""
    context: Mapping[str, Any] = _event(app).request_context.authorizer or {}
    account_id = context.get("principalId") or context.get("account_id")
    if not account_id:
        raise Unauthorized()
    try:
        role = Role(str(context.get("role", "")))
    except ValueError:
        raise Forbidden() from None
    who = Caller(str(account_id), role, i18n.normalize_language(context.get("lang")))
    if roles is not None and who.role not in roles:
        raise Forbidden()
    return who
