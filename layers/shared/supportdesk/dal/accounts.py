from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.models import Model

from supportdesk.dal.base import TableName


class AccountModel(Model):
    """A customer or a staff member. Keyed by an opaque id; logins point here through AccountLoginModel."""

    class Meta:
        table_name = TableName("accounts_table")

    account_id = UnicodeAttribute(hash_key=True)
    role = UnicodeAttribute()  # customer | agent | supervisor
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)  # E.164
    # Contact points ("email", "phone") whose code was not confirmed yet: they receive nothing but that code.
    # Absent (accounts stored before verification existed, or all confirmed) = every contact point verified.
    unverified = UnicodeSetAttribute(null=True)
    display_name = UnicodeAttribute(null=True)
    # The e-mail address SES reported as hard-bounced or complaining (functions/ticket/mail_events.py) and which:
    # while it is still the account's `email`, mail goes to the verified phone instead (identity.contacts).
    undeliverable_email = UnicodeAttribute(null=True)
    undeliverable_reason = UnicodeAttribute(null=True)  # bounce | complaint
    language = UnicodeAttribute(default="zh-CN")
    password_hash = UnicodeAttribute()
    # Tokens carry the version they were issued under; bumping it on a password change ends every older session.
    password_version = NumberAttribute(default=1)
    password_changed_at = UTCDateTimeAttribute()
    created_at = UTCDateTimeAttribute()


# What functions other than identity and password reset may read of an account: never the password hash. Their IAM
# policies allow GetItem on the accounts table only with a projection within these attributes (dynamodb:Attributes).
CONTACT_ATTRIBUTES = (
    "account_id",
    "role",
    "email",
    "phone",
    "display_name",
    "language",
    "unverified",
    "password_version",
    "undeliverable_email",
    "undeliverable_reason",
)
# What MailEventsFunction may write (and name in its condition) of an account, without reading it: its IAM policy
# allows UpdateItem only within these attributes and with ReturnValues NONE.
UNDELIVERABLE_ATTRIBUTES = ("account_id", "email", "undeliverable_email", "undeliverable_reason")


class AccountLoginModel(Model):
    """Uniqueness and lookup of a login (normalized e-mail or E.164 phone): one GetItem, no Scan, no GSI race."""

    class Meta:
        table_name = TableName("account_logins_table")

    login = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
