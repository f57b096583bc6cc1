"""The real adapters of the orders read model, once per container (see supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk.orders.repository import DynamoOrderLookup
from supportdesk.runtime import component


@component
def order_lookup() -> DynamoOrderLookup:
    return DynamoOrderLookup()
