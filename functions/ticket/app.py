"""Tickets over HTTP: the customer's routes (/tickets...) and the staff's (/agent/...). Thin: parse, check the
caller, call one TicketService method, return."""
from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import caller, create_app, json_body, json_response, query, request_body, responses
from supportdesk.help.wiring import self_service_tickets
from supportdesk.observability import logger, metrics
from supportdesk.roles import CUSTOMERS, STAFF, SUPERVISORS, Caller, Role
from supportdesk.secret_requests import refuse_secret_requests
from supportdesk.tickets import service as tickets
from supportdesk.tickets.wiring import ticket_service

app = create_app()
# Error codes per status for the OpenAPI document (supportdesk.api.responses); 403 `forbidden` is the role check.
MESSAGE_ERRORS = ("invalid_json", "invalid_field", "empty_message", "message_too_long")
PAGE_ERRORS = ("invalid_limit", "invalid_cursor")


def _customer() -> Caller:
    return caller(app, roles=CUSTOMERS)


def _staff(roles: frozenset[Role] = STAFF) -> Caller:
    return caller(app, roles=roles)


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name=name, default_value=None)


# ---- customer ----------------------------------------------------------------------------------------------------


@app.post(
    "/tickets",
    summary="Open a ticket (with up to 3 suggested help articles, and an automatic answer when one clearly fits)",
    tags=["tickets"],
    openapi_extensions=request_body(
        ["category", "subject", "message"],
        category={"type": "string", "enum": list(tickets.CATEGORIES)},
        subject={"type": "string", "maxLength": tickets.MAX_SUBJECT},
        message={"type": "string", "maxLength": tickets.MAX_MESSAGE},
        order_id={"type": "string", "description": "One of the caller's orders"},
    )
    | responses(201, "TicketChange", {
        400: ("invalid_json", "invalid_category", "missing_field", "invalid_field", "field_too_long", "empty_message",
              "message_too_long"),
        403: ("forbidden",), 404: ("order_not_found",), 409: ("ticket_busy",), 429: ("ticket_rate_limited",),
    }),
)
def open_ticket() -> Response[dict]:
    caller = _customer()
    body = json_body(app)
    result = self_service_tickets().open_ticket(
        caller,
        tickets.parse_category(body.get("category")),
        tickets.parse_text(body.get("subject"), "subject", tickets.MAX_SUBJECT),
        tickets.parse_text(body.get("message"), "message", tickets.MAX_MESSAGE),
        tickets.parse_text(body.get("order_id"), "order_id", tickets.MAX_ORDER_ID, required=False),
    )
    return json_response(201, result)


@app.get("/tickets", summary="The caller's tickets, newest first (cursor pagination)", tags=["tickets"],
         openapi_extensions=query("limit", "cursor") | responses(200, "TicketList", {400: PAGE_ERRORS,
                                                                                      403: ("forbidden",)}))
def list_tickets() -> dict:
    caller = _customer()
    return ticket_service().list_tickets(caller, tickets.parse_limit(_query("limit")), _query("cursor"))


@app.get("/tickets/<ticket_id>", summary="A ticket with its messages", tags=["tickets"],
         openapi_extensions=responses(200, "TicketWithMessages", {403: ("forbidden",), 404: ("ticket_not_found",)}))
def get_ticket(ticket_id: str) -> dict:
    return ticket_service().get_ticket(_customer(), ticket_id)


@app.post(
    "/tickets/<ticket_id>/messages",
    summary="Write in a ticket (reopens a resolved one; asking for a human hands it off; an open ticket may get an "
    "automatic answer from the help centre)",
    tags=["tickets"],
    openapi_extensions=request_body(["message"], message={"type": "string", "maxLength": tickets.MAX_MESSAGE})
    | responses(201, "TicketChange", {400: MESSAGE_ERRORS, 403: ("forbidden",), 404: ("ticket_not_found",),
                                      409: ("ticket_busy",), 429: ("ticket_rate_limited",)}),
)
def post_message(ticket_id: str) -> Response[dict]:
    caller = _customer()
    text = tickets.parse_text(json_body(app).get("message"), "message", tickets.MAX_MESSAGE)
    return json_response(201, self_service_tickets().post_message(caller, ticket_id, text))


@app.post(
    "/tickets/<ticket_id>/solved-by-article",
    summary="Close a ticket that a help article solved (open or waiting; repeating it is harmless)",
    tags=["tickets"],
    openapi_extensions=request_body(["article_id"], article_id={"type": "string", "maxLength": 80})
    | responses(200, "SolvedByArticle", {400: ("invalid_json", "missing_field", "invalid_field", "field_too_long"),
                                         403: ("forbidden",), 404: ("ticket_not_found", "article_not_found"),
                                         409: ("ticket_with_agent", "ticket_busy")}),
)
def solved_by_article(ticket_id: str) -> dict:
    caller = _customer()
    article_id = tickets.parse_text(json_body(app).get("article_id"), "article_id", 80)
    return self_service_tickets().solved_by_article(caller, ticket_id, article_id)


@app.post("/tickets/<ticket_id>/handoff", summary="Transfer to a human agent", tags=["tickets"],
          openapi_extensions=responses(200, "Handoff", {403: ("forbidden",), 404: ("ticket_not_found",),
                                                         409: ("ticket_busy", "ticket_closed")}))
