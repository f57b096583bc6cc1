"""Tickets over HTTP: the customer's routes (/tickets...) and the staff's (/agent/...). Thin: parse, check the
caller, call one TicketService method, return."""
from __future__ import annotations

from typing import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import STAFF_ROLES, create_app, json_body, json_response, principal, request_body
from supportdesk.errors import DomainError
from supportdesk.observability import audit, logger, metrics
from supportdesk.tickets import service as tickets
from supportdesk.tickets.service import Caller
from supportdesk.tickets.wiring import ticket_service

app = create_app()
CUSTOMER = frozenset({"customer"})
SUPERVISORS = frozenset({"supervisor"})


def _customer() -> Caller:
    return Caller.of(principal(app, roles=CUSTOMER))


def _staff(roles: frozenset[str] = STAFF_ROLES) -> Caller:
    return Caller.of(principal(app, roles=roles))


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name=name, default_value=None)


def _audited_listing(staff: Caller, view: str, produce: Callable[[], dict], **fields: object) -> dict:
    """Staff listings are audited like ticket reads: who saw which tickets (or was refused), in the audit trail
    (`filter audit_event = "staff_listing"` in Logs Insights); the tickets each one lists are named."""
    try:
        result = produce()
    except DomainError as refused:
        audit("staff_listing_denied", actor_id=staff.account_id, actor_role=staff.role, view=view, code=refused.code,
              **fields)
        raise
    audit("staff_listing", actor_id=staff.account_id, actor_role=staff.role, view=view,
          ticket_ids=[t["id"] for t in result.get("tickets", [])], **fields)
    return result


# ---- customer ----------------------------------------------------------------------------------------------------


@app.post(
    "/tickets",
    summary="Open a ticket",
    tags=["tickets"],
    openapi_extensions=request_body(
        ["category", "subject", "message"],
        category={"type": "string", "enum": list(tickets.CATEGORIES)},
        subject={"type": "string", "maxLength": tickets.MAX_SUBJECT},
        message={"type": "string", "maxLength": tickets.MAX_MESSAGE},
        order_id={"type": "string", "description": "One of the caller's orders"},
    ),
)
def open_ticket() -> Response[dict]:
    caller = _customer()
    body = json_body(app)
    result = ticket_service().open_ticket(
        caller,
        tickets.parse_category(body.get("category")),
        tickets.parse_text(body.get("subject"), "subject", tickets.MAX_SUBJECT, one_line=True),
        tickets.parse_text(body.get("message"), "message", tickets.MAX_MESSAGE),
        tickets.parse_text(body.get("order_id"), "order_id", tickets.MAX_ORDER_ID, required=False, one_line=True),
    )
    return json_response(201, result)


@app.get("/tickets", summary="The caller's tickets, newest first (cursor pagination)", tags=["tickets"])
def list_tickets() -> dict:
    caller = _customer()
    return ticket_service().list_tickets(caller, tickets.parse_limit(_query("limit")), _query("cursor"))


@app.get("/tickets/<ticket_id>", summary="A ticket with its messages", tags=["tickets"])
def get_ticket(ticket_id: str) -> dict:
    return ticket_service().get_ticket(_customer(), ticket_id)


@app.post(
    "/tickets/<ticket_id>/messages",
    summary="Write in a ticket (reopens a resolved one; asking for a human hands it off)",
    tags=["tickets"],
    openapi_extensions=request_body(["message"], message={"type": "string", "maxLength": tickets.MAX_MESSAGE}),
)
def post_message(ticket_id: str) -> Response[dict]:
    caller = _customer()
    text = tickets.parse_text(json_body(app).get("message"), "message", tickets.MAX_MESSAGE)
    return json_response(201, ticket_service().post_message(caller, ticket_id, text))


@app.post("/tickets/<ticket_id>/handoff", summary="Transfer to a human agent", tags=["tickets"])
def handoff(ticket_id: str) -> dict:
    return ticket_service().handoff(_customer(), ticket_id)


