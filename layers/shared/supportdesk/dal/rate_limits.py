from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from supportdesk.dal.base import TableName


class RateLimitModel(Model):
    """A fixed-window counter; `expires_at` is the table's TTL attribute, so old windows delete themselves."""

    class Meta:
        table_name = TableName("rate_limits_table")

    bucket = UnicodeAttribute(hash_key=True)  # "<scope>#<subject>#<window start>"
    hits = NumberAttribute(default=0)
    expires_at = NumberAttribute()
    last_at = NumberAttribute(null=True)  # epoch seconds of the latest recorded failure (progressive delays)
