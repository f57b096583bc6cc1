from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from supportdesk.dal.base import TableName


class OrderModel(Model):
    """A storefront order as the support desk sees it. Keyed by customer so that 'is this order the caller's' is
    one GetItem and a customer's orders are one Query."""

    class Meta:
        table_name = TableName("orders_table")

    customer_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute(range_key=True)
    status = UnicodeAttribute()  # pending_payment | paid | shipped | delivered | cancelled
    amount_cents = NumberAttribute()
    currency = UnicodeAttribute(default="CNY")
    items = ListAttribute(of=MapAttribute, default=list)
    shipping_address = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
