"""PynamoDB model of refunds and disputes (template.yaml, RefundsTable): one item per case, keyed by its id.

Indexes, each named for its access pattern:
- CustomerRefunds: a customer's cases, newest first (GET /refunds).
- OrderRefunds: the cases of one customer's order (`customer_order` = "<customer>#<order>"), so the partition
  itself proves ownership (GET /orders/{id}/refunds).
- ReviewQueue: sparse; only cases waiting for a person carry `review_queue` (their status), oldest first
  (GET /agent/refunds?status=...).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from supportdesk.dal.base import TableName


class CustomerRefundsIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "CustomerRefunds"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OrderRefundsIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "OrderRefunds"
        projection = AllProjection()

    customer_order = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ReviewQueueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "ReviewQueue"
        projection = AllProjection()

    review_queue = UnicodeAttribute(hash_key=True)
    queued_at = UnicodeAttribute(range_key=True)


class RefundModel(Model):
    class Meta:
        table_name = TableName("refunds_table")

    refund_id = UnicodeAttribute(hash_key=True)  # R-... (refund) or D-... (dispute)
    kind = UnicodeAttribute()  # refund | dispute
    customer_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    customer_order = UnicodeAttribute()
    amount_cents = NumberAttribute()
    requested_cents = NumberAttribute()
    currency = UnicodeAttribute()
    reason = UnicodeAttribute()
    status = UnicodeAttribute()
    language = UnicodeAttribute(default="zh-CN")
    message = UnicodeAttribute(null=True)  # masked
    ticket_id = UnicodeAttribute(null=True)
    expected_amount_cents = NumberAttribute(null=True)
    charge_provider = UnicodeAttribute(null=True)
    charge_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()  # ISO 8601 UTC with microseconds: sorts as text
    updated_at = UnicodeAttribute()
    needs_second_approval = BooleanAttribute(default=False)
    escalated = BooleanAttribute(default=False)
    review_notes: ListAttribute = ListAttribute(null=True)
    first_approver = UnicodeAttribute(null=True)
    decided_by: ListAttribute = ListAttribute(null=True)
    rejection_reason = UnicodeAttribute(null=True)
    payout_id = UnicodeAttribute(null=True)
    payout_error = UnicodeAttribute(null=True)
    payout_attempt = NumberAttribute(default=0)
    timeline = ListAttribute(of=MapAttribute, default=list)
    # The review step's Step Functions task token: read only by the decision route, never returned or logged.
    task_token = UnicodeAttribute(null=True)
    review_queue = UnicodeAttribute(null=True)
    queued_at = UnicodeAttribute(null=True)

    customer_refunds = CustomerRefundsIndex()
    order_refunds = OrderRefundsIndex()
    review_queue_index = ReviewQueueIndex()
