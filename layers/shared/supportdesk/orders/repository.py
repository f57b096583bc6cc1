"""The orders read model's port and its DynamoDB adapter. Minimal on purpose: today tickets only ask whether an order
is the caller's; the refunds domain grows this module (an Order dataclass, the order with its refunds)."""
from __future__ import annotations

from typing import Protocol

from supportdesk.dal.orders import OrderModel


class OrderLookup(Protocol):
    def belongs_to(self, customer_id: str, order_id: str) -> bool:
        """Is `order_id` one of `customer_id`'s orders? Another customer's order is indistinguishable from none."""
        ...


class DynamoOrderLookup:
    """One GetItem on (customer_id, order_id): another customer's order is simply absent."""

    def belongs_to(self, customer_id: str, order_id: str) -> bool:
        try:
            OrderModel.get(customer_id, order_id, attributes_to_get=["customer_id"])
        except OrderModel.DoesNotExist:
            return False
        return True
