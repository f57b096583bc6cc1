"""Telling people about a case: the customer (e-mail, else SMS, in their language), the linked ticket (a system
message in the customer's language), and staff (an e-mail to the reviewers' or supervisors' address). Sending is
best effort: a failed message is logged and counted, never undoes a state change (the timeline on the case is the
record the customer can always read)."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Protocol

from supportdesk import i18n
from supportdesk.dal.tickets import TicketMessageModel, TicketModel
from supportdesk.identity.contacts import verified_recipients
from supportdesk.notify.notifier import Notifier, Recipient
from supportdesk.observability import logger, metrics
from supportdesk.refunds.model import Refund
from supportdesk.tickets.storage import message_id, stamp

CUSTOMER_TEMPLATE = "refund_update"
STAFF_TEMPLATE = "refund_staff_alert"


def money(amount_cents: int, currency: str) -> str:
    return f"¥{amount_cents / 100:,.2f}" if currency == "CNY" else f"{amount_cents / 100:,.2f} {currency}"


def step_text(step: str, language: str, params: dict) -> str:
    return i18n.message(f"refund_step_{step}", language, **params)


class TicketNotes(Protocol):
    def owns(self, customer_id: str, ticket_id: str) -> bool: ...

    def add(self, ticket_id: str, text: str, note: str, now: datetime) -> None: ...


class Contacts(Protocol):
    def recipient(self, account_id: str) -> Recipient | None: ...


class RefundNotices:
    def __init__(
        self,
        notifier: Callable[[], Notifier],
        contacts: Contacts,
        tickets: TicketNotes,
        reviewers: str,
        supervisors: str,
    ) -> None:
        self._notifier = notifier  # built on first send: only then are its settings (the sender) needed
        self._contacts = contacts
        self._tickets = tickets
        self._reviewers = reviewers
        self._supervisors = supervisors

    def customer(self, refund: Refund, step: str, params: dict, now: datetime) -> None:
        try:
            recipient = self._contacts.recipient(refund.customer_id)
            if recipient is not None:
                text = step_text(step, recipient.language, params)
                self._notifier().send(
                    recipient,
                    CUSTOMER_TEMPLATE,
                    {
                        "case_id": refund.refund_id,
                        "order_id": refund.order_id,
                        "is_dispute": refund.is_dispute,
                        "step": step,
                        "text": text,
                        "status": refund_status_text(refund, recipient.language),
                    },
                )
            if refund.ticket_id:
                self._tickets.add(refund.ticket_id, step_text(step, refund.language, params), f"refund_{step}", now)
        except Exception:  # noqa: BLE001 - the case's timeline already says it; delivery must not undo it
            logger.exception("refund notice failed", extra={"refund_id": refund.refund_id, "step": step})
            metrics.add_metric(name="RefundNoticeFailed", unit="Count", value=1)

    def staff(self, refund: Refund, audience: str, alert: str) -> None:
        address = self._supervisors if audience == "supervisors" else self._reviewers
        if not address:
            return
        try:
            self._notifier().send(
                Recipient("email", address, "zh-CN"),
                STAFF_TEMPLATE,
                {
                    "case_id": refund.refund_id,
                    "kind": refund.kind.value,
                    "order_id": refund.order_id,
                    "amount": money(refund.amount_cents, refund.currency),
                    "alert": alert,
                    "audience": audience,
                    "notes": list(refund.review_notes),
                    "payout_error": refund.payout_error or "",
                },
            )
        except Exception:  # noqa: BLE001
            logger.exception("staff alert failed", extra={"refund_id": refund.refund_id, "alert": alert})
            metrics.add_metric(name="RefundStaffAlertFailed", unit="Count", value=1)


def refund_status_text(refund: Refund, language: str) -> str:
    return i18n.message(f"refund_status_{refund.status.value}", language)


class AccountContacts:
    """The customer's verified e-mail (else verified phone) and language, from their account (one GetItem)."""

    def __init__(self, accounts: Callable) -> None:
        self._accounts = accounts  # the account repository, built on first use

    def recipient(self, account_id: str) -> Recipient | None:
        account = self._accounts().get(account_id)
        if account is None:
            return None
        recipients = verified_recipients(account, account.language)  # never an unverified address or phone
        return recipients[0] if recipients else None


class DynamoTicketNotes:
    """System messages on the customer's ticket (TicketMessagesTable), in the shape the ticket operation writes."""

    def owns(self, customer_id: str, ticket_id: str) -> bool:

        try:
            ticket = TicketModel.get(ticket_id, attributes_to_get=["customer_id"])
        except TicketModel.DoesNotExist:
            return False
        return ticket.customer_id == customer_id

    def add(self, ticket_id: str, text: str, note: str, now: datetime) -> None:

        TicketMessageModel(
            ticket_id, message_id(now), author="system", text=text, created_at=stamp(now), note=note
        ).save()
