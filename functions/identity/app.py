"""POST /accounts (sign-up, from the storefront), POST /accounts/verify (confirm a contact point with the code sent
at sign-up, or ask for a new code) and POST /auth/login (bearer token)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import i18n
from supportdesk.api import (
    create_app,
    json_body,
    json_response,
    request_body,
    request_language,
    responses,
    source_ip,
)
from supportdesk.identity.service import parse_sign_up
from supportdesk.observability import logger, metrics
from supportdesk.reset import wiring as reset
from supportdesk.reset.service import CODE_VALIDITY

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
    | responses(
        202,
        "SignUpAccepted",
        {
            400: (
                "invalid_json",
                "invalid_encoding",
                "invalid_characters",
                "invalid_login",
                "invalid_language",
                "invalid_field",
                "missing_field",
                "password_too_short",
                "password_too_long",
                "password_too_common",
                "password_contains_personal_info",
            ),
            429: ("rate_limited",),
        },
    ),
)
def sign_up() -> Response[dict]:
    request = parse_sign_up(json_body(app))
    account = reset.identity_service().sign_up(request, source_ip(app))
    if account is not None:
        metrics.add_metric(name="AccountsCreated", unit="Count", value=1)
    language = request_language(app)
    # The same answer whether the account was created or a login was taken (its owner is told instead).
    return json_response(
        202,
        {
            "status": "accepted",
            "message": i18n.message("sign_up_accepted", language),
            "verify": [kind for kind, value in (("email", request.email), ("phone", request.phone)) if value],
            "code_valid_seconds": int(CODE_VALIDITY.total_seconds()),
        },
        language=language,
    )


@app.post(
    "/accounts/verify",
    summary="Confirm an e-mail address or phone number with the code sent at sign-up (without code: send a new one)",
    tags=["identity"],
    openapi_extensions=request_body(
        ["login"],
        login={"type": "string", "description": "The e-mail address or mobile number to confirm"},
        code={"type": "string", "pattern": "^[0-9]{6}$", "description": "Omit to have a new code sent"},
    )
    | responses(
        200,
        "ContactVerified",
        {
            400: (
                "invalid_json",
                "invalid_encoding",
                "invalid_characters",
                "invalid_login",
                "missing_field",
                "invalid_verification_code",
            ),
            429: ("rate_limited",),
        },
    ),
)
def verify_contact() -> Response[dict]:
    body = json_body(app)
    language = request_language(app)
    if "code" not in body:
        reset.contact_verification().resend(body.get("login"), source_ip(app))
        return json_response(
            202,
            {
                "status": "accepted",
                "message": i18n.message("verification_code_sent", language),
                "code_valid_seconds": int(CODE_VALIDITY.total_seconds()),
            },
            language=language,
        )
    reset.contact_verification().verify(body.get("login"), body.get("code"), source_ip(app))
    metrics.add_metric(name="ContactPointsVerified", unit="Count", value=1)
    return json_response(
        200, {"status": "verified", "message": i18n.message("contact_verified", language)}, language=language
    )


@app.post(
    "/auth/login",
    summary="Log in with e-mail or phone and password",
    tags=["identity"],
    openapi_extensions=request_body(
        ["login", "password"],
        login={"type": "string", "description": "E-mail address or mobile number"},
        password={"type": "string"},
    )
    | responses(
        200,
        "Login",
        {
            400: ("invalid_json", "invalid_login", "missing_field"),
            401: ("invalid_credentials",),
            429: ("rate_limited",),
        },
    ),
)
def login() -> dict:
    body = json_body(app)
    return reset.identity_service().login(body.get("login"), body.get("password"), source_ip(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
