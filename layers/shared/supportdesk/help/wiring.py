"""Adapters of the help centre, built once per container on first use (see supportdesk.runtime.component)."""

from __future__ import annotations

from supportdesk import runtime
from supportdesk.errors import ConfigurationError
from supportdesk.help.build import INDEX_PATH
from supportdesk.help.contact import Channels, ContactDesk
from supportdesk.help.search import HelpIndex
from supportdesk.help.service import HelpCentre
from supportdesk.help.settings import contact_settings
from supportdesk.runtime import component
from supportdesk.tickets.settings import ticket_settings
from supportdesk.tickets.waiting import estimate_wait


@component
def help_index() -> HelpIndex:
    """The build-time index (supportdesk/help/index.json), loaded on the first request that needs it (~10 ms)."""
    if not INDEX_PATH.exists():
        raise ConfigurationError(
            f"{INDEX_PATH.name} is missing: the help index is built by `make help-index` / sam build"
        )
    return HelpIndex.load(INDEX_PATH)


@component
def help_centre() -> HelpCentre:
    return HelpCentre(help_index())


@component
def contact_desk() -> ContactDesk:
    # deferred: the ticket adapters import pynamodb (~0.2 s, see docs/performance.md), needed only by /support/contact
    from supportdesk.tickets import wiring as tickets

    return ContactDesk(
        Channels.from_settings(contact_settings(), ticket_settings()),
        tickets.business_hours(),
        tickets.queue_store(),
        runtime.clock(),
        estimate_wait,
    )


@component
def self_service_tickets():
    """The customer's ticket routes with the help centre in front of the human desk (tickets/self_service.py)."""
    # deferred: only the ticket function builds this; the help function must not import the ticket desk
    from supportdesk.tickets.self_service import SelfServiceTickets
    from supportdesk.tickets.wiring import ticket_service, ticket_store  # deferred, as above

    return SelfServiceTickets(ticket_service(), ticket_store(), help_centre(), runtime.clock())
