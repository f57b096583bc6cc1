"""Adapters of the ticket operation, built once per container on first use (see supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk import runtime
from supportdesk.runtime import component
from supportdesk.settings import get_settings


@component
def ticket_store():
    from supportdesk.tickets.repository import DynamoTicketStore

    return DynamoTicketStore()


@component
def order_lookup():
    from supportdesk.tickets.repository import DynamoOrderLookup

    return DynamoOrderLookup()


@component
def business_hours():
    from supportdesk.tickets.hours import BusinessHours

    return BusinessHours.from_settings(get_settings())


@component
def ticket_service():
    from supportdesk.tickets.masking import mask_sensitive
    from supportdesk.tickets.service import TicketService
    from supportdesk.tickets.waiting import estimate_wait

    return TicketService(
        store=ticket_store(),
        orders=order_lookup(),
        accounts=runtime.account_reader(),  # no password hashes here (see dal.accounts.CONTACT_ATTRIBUTES)
        notifier=runtime.notifier(),
        clock=runtime.clock(),
        hours=business_hours(),
        mask=mask_sensitive,
        estimate=estimate_wait,
        support_inbox=get_settings().support_inbox,
        limiter=runtime.rate_limiter(),
    )
