"""The orders read model, fed by the storefront's events (EventBridge rule OrderEvents, asynchronous invocation).

A malformed event is refused: kept with its reason in the dead-letter queue and acknowledged, since retrying it
cannot help. Anything else that fails (DynamoDB unavailable) raises, so Lambda retries twice and then dead-letters
the event itself. An event is applied by one conditional write or not at all, never half."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.observability import audit, logger, metrics
from supportdesk.orders.events import MalformedEvent
from supportdesk.orders.wiring import dead_letters, order_event_service


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    try:
        applied = order_event_service().apply(event)
    except MalformedEvent as refused:
        audit(
            "order_event_refused", reason=refused.reason, event_id=event.get("id") if isinstance(event, dict) else None
        )
        metrics.add_metric(name="OrderEventRefused", unit="Count", value=1)
        dead_letters().refuse(event, refused.reason)
        return {"outcome": "refused", "reason": refused.reason}
    return {
        "outcome": "applied" if applied.applied else "stale",
        "order_id": applied.order_id,
        "version": applied.version,
    }
