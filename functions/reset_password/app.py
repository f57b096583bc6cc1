"""POST /password-reset (send a one-time code to the login's e-mail or phone) and POST /password-reset/confirm
(set a new password with the code). Both public; neither logs the customer in."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import i18n
from supportdesk.api import create_app, json_body, json_response, request_body, request_language, responses, source_ip
from supportdesk.observability import logger, metrics
from supportdesk.reset import wiring
from supportdesk.reset.service import CODE_VALIDITY

app = create_app()


@app.post(
    "/password-reset",
    summary="Send a password-reset code to the e-mail address or phone of an account",
    tags=["password reset"],
    openapi_extensions=request_body(
        ["login"], login={"type": "string", "description": "E-mail address or mobile number the account uses"}
    )
    | responses(202, "ResetAccepted", {400: ("invalid_json", "invalid_login"), 429: ("rate_limited",)}),
)
def request_code() -> Response[dict]:
    body = json_body(app)
    wiring.reset_service().request_code(body.get("login"), source_ip(app))
    metrics.add_metric(name="PasswordResetRequested", unit="Count", value=1)
    language = request_language(app)
    # The same answer whether or not the login has an account.
    return json_response(
        202,
        {
            "status": "accepted",
            "message": i18n.message("password_reset_requested", language),
            "code_valid_seconds": int(CODE_VALIDITY.total_seconds()),
        },
        language=language,
    )


@app.post(
    "/password-reset/confirm",
    summary="Set a new password with a reset code (ends every session; does not log in)",
    tags=["password reset"],
    openapi_extensions=request_body(
        ["login", "code", "new_password"],
        login={"type": "string"},
        code={"type": "string", "pattern": "^[0-9]{6}$"},
        new_password={"type": "string", "minLength": 8, "maxLength": 128},
    )
    | responses(
        200,
        "ResetDone",
        {
            400: (
                "invalid_json",
                "invalid_login",
                "missing_field",
                "invalid_reset_code",
                "password_too_short",
                "password_too_long",
                "password_too_common",
                "password_contains_personal_info",
                "password_same_as_current",
            ),
            429: ("rate_limited",),
        },
    ),
)
def confirm() -> Response[dict]:
    body = json_body(app)
    wiring.reset_service().confirm(body.get("login"), body.get("code"), body.get("new_password"), source_ip(app))
    metrics.add_metric(name="PasswordResetCompleted", unit="Count", value=1)
    language = request_language(app)
    return json_response(
        200, {"status": "password_changed", "message": i18n.message("password_reset_done", language)}, language=language
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
