"""Run an operation once per key: Powertools' idempotency utility on the IdempotencyTable of template.yaml (key `id`,
TTL attribute `expiration`; a function that uses it adds IDEMPOTENCY_TABLE and `!Ref IdempotencyPolicy`).

Two ways in, one mechanism:

- `run_once(scope, key, owner, payload, compute)` for an API write with an `Idempotency-Key` header (Stripe's
  semantics; refunds and disputes): `compute(payload)` runs once per (scope, owner, key) for 24 hours; the same key
  with the same payload replays the first answer; with a different payload it is 422 `idempotency_key_reused`; while
  the first request is still running, a repeat waits a moment for its answer and otherwise gets 409
  `idempotency_key_in_progress`. The owner (the caller's account) is part of the key, so two customers never see
  each other's answers.
- `@idempotent(data_keyword_argument=..., key=..., payload=...)` for an event handler that must act once per event id
  (inbound e-mail by SES message id):

    @idempotent(data_keyword_argument="request", key="idempotency_key", payload="[order_id, amount_cents]")
    def refund(self, caller, *, request: dict) -> dict: ...

Either way, an operation that raises stores nothing, so a retry runs it again. Caveats of the utility that this module
takes care of, or that a caller must know:

- DynamoDBPersistenceLayer creates a boto3 client when it is built, and importing the utility imports boto3: both
  happen on the first idempotent call, not at import time.
- One persistence layer per scope: a layer remembers the key prefix it was last configured with.
- In-progress records expire when the invocation would time out only if the handler passes its Lambda context
  (`register_lambda_context(context)`, or `context=` to run_once); otherwise a crash mid-way blocks the key until
  the record expires.
- Results are stored as JSON: an operation returns JSON-serialisable values (dicts, lists, text, numbers).
- Payload validation had bugs on the optimistic-write path in the past (powertools-lambda-python #3781, #3821):
  a domain that validates the payload tests the changed-payload case itself.
- POWERTOOLS_IDEMPOTENCY_DISABLED switches the utility off; nothing in this project sets it.
"""

from __future__ import annotations

import functools
import time
from typing import Any, Callable, TypeVar

from supportdesk.aws import client
from supportdesk.errors import Conflict, DomainError, InvalidInput
from supportdesk.runtime import component
from supportdesk.settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])
KEY_TTL_SECONDS = 24 * 3600  # keys answer repeats for at least a day (as Stripe's Idempotency-Key does)
_lambda_context: list[Any] = []  # the invocation's context, set by register_lambda_context
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
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer  # deferred: imports boto3 (~0.2 s)

    stores = persistence_stores()
    if scope not in stores:
        stores[scope] = DynamoDBPersistenceLayer(
            table_name=get_settings().require("idempotency_table"), boto3_client=client("dynamodb")
        )
    return stores[scope]


def run_once(
    scope: str,
    key: str,
    owner: str,
    payload: dict,
    compute: Callable[[dict], dict],
    store: Any = None,
    wait_seconds: float = IN_PROGRESS_WAIT_SECONDS,
    context: Any = None,
) -> dict:
    # deferred: the utility's package imports boto3 (~0.2 s of a cold start, see docs/performance.md)
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (  # deferred: same package, same cost
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

    once = idempotent_function(
        operation,
        data_keyword_argument="request",
        persistence_store=store or persistence_store(scope),
        config=config,
        key_prefix=scope,
    )
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


def register_lambda_context(context: Any) -> None:
    """Tell the utility the current invocation's context (call at the start of the handler), so that a record left
    in progress by an invocation that timed out expires with it instead of blocking its key until the TTL."""
    _lambda_context[:] = [context]


def idempotent(
    *, data_keyword_argument: str, key: str, payload: str | None = None, expires_after_seconds: int = KEY_TTL_SECONDS
) -> Callable[[F], F]:
    """Make `function` run once per key. `key` (and `payload`, to refuse a reused key with other content) are JMESPath
    expressions on the keyword argument named `data_keyword_argument`, which every call must pass by keyword."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def once(*args: Any, **kwargs: Any) -> Any:
            # Deferred: the utility's package imports boto3 (~0.2 s of a cold start, see docs/performance.md).
            from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
            from aws_lambda_powertools.utilities.idempotency.exceptions import (  # deferred: same package, same cost
                IdempotencyAlreadyInProgressError,
                IdempotencyValidationError,
            )

            config = IdempotencyConfig(
                event_key_jmespath=key,
                payload_validation_jmespath=payload or "",
                raise_on_no_idempotency_key=True,
                expires_after_seconds=expires_after_seconds,
            )
            if _lambda_context:
                config.register_lambda_context(_lambda_context[0])
            run = idempotent_function(
                function,
                data_keyword_argument=data_keyword_argument,
                persistence_store=persistence_store(function.__qualname__),
                config=config,
            )
            try:
                return run(*args, **kwargs)
            except IdempotencyValidationError:
                raise IdempotencyKeyReused() from None
            except IdempotencyAlreadyInProgressError:
                raise IdempotencyKeyInProgress() from None

        return once  # type: ignore[return-value]

    return decorate
