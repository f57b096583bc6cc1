"""PynamoDB model of the orders read model (template.yaml, OrdersTable). The storefront owns orders; the support
desk keeps a copy fed by the storefront's events (functions/orders) plus the amounts only it moves: what refunds
have reserved and paid back."""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from supportdesk.dal.base import TableName


class CustomerOrdersIndex(GlobalSecondaryIndex):
    """A customer's orders, newest first (GET /orders): one Query of the caller's partition, sorted by when the
    order was placed. Projects every attribute: a list shows the same order view as a read (status, items, amounts,
    pending requests), and a KEYS_ONLY index would add a BatchGetItem to every page."""

    class Meta:
        index_name = "CustomerOrders"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UTCDateTimeAttribute(range_key=True)


class OrderModel(Model):
    """Keyed by customer, so that 'is this order the caller's' is one GetItem and another customer's order is simply
    absent. Everything that needs an order (tickets, refunds, the review workflow) knows its customer.

    Money, in cents of `currency`:
    - `amount_cents`: the order's total; `paid_cents`: what the customer was charged (0 until paid);
    - `reserved_cents`: held by refunds being reviewed or paid out; `refunded_cents`: paid back;
    - `committed_cents` = reserved + refunded, kept as its own attribute because a DynamoDB condition cannot add
      attributes: a refund of `a` reserves with the condition `paid_cents = :paid AND committed_cents <= :paid - a`
      and `SET committed_cents = committed_cents + a`, one conditional write, so concurrent refunds can never
      reserve more than was paid. Storefront events never write these three.
    `version` is the storefront's version of the order: an event older than (or equal to) it changes nothing.

    The customer's pending requests to the storefront (GET/POST /orders..., order_self_service/), also owned by the
    support desk: `cancel_*` and `address_change_*`, each set by one conditional UpdateItem (the order must not have
    shipped, and no other such request may be pending), removed by the storefront event that settles them. They are
    flat attributes, not one map, because the conditions and the settling removals name them one by one."""

    class Meta:
        table_name = TableName("orders_table")

    customer_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # OrderStatus
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute(default="CNY")
    items = ListAttribute(of=MapAttribute, default=list)
    shipping_address = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()  # placed at
    version = NumberAttribute(default=0)
    # Payment (from OrderPaid on)
    paid_cents = NumberAttribute(default=0)
    payment_provider = UnicodeAttribute(null=True)
    charge_id = UnicodeAttribute(null=True)
    paid_at = UTCDateTimeAttribute(null=True)
    shipped_at = UTCDateTimeAttribute(null=True)
    delivered_at = UTCDateTimeAttribute(null=True)
    cancelled_at = UTCDateTimeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    # Owned by the support desk (refunds); never written by storefront events
    reserved_cents = NumberAttribute(default=0)
    refunded_cents = NumberAttribute(default=0)
    committed_cents = NumberAttribute(default=0)
    # From the storefront once shipped: {"carrier", "tracking_number", "events": [{"at", "description", "location"}]}
    tracking = JSONAttribute(null=True)
    # Owned by the support desk: pending requests to the storefront
    cancel_request_id = UnicodeAttribute(null=True)
    cancel_requested_at = UTCDateTimeAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)
    address_change_request_id = UnicodeAttribute(null=True)
    address_change_requested_at = UTCDateTimeAttribute(null=True)
    address_change_address = JSONAttribute(null=True)  # the ShippingAddress asked for, field by field

    customer_orders = CustomerOrdersIndex()
