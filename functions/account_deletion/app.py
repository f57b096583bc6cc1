"""DELETE /accounts/me: a customer deletes their account with their current password (the right to be forgotten).
Their tickets stop naming them, the account and its logins are deleted, every token stops working, and a
confirmation goes to the address the account had."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import caller, create_app, json_body, request_body, responses
from supportdesk.roles import Role
from supportdesk.lifecycle.wiring import account_eraser
from supportdesk.observability import logger, metrics

app = create_app()


@app.delete(
    "/accounts/me",
    summary="Delete my account (right to be forgotten)",
    tags=["identity"],
    openapi_extensions=request_body(["password"], password={"type": "string"})
    | responses(
        200,
        "AccountDeleted",
        {
            400: ("invalid_json", "missing_field"),
            403: ("password_incorrect",),
            404: ("account_not_found",),
            429: ("rate_limited",),
        },
    ),
)
def delete_me() -> dict:
    who = caller(app, roles={Role.CUSTOMER})  # staff accounts are removed by an administrator
    return account_eraser().delete(who.account_id, json_body(app).get("password"))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
