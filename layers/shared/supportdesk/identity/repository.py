"""Account storage: an account item plus one login item per e-mail/phone, written in one transaction so that a
login can never point at two accounts."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Protocol

from pynamodb.exceptions import UpdateError

from supportdesk.dal.accounts import AccountLoginModel, AccountModel
from supportdesk.dal.transactions import ConditionFailed, TransactionBusy, transact, write_only_update
from supportdesk.errors import Conflict
from supportdesk.identity.model import Account
from supportdesk.roles import Role


class AccountRepository(Protocol):
    def create(self, account: Account) -> None: ...
    def find_by_login(self, login: str) -> Account | None: ...
    def get(self, account_id: str) -> Account | None: ...
    def change_password(self, account: Account, password_hash: str, changed_at: datetime) -> int: ...
    def update_hash(self, account: Account, password_hash: str) -> None: ...
    def mark_verified(self, account_id: str, kind: str) -> bool: ...
    def mark_email_undeliverable(self, login: str, reason: str) -> str | None: ...


def to_account(item) -> Account:
    """The dataclass of an item; a projected read (CONTACT_ATTRIBUTES) leaves the password hash and dates None."""
    return Account(
        account_id=item.account_id,
        role=Role(item.role),
        password_hash=item.password_hash,
        password_changed_at=item.password_changed_at,
        created_at=item.created_at,
        email=item.email,
        phone=item.phone,
        display_name=item.display_name,
        language=item.language or "zh-CN",
        password_version=int(item.password_version or 1),
        unverified=frozenset(item.unverified) if item.unverified else None,
        undeliverable_email=item.undeliverable_email,
        undeliverable_reason=item.undeliverable_reason,
    )


class DynamoAccountRepository:
    """`attributes`: read only these (a projection; functions that must not see password hashes use
    dal.accounts.CONTACT_ATTRIBUTES, as their IAM policy demands). `consistent_read`: for the authorizer, so that a
    token issued before a password change is refused from the moment the change is written."""

    def __init__(self, attributes: tuple[str, ...] | None = None, consistent_read: bool = False) -> None:
        self._attributes = list(attributes) if attributes else None
        self._consistent_read = consistent_read

    def create(self, account: Account) -> None:
        """The account and one login item per login, in one transaction: a login already taken cancels it all."""
        item = AccountModel(
            account.account_id,
            role=account.role.value,
            email=account.email,
            phone=account.phone,
            display_name=account.display_name,
            language=account.language,
            password_hash=account.password_hash,
            password_version=account.password_version,
            password_changed_at=account.password_changed_at,
            created_at=account.created_at,
            unverified=set(account.unverified) if account.unverified else None,
        )

        def build(transaction) -> None:
            transaction.save(item, condition=AccountModel.account_id.does_not_exist())
            for login in account.logins:
                transaction.save(
                    AccountLoginModel(login, account_id=account.account_id),
                    condition=AccountLoginModel.login.does_not_exist(),
                )

        try:
            transact(build)
        except (ConditionFailed, TransactionBusy) as exc:
            raise Conflict("login_taken") from exc

    def find_by_login(self, login: str) -> Account | None:
        """Two GetItems. An unknown login still makes the second call (on a random id) so that the two cases take
        the same number of round trips and cannot be told apart by timing."""
        try:
            account_id = AccountLoginModel.get(login).account_id
        except AccountLoginModel.DoesNotExist:
            account_id = None
        try:
            account = AccountModel.get(
                account_id or f"unknown-{secrets.token_hex(8)}",
                attributes_to_get=self._attributes,
                consistent_read=self._consistent_read,
            )
        except AccountModel.DoesNotExist:
            return None
        return to_account(account) if account_id else None

    def get(self, account_id: str) -> Account | None:
        try:
            return to_account(
                AccountModel.get(account_id, attributes_to_get=self._attributes, consistent_read=self._consistent_read)
            )
        except AccountModel.DoesNotExist:
            return None

    def change_password(self, account: Account, password_hash: str, changed_at: datetime) -> int:
        """Store the new hash and bump the password version (ending older sessions) in one conditional update."""
        item = AccountModel(account.account_id)
        item.update(
            actions=[
                AccountModel.password_hash.set(password_hash),
                AccountModel.password_version.add(1),
                AccountModel.password_changed_at.set(changed_at),
            ],
            condition=AccountModel.account_id.exists(),
        )
        return int(item.password_version)

    def update_hash(self, account: Account, password_hash: str) -> None:
        AccountModel(account.account_id).update(actions=[AccountModel.password_hash.set(password_hash)])

    def mark_verified(self, account_id: str, kind: str) -> bool:
        """Take `kind` ("email"/"phone") out of the account's unverified contact points; False if there is no such
        account. One UpdateItem (a set DELETE is a no-op when the kind was verified already)."""

        try:
            AccountModel(account_id).update(
                actions=[AccountModel.unverified.delete({kind})], condition=AccountModel.account_id.exists()
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_email_undeliverable(self, login: str, reason: str) -> str | None:
        """Record on the account whose e-mail login is `login` (normalized) that SES reported it as hard-bounced or
        complaining (`reason`); the account's id, or None when no account has that e-mail address (any more).
        A GetItem of the login, then one UpdateItem that reads nothing back (MailEventsFunction may not read
        accounts) and holds only while `login` is still the account's address. Repeating it changes nothing."""
        try:
            account_id = AccountLoginModel.get(login).account_id
        except AccountLoginModel.DoesNotExist:
            return None
        m = AccountModel
        marked = write_only_update(
            m,
            account_id,
            [m.undeliverable_email.set(login), m.undeliverable_reason.set(reason)],
            m.account_id.exists() & (m.email == login),
        )
        return account_id if marked else None
