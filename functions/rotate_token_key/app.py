"""Secrets Manager rotation of the token signing key (TokenSigningSecret), the four steps Secrets Manager calls:

- createSecret: a new random key as the AWSPENDING version (idempotent: a retry keeps the pending key);
- setSecret / testSecret: nothing holds the key outside this secret, so only check the pending key exists;
- finishSecret: move AWSCURRENT to the new version; Secrets Manager labels the old one AWSPREVIOUS.

New tokens are signed with the new key at once (each container within its key cache age); tokens signed with the
previous key keep verifying for one token lifetime after the rotation (supportdesk.identity.tokens).
"""

from __future__ import annotations

import secrets

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.aws import client
from supportdesk.observability import audit, logger

KEY_BYTES = 48  # 384 bits of entropy, URL-safe text (64 characters, like the key CloudFormation generated)


def rotate(secret_id: str, token: str, step: str) -> None:
    secrets_manager = client("secretsmanager")
    versions = secrets_manager.describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})
    if token not in versions:
        raise ValueError(f"version {token} of the signing secret does not exist")
    if "AWSCURRENT" in versions[token]:
        logger.info("rotation step skipped: version is already current", extra={"step": step})
        return
    if "AWSPENDING" not in versions[token]:
        raise ValueError(f"version {token} of the signing secret is not pending")
    if step == "createSecret":
        try:
            secrets_manager.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage="AWSPENDING")
        except secrets_manager.exceptions.ResourceNotFoundException:
            secrets_manager.put_secret_value(
                SecretId=secret_id,
                ClientRequestToken=token,
                SecretString=secrets.token_urlsafe(KEY_BYTES),
                VersionStages=["AWSPENDING"],
            )
    elif step in ("setSecret", "testSecret"):
        pending = secrets_manager.get_secret_value(SecretId=secret_id, VersionId=token, VersionStage="AWSPENDING")
        if len(pending["SecretString"]) < 32:
            raise ValueError("the pending signing key is too short")
    elif step == "finishSecret":
        current = next(version for version, stages in versions.items() if "AWSCURRENT" in stages)
        secrets_manager.update_secret_version_stage(
            SecretId=secret_id, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
        )
        audit("token_signing_key_rotated", version=token, previous_version=current)
    else:
        raise ValueError(f"unknown rotation step {step!r}")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> None:
    rotate(event["SecretId"], event["ClientRequestToken"], event["Step"])
