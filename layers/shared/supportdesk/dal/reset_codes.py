from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from supportdesk.dal.base import TableName


class ResetCodeModel(Model):
    """The one live password-reset code of a login. Keyed by a keyed hash of the login (no e-mail or phone in clear);
    a new request overwrites the item, so a newer code always replaces the older one. The code itself is never
    stored, only its HMAC. `expires_at` is the table's TTL attribute: expired items delete themselves (within
    hours, so reads also compare it with the clock)."""

    class Meta:
        table_name = TableName("reset_codes_table")

    login_key = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(null=True)  # None on the stand-in item written for a login with no account
    code_hash = UnicodeAttribute()
    salt = UnicodeAttribute()  # per-code random value mixed into the HMAC
    attempts = NumberAttribute(default=0)  # confirmations tried against this code, right or wrong
    issued_at = UTCDateTimeAttribute()
    expires_at = NumberAttribute()  # epoch seconds
    used_at = UTCDateTimeAttribute(null=True)