@app.get("/tickets/<ticket_id>/queue", summary="Live queue position and estimated wait", tags=["tickets"])
def queue_status(ticket_id: str) -> dict:
    return ticket_service().queue_status(_customer(), ticket_id)


@app.post(
    "/tickets/<ticket_id>/rating",
    summary="Rate the service (1-5) once per resolution, within 7 days",
    tags=["tickets"],
    openapi_extensions=request_body(
        ["score"],
        score={"type": "integer", "minimum": 1, "maximum": 5},
        comment={"type": "string", "maxLength": tickets.MAX_COMMENT},
    ),
)
def rate(ticket_id: str) -> Response[dict]:
    caller = _customer()
    body = json_body(app)
    score = tickets.parse_score(body.get("score"))
    comment = tickets.parse_text(body.get("comment"), "comment", tickets.MAX_COMMENT, required=False)
    return json_response(201, ticket_service().rate(caller, ticket_id, score, comment))


# ---- staff -------------------------------------------------------------------------------------------------------


@app.get("/agent/queue", summary="Waiting tickets, oldest first", tags=["agent"])
def waiting_queue() -> dict:
    staff = _staff()
    limit = tickets.parse_limit(_query("limit"))
    return _audited_listing(staff, "queue", lambda: ticket_service().waiting_queue(staff, limit, _query("cursor")))


@app.get(
    "/agent/tickets",
    summary="Tickets an agent claimed, most recently active first (supervisors: ?agent_id= for any agent)",
    tags=["agent"],
)
def agent_tickets() -> dict:
    staff = _staff()
    limit, agent_id = tickets.parse_limit(_query("limit")), _query("agent_id")
    return _audited_listing(staff, "agent_tickets",
                            lambda: ticket_service().agent_tickets(staff, agent_id, limit, _query("cursor")),
                            agent_id=agent_id or staff.account_id)


@app.get("/agent/tickets/<ticket_id>", summary="A ticket for staff (audited)", tags=["agent"])
def staff_ticket(ticket_id: str) -> dict:
    return ticket_service().staff_ticket(_staff(), ticket_id)


@app.post("/agent/tickets/<ticket_id>/claim", summary="Take a waiting ticket (one agent wins)", tags=["agent"])
def claim(ticket_id: str) -> dict:
    return ticket_service().claim(_staff(), ticket_id)


@app.post(
    "/agent/tickets/<ticket_id>/messages",
    summary="Answer the customer (also sent to them by e-mail)",
    tags=["agent"],
    openapi_extensions=request_body(["message"], message={"type": "string", "maxLength": tickets.MAX_MESSAGE}),
)
def agent_reply(ticket_id: str) -> Response[dict]:
    staff = _staff()
    text = tickets.parse_text(json_body(app).get("message"), "message", tickets.MAX_MESSAGE)
    return json_response(201, ticket_service().agent_reply(staff, ticket_id, text))


@app.post("/agent/tickets/<ticket_id>/resolve", summary="Mark a claimed ticket resolved", tags=["agent"])
def resolve(ticket_id: str) -> dict:
    return ticket_service().resolve(_staff(), ticket_id)


@app.put(
    "/agent/status",
    summary="Go online (renews a 30-minute presence lease: repeat as a heartbeat) or offline",
    tags=["agent"],
    openapi_extensions=request_body(["online"], online={"type": "boolean"}),
)
def agent_status() -> dict:
    staff = _staff()
    return ticket_service().set_status(staff, tickets.parse_online(json_body(app).get("online")))


@app.get("/agent/tickets/<ticket_id>/audit", summary="Who on the staff read this ticket (supervisors)", tags=["agent"])
def access_log(ticket_id: str) -> dict:
    staff = _staff(SUPERVISORS)
    limit = tickets.parse_limit(_query("limit"))
    return _audited_listing(staff, "access_log",
                            lambda: ticket_service().access_log(staff, ticket_id, limit, _query("cursor")),
                            ticket_id=ticket_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
