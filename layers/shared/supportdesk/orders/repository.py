"""Storage of the orders read model. The ports are what the services need (OrderRepository for refunds and the order
events, OrderLookup for tickets); the Dynamo* classes are the DynamoDB adapters (one key-based call per method)."""
from __future__ import annotations

from typing import Protocol

from supportdesk.dal.orders import OrderModel
from supportdesk.dal.transactions import conditional_update
from supportdesk.orders.model import Order, OrderItem, OrderStatus, PaymentRef


class OrderRepository(Protocol):
    def get(self, customer_id: str, order_id: str) -> Order | None:
        """The caller's order, or None (another customer's order is simply absent)."""

    def upsert(self, order: Order) -> bool:
        """Write the storefront's fields of `order` if the stored version is older (or there is none); False when
        the stored order is as new or newer (a late or repeated event). Never touches the refund amounts."""


class DynamoOrderRepository:
    def get(self, customer_id: str, order_id: str) -> Order | None:
        try:
            return to_order(OrderModel.get(customer_id, order_id, consistent_read=True))
        except OrderModel.DoesNotExist:
            return None

    def upsert(self, order: Order) -> bool:
        """One UpdateItem: SET the snapshot's fields, condition `attribute_not_exists(order_id) OR version < :v`."""
        M = OrderModel
        actions = [
            M.status.set(order.status.value),
            M.amount_cents.set(order.amount_cents),
            M.currency.set(order.currency),
            M.items.set([{"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price_cents": i.unit_price_cents}  # type: ignore[misc]
                         for i in order.items]),
            M.created_at.set(order.placed_at),
            M.version.set(order.version),
            M.paid_cents.set(order.paid_cents),
        ]
        for attribute, value in ((M.shipping_address, order.shipping_address), (M.shipped_at, order.shipped_at),
                                 (M.delivered_at, order.delivered_at), (M.cancelled_at, order.cancelled_at),
                                 (M.paid_at, order.paid_at)):
            actions.append(attribute.set(value) if value is not None else attribute.remove())  # type: ignore[arg-type]
        if order.payment is not None:
            actions += [M.payment_provider.set(order.payment.provider), M.charge_id.set(order.payment.charge_id)]
        newer = M.order_id.does_not_exist() | (M.version < order.version)
        return conditional_update(M(order.customer_id, order.order_id), actions, newer)


def to_order(item) -> Order:
    payment = PaymentRef(item.payment_provider, item.charge_id) if item.charge_id else None
    return Order(
        customer_id=item.customer_id,
        order_id=item.order_id,
        status=OrderStatus(item.status),
        amount_cents=int(item.amount_cents),
        currency=item.currency,
        placed_at=item.created_at,
        version=int(item.version or 0),
        items=tuple(OrderItem(str(i["sku"]), str(i["name"]), int(i["quantity"]), int(i["unit_price_cents"]))
                    for i in (i.as_dict() if hasattr(i, "as_dict") else i for i in (item.items or []))),
        shipping_address=item.shipping_address,
        paid_cents=int(item.paid_cents or 0),
        payment=payment,
        paid_at=item.paid_at,
        shipped_at=item.shipped_at,
        delivered_at=item.delivered_at,
        cancelled_at=item.cancelled_at,
        reserved_cents=int(item.reserved_cents or 0),
        refunded_cents=int(item.refunded_cents or 0),
    )



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
