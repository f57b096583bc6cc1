"""POST /accounts (sign-up, from the storefront) and POST /auth/login (bearer token)."""
from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import create_app, json_body, json_response, request_body, responses, source_ip
from supportdesk.identity import wiring as identity
from supportdesk.identity.service import parse_sign_up, public_account
from supportdesk.observability import logger, metrics

app = create_app()


@app.post(
    "/accounts",
    summary="Create a customer account",
    tags=["identity"],
    openapi_extensions=request_body(
        ["password"],
        email={"type": "string", "format": "email", "description": "E-mail address (this and/or phone)"},
        phone={"type": "string", "description": "Mobile number, E.164 or mainland format"},
        password={"type": "string", "minLength": 8, "maxLength": 128},
        language={"type": "string", "enum": ["zh-CN", "en"], "default": "zh-CN"},
        name={"type": "string", "maxLength": 100},
    )
    | responses(201, "AccountCreated", {
        400: ("invalid_json", "invalid_login", "invalid_language", "invalid_field", "missing_field",
              "password_too_short", "password_too_long", "password_too_common", "password_contains_personal_info"),
        409: ("login_taken",),
        429: ("rate_limited",),
    }),
)
def sign_up() -> Response[dict]:
    request = parse_sign_up(json_body(app))
    account = identity.identity_service().sign_up(request, source_ip(app))
    metrics.add_metric(name="AccountsCreated", unit="Count", value=1)
    return json_response(201, {"account": public_account(account)})


@app.post(
    "/auth/login",
    summary="Log in with e-mail or phone and password",
    tags=["identity"],
    openapi_extensions=request_body(
        ["login", "password"],
        login={"type": "string", "description": "E-mail address or mobile number"},
        password={"type": "string"},
    )
    | responses(200, "Login", {
        400: ("invalid_json", "invalid_login", "missing_field"),
        401: ("invalid_credentials",),
        429: ("rate_limited",),
    }),
)
def login() -> dict:
    body = json_body(app)
    return identity.identity_service().login(body.get("login"), body.get("password"), source_ip(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
