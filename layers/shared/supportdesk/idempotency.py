"""Run an operation once per key: Powertools' idempotency utility on the IdempotencyTable of template.yaml (key `id`,
TTL attribute `expiration`; a function that uses it adds IDEMPOTENCY_TABLE and `!Ref IdempotencyPolicy`).

A domain only decorates its operation:

    @idempotent(data_keyword_argument="request", key="idempotency_key", payload="[order_id, amount_cents]")
    def refund(self, caller, *, request: dict) -> dict: ...

    service.refund(caller, request={"idempotency_key": ..., "order_id": ..., "amount_cents": ...})

The first result for a key is stored and replayed to every repeat until the key expires; the same key with a
different `payload` is refused (422 idempotency_key_reused); a repeat while the first is still running is refused
(409 request_in_progress); an operation that raises stores nothing, so a retry runs it again. Caveats of the
utility that this module takes care of, or that a caller must know:

- DynamoDBPersistenceLayer creates a boto3 client when it is built, and importing the utility imports boto3: both
  happen on the first decorated call (a component), not at import time.
- In-progress records expire when the invocation would time out only if the handler passes its Lambda context
  (`register_lambda_context(context)` below); otherwise a crash mid-way blocks the key until `expires_after_seconds`.
- Results are stored as JSON: an operation returns JSON-serialisable values (dicts, lists, text, numbers).
- Payload validation had bugs on the optimistic-write path in the past (powertools-lambda-python #3781, #3821):
  a domain that validates the payload tests the changed-payload case itself.
- POWERTOOLS_IDEMPOTENCY_DISABLED switches the utility off; nothing in this project sets it.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from supportdesk.errors import Conflict, DomainError
from supportdesk.runtime import component
from supportdesk.settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_EXPIRY_SECONDS = 24 * 3600  # keys answer repeats for at least a day (as Stripe's Idempotency-Key does)
_lambda_context: list[Any] = []  # the invocation's context, set by register_lambda_context


class IdempotencyKeyReused(DomainError):
    """The key was used before for a different request."""

    status = 422
    code = "idempotency_key_reused"


@component
def persistence_layer() -> Any:
    # The utility's package imports boto3 (~0.2 s): paid on the first idempotent call, by the functions that make one.
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=get_settings().require("idempotency_table"))


def register_lambda_context(context: Any) -> None:
    """Tell the utility the current invocation's context (call at the start of the handler), so that a record left
    in progress by an invocation that timed out expires with it instead of blocking its key until the TTL."""
    _lambda_context[:] = [context]


def idempotent(*, data_keyword_argument: str, key: str, payload: str | None = None,
               expires_after_seconds: int = DEFAULT_EXPIRY_SECONDS) -> Callable[[F], F]:
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
            run = idempotent_function(function, data_keyword_argument=data_keyword_argument,
                                      persistence_store=persistence_layer(), config=config)
            try:
                return run(*args, **kwargs)
            except IdempotencyValidationError:
                raise IdempotencyKeyReused() from None
            except IdempotencyAlreadyInProgressError:
                raise Conflict("request_in_progress") from None

        return once  # type: ignore[return-value]

    return decorate