def handoff(ticket_id: str) -> dict:
    return ticket_service().handoff(_customer(), ticket_id)


@app.get("/tickets/<ticket_id>/queue", summary="Live queue position and estimated wait", tags=["tickets"],
         openapi_extensions=responses(200, "QueueStatus", {403: ("forbidden",), 404: ("ticket_not_found",)}))
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
    )
    | responses(201, "Rated", {
        400: ("invalid_json", "invalid_score", "invalid_field", "field_too_long"), 403: ("forbidden",),
        404: ("ticket_not_found",), 409: ("ticket_not_resolved", "ticket_already_rated", "rating_period_over"),
    }),
)
def rate(ticket_id: str) -> Response[dict]:
    caller = _customer()
    body = json_body(app)
    score = tickets.parse_score(body.get("score"))
    comment = tickets.parse_text(body.get("comment"), "comment", tickets.MAX_COMMENT, required=False)
    return json_response(201, ticket_service().rate(caller, ticket_id, score, comment))


# ---- staff -------------------------------------------------------------------------------------------------------


@app.get("/agent/queue", summary="Waiting tickets, oldest first", tags=["agent"],
         openapi_extensions=query("limit", "cursor") | responses(200, "AgentQueue", {400: PAGE_ERRORS,
                                                                                      403: ("forbidden",)}))
def waiting_queue() -> dict:
    return ticket_service().waiting_queue(_staff(), tickets.parse_limit(_query("limit")), _query("cursor"))


@app.get(
    "/agent/tickets",
    summary="Tickets an agent claimed, most recently active first (supervisors: ?agent_id= for any agent)",
    tags=["agent"],
    openapi_extensions=query("agent_id", "limit", "cursor")
    | responses(200, "AgentTickets", {400: PAGE_ERRORS, 403: ("forbidden", "supervisor_only")}),
)
def agent_tickets() -> dict:
    staff = _staff()
    return ticket_service().agent_tickets(staff, _query("agent_id"), tickets.parse_limit(_query("limit")), _query("cursor"))


@app.get("/agent/tickets/<ticket_id>", summary="A ticket for staff (audited)", tags=["agent"],
         openapi_extensions=responses(200, "StaffTicket", {403: ("forbidden", "ticket_not_assigned"),
                                                           404: ("ticket_not_found",)}))
def staff_ticket(ticket_id: str) -> dict:
    return ticket_service().staff_ticket(_staff(), ticket_id)


@app.post("/agent/tickets/<ticket_id>/claim", summary="Take a waiting ticket (one agent wins)", tags=["agent"],
          openapi_extensions=responses(200, "StaffTicket", {
              403: ("forbidden",), 404: ("ticket_not_found",),
              409: ("ticket_already_claimed", "ticket_not_waiting", "ticket_busy")}))
def claim(ticket_id: str) -> dict:
    return ticket_service().claim(_staff(), ticket_id)


@app.post(
    "/agent/tickets/<ticket_id>/messages",
    summary="Answer the customer (also sent to them by e-mail); a request for a secret is refused with 422",
    tags=["agent"],
    openapi_extensions=request_body(["message"], message={"type": "string", "maxLength": tickets.MAX_MESSAGE})
    | responses(201, "AgentReply", {400: MESSAGE_ERRORS, 403: ("forbidden", "ticket_not_assigned"),
                                    404: ("ticket_not_found",), 409: ("ticket_not_claimed", "ticket_busy"),
                                    422: ("unsafe_request_for_secret",)}),
)
def agent_reply(ticket_id: str) -> Response[dict]:
    staff = _staff()
    text = tickets.parse_text(json_body(app).get("message"), "message", tickets.MAX_MESSAGE)
    refuse_secret_requests(text)  # 422 unsafe_request_for_secret: agents never ask for passwords, codes, card or ID
    return json_response(201, ticket_service().agent_reply(staff, ticket_id, text))


@app.post("/agent/tickets/<ticket_id>/resolve", summary="Mark a claimed ticket resolved", tags=["agent"],
          openapi_extensions=responses(200, "Resolved", {403: ("forbidden", "ticket_not_assigned"),
                                                         404: ("ticket_not_found",),
                                                         409: ("ticket_not_claimed", "ticket_busy")}))
def resolve(ticket_id: str) -> dict:
    return ticket_service().resolve(_staff(), ticket_id)


@app.put(
    "/agent/status",
    summary="Go online (renews a 30-minute presence lease: repeat as a heartbeat) or offline",
    tags=["agent"],
    openapi_extensions=request_body(["online"], online={"type": "boolean"})
    | responses(200, "AgentStatus", {400: ("invalid_json", "invalid_field"), 403: ("forbidden",),
                                     409: ("ticket_busy",)}),
)
def agent_status() -> dict:
    staff = _staff()
    return ticket_service().set_status(staff, tickets.parse_online(json_body(app).get("online")))


@app.get("/agent/tickets/<ticket_id>/audit", summary="Who on the staff read this ticket (supervisors)", tags=["agent"],
         openapi_extensions=query("limit", "cursor")
         | responses(200, "AuditLog", {400: PAGE_ERRORS, 403: ("forbidden", "supervisor_only"),
                                       404: ("ticket_not_found",)}))
def access_log(ticket_id: str) -> dict:
    staff = _staff(SUPERVISORS)
    return ticket_service().access_log(staff, ticket_id, tickets.parse_limit(_query("limit")), _query("cursor"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
