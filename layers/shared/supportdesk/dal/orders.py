"""PynamoDB model of the orders read model (template.yaml, OrdersTable). The storefront owns orders; the support
desk keeps a copy fed by the storefront's events (functions/orders) plus the amounts only it moves: what refunds
have reserved and paid back."""
from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from supportdesk.dal.base import TableName


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
    `version` is the storefront's version of the order: an event older than (or equal to) it changes nothing."""

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
