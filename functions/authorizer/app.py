"""API Gateway TOKEN authorizer.

401 (raise "Unauthorized"): no/forged/expired token, unknown account, or a token from before the last password
change. 403 (Deny policy): a valid token whose role may not call the route. Otherwise Allow, with the caller's id,
role and language in the context that handlers read (never from the request body).
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.identity import wiring as identity
from supportdesk.errors import Unauthorized
from supportdesk.identity.access import path_from_method_arn, roles_for
from supportdesk.observability import logger


def _policy(principal_id: str, effect: str, method_arn: str, context: dict | None = None) -> dict:
    policy = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
    }
    if context:
        policy["context"] = context
    return policy


def authorize(event: dict) -> dict:
    token = (event.get("authorizationToken") or "").strip()
    scheme, _, credentials = token.partition(" ")
    if scheme.lower() != "bearer" or not credentials:
        raise Unauthorized()
    claims = identity.token_service().verify(credentials.strip())
    account = identity.authorizer_accounts().get(claims.account_id)
    if account is None or account.password_version != claims.password_version:
        logger.info("token rejected", extra={"account_id": claims.account_id, "reason": "revoked_or_unknown"})
        raise Unauthorized()
    method_arn = event["methodArn"]
    allowed = roles_for(path_from_method_arn(method_arn))
    if allowed is not None and account.role not in allowed:
        logger.info("route denied", extra={"account_id": account.account_id, "role": account.role.value})
        return _policy(account.account_id, "Deny", method_arn)
    return _policy(
        account.account_id,
        "Allow",
        method_arn,
        {"account_id": account.account_id, "role": account.role.value, "lang": account.language},
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    try:
        return authorize(event)
    except Unauthorized:
        # The exact message "Unauthorized" is what makes API Gateway answer 401.
        raise Exception("Unauthorized") from None  # noqa: TRY002
