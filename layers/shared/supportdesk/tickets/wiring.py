"""Adapters of the ticket operation, built once per container on first use (see supportdesk.runtime.component)."""

from __future__ import annotations

from supportdesk import ratelimit, runtime
from supportdesk.hours import BusinessHours
from supportdesk.identity import wiring as identity
from supportdesk.masking import mask_sensitive
from supportdesk.notify import wiring as notify
from supportdesk.orders import wiring as orders
from supportdesk.runtime import component
from supportdesk.tickets.queue_repository import DynamoQueueStore
from supportdesk.tickets.repository import DynamoTicketStore
from supportdesk.tickets.service import TicketService
from supportdesk.tickets.settings import ticket_settings
from supportdesk.tickets.waiting import estimate_wait


@component
def ticket_store() -> DynamoTicketStore:
    return DynamoTicketStore()


@component
def queue_store() -> DynamoQueueStore:
    return DynamoQueueStore()


@component
def business_hours() -> BusinessHours:
    return BusinessHours.from_settings(ticket_settings())


@component
def ticket_service() -> TicketService:
    return TicketService(
        store=ticket_store(),
        queue=queue_store(),
        orders=orders.order_lookup(),
        accounts=identity.account_reader(),  # no password hashes here (see dal.accounts.CONTACT_ATTRIBUTES)
        notifier=notify.channel_notifier(),  # one automatic answer a day per address; sent mail remembered per ticket
        clock=runtime.clock(),
        hours=business_hours(),
        mask=mask_sensitive,
        estimate=estimate_wait,
        support_inbox=ticket_settings().support_inbox,
        limiter=ratelimit.rate_limiter(),
    )
