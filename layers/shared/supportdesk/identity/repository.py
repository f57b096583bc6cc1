"""Account storage: an account item plus one login item per e-mail/phone, written in one transaction so that a
login can never point at two accounts."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Protocol

from supportdesk.errors import Conflict


class AccountRepository(Protocol):
    def create(self, account, logins: list[str]) -> None: ...
    def find_by_login(self, login: str): ...
    def get(self, account_id: str): ...
    def change_password(self, account, password_hash: str, changed_at: datetime) -> int: ...
    def update_hash(self, account, password_hash: str) -> None: ...
    def mark_verified(self, account_id: str, kind: str) -> bool: ...


class DynamoAccountRepository:
    """`attributes`: read only these (a projection; functions that must not see password hashes use
    dal.accounts.CONTACT_ATTRIBUTES, as their IAM policy demands). `consistent_read`: for the authorizer, so that a
    token issued before a password change is refused from the moment the change is written."""

    def __init__(self, attributes: tuple[str, ...] | None = None, consistent_read: bool = False) -> None:
        self._attributes = list(attributes) if attributes else None
        self._consistent_read = consistent_read

    def create(self, account, logins: list[str]) -> None:
        from pynamodb.connection import Connection
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        from supportdesk.dal.accounts import AccountLoginModel, AccountModel

        try:
            with TransactWrite(connection=Connection()) as transaction:
                transaction.save(account, condition=AccountModel.account_id.does_not_exist())
                for login in logins:
                    transaction.save(
                        AccountLoginModel(login, account_id=account.account_id),
                        condition=AccountLoginModel.login.does_not_exist(),
                    )
        except TransactWriteError as exc:
            if exc.cause_response_code == "TransactionCanceledException":
                raise Conflict("login_taken") from exc
            raise

    def find_by_login(self, login: str):
        """Two GetItems. An unknown login still makes the second call (on a random id) so that the two cases take
        the same number of round trips and cannot be told apart by timing."""
        from supportdesk.dal.accounts import AccountLoginModel, AccountModel

        try:
            account_id = AccountLoginModel.get(login).account_id
        except AccountLoginModel.DoesNotExist:
            account_id = None
        try:
            account = AccountModel.get(account_id or f"unknown-{secrets.token_hex(8)}",
                                       attributes_to_get=self._attributes, consistent_read=self._consistent_read)
        except AccountModel.DoesNotExist:
            return None
        return account if account_id else None

    def get(self, account_id: str):
        from supportdesk.dal.accounts import AccountModel

        try:
            return AccountModel.get(account_id, attributes_to_get=self._attributes,
                                    consistent_read=self._consistent_read)
        except AccountModel.DoesNotExist:
            return None

    def change_password(self, account, password_hash: str, changed_at: datetime) -> int:
        """Store the new hash and bump the password version (ending older sessions) in one conditional update."""
        from supportdesk.dal.accounts import AccountModel

        account.update(
            actions=[
                AccountModel.password_hash.set(password_hash),
                AccountModel.password_version.add(1),
                AccountModel.password_changed_at.set(changed_at),
            ],
            condition=AccountModel.account_id.exists(),
        )
        return int(account.password_version)

    def update_hash(self, account, password_hash: str) -> None:
        from supportdesk.dal.accounts import AccountModel

        account.update(actions=[AccountModel.password_hash.set(password_hash)])

    def mark_verified(self, account_id: str, kind: str) -> bool:
        """Take `kind` ("email"/"phone") out of the account's unverified contact points; False if there is no such
        account. One UpdateItem (a set DELETE is a no-op when the kind was verified already)."""
        from pynamodb.exceptions import UpdateError

        from supportdesk.dal.accounts import AccountModel

        try:
            AccountModel(account_id).update(actions=[AccountModel.unverified.delete({kind})],
                                            condition=AccountModel.account_id.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
