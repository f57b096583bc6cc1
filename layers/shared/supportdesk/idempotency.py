"""Idempotency keys for writes that move money (Stripe's semantics, on Powertools' idempotency utility).

`run_once(scope, key, owner, payload, compute)` runs `compute(payload)` once per (scope, owner, key) for 24 hours:
- the same key with the same payload replays the first answer (stored in IdempotencyTable: key `id`, TTL
  `expiration`);
- the same key with a different payload raises InvalidInput-like `idempotency_key_reused` (422);
- while the first request with the key is still running, another one waits a moment for its answer and otherwise
  gets 409 `idempotency_key_in_progress` (retry later);
- if `compute` raises, nothing is stored (Powertools deletes the in-progress record), so a retry runs again.
The owner (the caller's account) is part of the key, so two customers can never see each other's answers."""
from __future__ import annotations

import time
from typing import Any, Callable

from supportdesk.errors import Conflict, DomainError, InvalidInput
from supportdesk.runtime import component
from supportdesk.settings import get_settings

KEY_TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
IN_PROGRESS_WAIT_SECONDS = 7.0  # below the function's 10 s timeout, well below API Gateway's 29 s
IN_PROGRESS_POLL_SECONDS = (0.05, 0.1, 0.2, 0.4)  # then every 0.4 s


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"


class IdempotencyKeyInProgress(Conflict):
    code = "idempotency_key_in_progress"


def parse_key(raw: str | None) -> str:
    """The Idempotency-Key header: required, 1-255 printable ASCII characters."""
    if raw is None or not raw.strip():
        raise InvalidInput("idempotency_key_required")
    key = raw.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidInput("idempotency_key_invalid", max=MAX_KEY_LENGTH)
    return key


@component
def persistence_stores() -> dict:
    """One Powertools persistence layer per scope: a layer remembers the key prefix it was last configured with."""
    return {}


def persistence_store(scope: str):
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from supportdesk.aws import client

    stores = persistence_stores()
    if scope not in stores:
        stores[scope] = DynamoDBPersistenceLayer(table_name=get_settings().require("idempotency_table"),
                                                 boto3_client=client("dynamodb"))
    return stores[scope]


def run_once(scope: str, key: str, owner: str, payload: dict, compute: Callable[[dict], dict],
             store: Any = None, wait_seconds: float = IN_PROGRESS_WAIT_SECONDS, context: Any = None) -> dict:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[owner, key]",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=KEY_TTL_SECONDS,
    )
    if context is not None:  # an in-progress record of a request that timed out expires with the invocation
        config.register_lambda_context(context)

    def operation(request: dict) -> dict:
        return compute(request["payload"])

    once = idempotent_function(operation, data_keyword_argument="request", persistence_store=store or persistence_store(scope),
                               config=config, key_prefix=scope)
    request = {"owner": owner, "key": key, "payload": payload}
    deadline = time.monotonic() + wait_seconds
    polls = 0
    while True:
        try:
            return once(request=request)
        except IdempotencyValidationError:
            raise IdempotencyKeyReused() from None
        except IdempotencyAlreadyInProgressError:
            if time.monotonic() >= deadline:
                raise IdempotencyKeyInProgress() from None
            time.sleep(IN_PROGRESS_POLL_SECONDS[min(polls, len(IN_PROGRESS_POLL_SECONDS) - 1)])
            polls += 1
