"""The rotation function against Secrets Manager (moto): the steps make a new current key and keep the old one as
AWSPREVIOUS; a token issued before the rotation still verifies after it, new tokens name the new key."""
from __future__ import annotations

import uuid

import jwt


def test_rotation_makes_a_new_current_key_and_old_tokens_keep_working(aws):
    from functions.rotate_token_key.app import rotate
    from supportdesk.identity import wiring as identity
    from supportdesk.aws import client
    from supportdesk.identity.tokens import TokenClaims
    from tests.conftest import reset_caches

    secret_id = aws.physical_name("TokenSigningSecret")
    old_token, _ = identity.token_service().issue(TokenClaims("acc_1", "customer", "en", 1))
    secrets_manager = client("secretsmanager")
    old_version = secrets_manager.get_secret_value(SecretId=secret_id)["VersionId"]
    old_key = secrets_manager.get_secret_value(SecretId=secret_id)["SecretString"]

    # Secrets Manager labels a new version AWSPENDING before it calls createSecret; moto needs a value for that
    # version, so the stub carries the new key (createSecret keeps an existing pending value, as on a retry).
    version = str(uuid.uuid4())
    secrets_manager.put_secret_value(SecretId=secret_id, ClientRequestToken=version, SecretString="n" * 64,
                                     VersionStages=["AWSPENDING"])
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        rotate(secret_id, version, step)
    rotate(secret_id, version, "finishSecret")  # a retried step after success changes nothing

    current = secrets_manager.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")
    previous = secrets_manager.get_secret_value(SecretId=secret_id, VersionStage="AWSPREVIOUS")
    assert current["VersionId"] == version and current["SecretString"] != old_key
    assert previous["VersionId"] == old_version

    reset_caches()  # a fresh container after the rotation
    after = identity.token_service()
    assert after.verify(old_token).account_id == "acc_1"
    new_token, _ = after.issue(TokenClaims("acc_1", "customer", "en", 1))
    assert jwt.get_unverified_header(new_token)["kid"] == version
    assert jwt.get_unverified_header(old_token)["kid"] == old_version
