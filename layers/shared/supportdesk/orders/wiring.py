"""The real adapters of the orders read model, once per container (see supportdesk.runtime.component)."""

from __future__ import annotations

from supportdesk.orders.dead_letters import SqsDeadLetters
from supportdesk.orders.repository import DynamoOrderLookup, DynamoOrderRepository
from supportdesk.orders.service import OrderEventService
from supportdesk.orders.settings import order_settings
from supportdesk.runtime import component


@component
def order_lookup() -> DynamoOrderLookup:
    return DynamoOrderLookup()


@component
def order_repository():

    return DynamoOrderRepository()


@component
def order_event_service():

    return OrderEventService(order_repository())


@component
def dead_letters():
    """Where refused events go with their reason (the orders function's dead-letter queue)."""

    return SqsDeadLetters(order_settings().require("order_events_dlq_url"))
