"""The right to be forgotten (PIPL art. 47): a customer deletes their own account with their current password.

Order is what makes it resumable: first the customer's tickets are anonymised (each one conditional UpdateItem that
only matches a ticket still naming the customer, so a repeat is a no-op), then the account and its login items go
in one transaction, then the confirmation is sent to the address captured before. A request that stops half-way
leaves the account in place with some tickets anonymised; the customer (still able to log in) repeats the request
and it continues. Once the account is gone, every token is refused by the authorizer (it reads the account on each
request) and the login can be registered again by anyone.
"""

from __future__ import annotations

from typing import Protocol

from supportdesk.errors import Forbidden, InvalidInput, NotFound
from supportdesk.lifecycle.jobs import recipient_of
from supportdesk.observability import audit, logger, metrics
from supportdesk.ratelimit import Limit

DELETE_ATTEMPTS = Limit("account-delete", max_hits=5, window_seconds=900)  # password guesses with a stolen token
TICKET_PAGE = 100


class ForgetStore(Protocol):
    def customer_ticket_ids(self, customer_id: str, limit: int) -> list[str]: ...
    def anonymise_customer_ticket(self, ticket_id: str, customer_id: str) -> bool: ...
    def delete_account(self, account_id: str, logins: list[str]) -> bool: ...


class AccountEraser:
    def __init__(
        self, accounts, store: ForgetStore, notifier, verify_password, limiter=None, support_contact: str = ""
    ) -> None:
        self.accounts = accounts
        self.store = store
        self.notifier = notifier
        self.verify_password = verify_password
        self.limiter = limiter
        self.support_contact = support_contact

    def delete(self, account_id: str, password: object) -> dict:
        if not isinstance(password, str) or not password:
            raise InvalidInput("missing_field", field="password", details={"field": "password"})
        if self.limiter is not None:
            self.limiter.hit(DELETE_ATTEMPTS, account_id)
        account = self.accounts.get(account_id)
        if account is None:
            raise NotFound("account_not_found")
        if not self.verify_password(account.password_hash, password):
            raise Forbidden("password_incorrect")
        anonymised = 0
        while True:  # each page: one Query of the customer's tickets, one UpdateItem per ticket
            ids = self.store.customer_ticket_ids(account.account_id, TICKET_PAGE)
            for ticket_id in ids:
                anonymised += int(self.store.anonymise_customer_ticket(ticket_id, account.account_id))
            if len(ids) < TICKET_PAGE:
                break
        recipient = recipient_of(account, account.language)
        self.store.delete_account(account.account_id, account.logins)
        metrics.add_metric(name="AccountsDeleted", unit="Count", value=1)
        audit("account_deleted", account_id=account.account_id, tickets_anonymised=anonymised)
        if recipient is not None:
            try:
                self.notifier.send(recipient, "account_deleted", {"support_contact": self.support_contact})
            except Exception:  # noqa: BLE001 - the deletion stands; the confirmation is best effort
                logger.exception("account deletion confirmation failed")
        return {"status": "deleted", "tickets_anonymised": anonymised}
