"""Adapters of the orders read model, built once per container (supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk.runtime import component


@component
def order_repository():
    from supportdesk.orders.repository import DynamoOrderRepository

    return DynamoOrderRepository()


@component
def order_event_service():
    from supportdesk.orders.service import OrderEventService

    return OrderEventService(order_repository())


@component
def dead_letters():
    """Where refused events go with their reason (the function's DeadLetterQueue)."""
    from supportdesk.orders.dead_letters import SqsDeadLetters
    from supportdesk.settings import get_settings

    return SqsDeadLetters(get_settings().require("order_events_dlq_url"))
