"""Tickets over HTTP: the customer's routes (/tickets...) and the staff's (/agent/...). Thin: parse, check the
caller, call one TicketService method, return."""

from __future__ import annotations

from typing import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import caller, create_app, json_body, json_response, query, request_body, responses
from supportdesk.help.wiring import self_service_tickets
from supportdesk.inbound import attachments
from supportdesk.inbound.wiring import attachment_service, quarantine_service
from supportdesk.observability import logger, metrics
from supportdesk.roles import CUSTOMERS, STAFF, SUPERVISORS, Caller, Role
from supportdesk.secret_requests import refuse_secret_requests
from supportdesk.errors import DomainError
from supportdesk.observability import audit
from supportdesk.tickets import service as tickets
from supportdesk.tickets.wiring import ticket_service

app = create_app()
# Error codes per status for the OpenAPI document (supportdesk.api.responses); 403 `forbidden` is the role check.
MESSAGE_ERRORS = ("invalid_json", "invalid_field", "empty_message", "message_too_long", "too_many_attachments")
PAGE_ERRORS = ("invalid_limit", "invalid_cursor")
# A message may name files uploaded for it (POST .../attachments first); their errors
ATTACHMENT_IDS = {
    "type": "array",
    "maxItems": attachments.MAX_PER_MESSAGE,
    "items": {"type": "string"},
    "description": "Files uploaded for this message (the upload's attachment.id), listed with it",
}
FILE_NOT_FOUND = ("attachment_not_found",)
FILE_CONFLICTS = ("attachment_already_sent", "attachment_not_uploaded")


def _customer() -> Caller:
    return caller(app, roles=CUSTOMERS)


def _staff(roles: frozenset[Role] = STAFF) -> Caller:
    return caller(app, roles=roles)


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name=name, default_value=None)


def _audited_listing(staff: Caller, view: str, produce: Callable[[], dict], **fields: object) -> dict:
    """Staff listings are audited like ticket reads: who saw which tickets (or was refused), in the audit trail
    (`filter audit_event = "staff_listing"` in Logs Insights); the tickets each one lists are named."""
    try:
        result = produce()
    except DomainError as refused:
        audit(
            "staff_listing_denied",
            actor_id=staff.account_id,
            actor_role=staff.role,
            view=view,
            code=refused.code,
            **fields,
        )
        raise
    audit(
        "staff_listing",
        actor_id=staff.account_id,
        actor_role=staff.role,
        view=view,
        ticket_ids=[t["id"] for t in result.get("tickets", [])],
        **fields,
    )
    return result


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
    | responses(
        201,
        "TicketChange",
        {
            400: (
                "invalid_json",
                "invalid_category",
                "missing_field",
                "invalid_field",
                "field_too_long",
                "empty_message",
                "message_too_long",
            ),
            403: ("forbidden",),
            404: ("order_not_found",),
            409: ("ticket_busy",),
            429: ("ticket_rate_limited",),
        },
    ),
)
def open_ticket() -> Response[dict]:
    caller = _customer()
    body = json_body(app)
    result = self_service_tickets().open_ticket(
        caller,
        tickets.parse_category(body.get("category")),
        tickets.parse_text(body.get("subject"), "subject", tickets.MAX_SUBJECT, one_line=True),
        tickets.parse_text(body.get("message"), "message", tickets.MAX_MESSAGE),
        tickets.parse_text(body.get("order_id"), "order_id", tickets.MAX_ORDER_ID, required=False, one_line=True),
    )
    return json_response(201, result)


@app.get(
    "/tickets",
    summary="The caller's tickets, newest first (cursor pagination)",
    tags=["tickets"],
    openapi_extensions=query("limit", "cursor") | responses(200, "TicketList", {400: PAGE_ERRORS, 403: ("forbidden",)}),
)
def list_tickets() -> dict:
    caller = _customer()
    return ticket_service().list_tickets(caller, tickets.parse_limit(_query("limit")), _query("cursor"))


@app.get(
    "/tickets/<ticket_id>",
    summary="A ticket with its messages",
    tags=["tickets"],
    openapi_extensions=responses(200, "TicketWithMessages", {403: ("forbidden",), 404: ("ticket_not_found",)}),
)
def get_ticket(ticket_id: str) -> dict:
    return ticket_service().get_ticket(_customer(), ticket_id)


@app.post(
    "/tickets/<ticket_id>/messages",
    summary="Write in a ticket, with files uploaded for the message (reopens a resolved one; asking for a human "
    "hands it off; an open ticket may get an automatic answer from the help centre)",
    tags=["tickets"],
    openapi_extensions=request_body(
        ["message"], message={"type": "string", "maxLength": tickets.MAX_MESSAGE}, attachment_ids=ATTACHMENT_IDS
    )
    | responses(
        201,
        "TicketChange",
        {
            400: MESSAGE_ERRORS,
            403: ("forbidden",),
            404: ("ticket_not_found", *FILE_NOT_FOUND),
            409: ("ticket_busy", *FILE_CONFLICTS),
            429: ("ticket_rate_limited",),
        },
    ),
)
def post_message(ticket_id: str) -> Response[dict]:
    caller = _customer()
    body = json_body(app)
    text = tickets.parse_text(body.get("message"), "message", tickets.MAX_MESSAGE)
    ids = attachments.parse_attachment_ids(body.get("attachment_ids"))
    files = attachment_service().for_message(ticket_id, ids, caller.account_id)
    result = self_service_tickets().post_message(caller, ticket_id, text, files)
    attachment_service().sent(ticket_id, files)
    return json_response(201, result)


@app.post(
    "/tickets/<ticket_id>/solved-by-article",
    summary="Close a ticket that a help article solved (open or waiting; repeating it is harmless)",
    tags=["tickets"],
    openapi_extensions=request_body(["article_id"], article_id={"type": "string", "maxLength": 80})
    | responses(
        200,
        "SolvedByArticle",
        {
            400: ("invalid_json", "missing_field", "invalid_field", "field_too_long"),
            403: ("forbidden",),
            404: ("ticket_not_found", "article_not_found"),
            409: ("ticket_with_agent", "ticket_busy"),
        },
    ),
)
def solved_by_article(ticket_id: str) -> dict:
    caller = _customer()
    article_id = tickets.parse_text(json_body(app).get("article_id"), "article_id", 80)
    return self_service_tickets().solved_by_article(caller, ticket_id, article_id)


@app.post(
    "/tickets/<ticket_id>/handoff",
    summary="Transfer to a human agent",
    tags=["tickets"],
    openapi_extensions=responses(
        200, "Handoff", {403: ("forbidden",), 404: ("ticket_not_found",), 409: ("ticket_busy", "ticket_closed")}
    ),
)
def handoff(ticket_id: str) -> dict:
    return ticket_service().handoff(_customer(), ticket_id)


@app.get(
    "/tickets/<ticket_id>/queue",
    summary="Live queue position and estimated wait",
    tags=["tickets"],
    openapi_extensions=responses(200, "QueueStatus", {403: ("forbidden",), 404: ("ticket_not_found",)}),
)
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
    | responses(
        201,
        "Rated",
        {
            400: ("invalid_json", "invalid_score", "invalid_field", "field_too_long"),
            403: ("forbidden",),
            404: ("ticket_not_found",),
            409: ("ticket_not_resolved", "ticket_already_rated", "rating_period_over"),
        },
    ),
)
def rate(ticket_id: str) -> Response[dict]:
    caller = _customer()
    body = json_body(app)
    score = tickets.parse_score(body.get("score"))
    comment = tickets.parse_text(body.get("comment"), "comment", tickets.MAX_COMMENT, required=False)
    return json_response(201, ticket_service().rate(caller, ticket_id, score, comment))


# ---- staff -------------------------------------------------------------------------------------------------------


@app.get(
    "/agent/queue",
    summary="Waiting tickets, oldest first",
    tags=["agent"],
    openapi_extensions=query("limit", "cursor") | responses(200, "AgentQueue", {400: PAGE_ERRORS, 403: ("forbidden",)}),
)
def waiting_queue() -> dict:
    staff = _staff()
    limit = tickets.parse_limit(_query("limit"))
    return _audited_listing(staff, "queue", lambda: ticket_service().waiting_queue(staff, limit, _query("cursor")))


@app.get(
    "/agent/tickets",
    summary="Tickets an agent claimed, most recently active first (supervisors: ?agent_id= for any agent)",
    tags=["agent"],
    openapi_extensions=query("agent_id", "limit", "cursor")
    | responses(200, "AgentTickets", {400: PAGE_ERRORS, 403: ("forbidden", "supervisor_only")}),
)
def agent_tickets() -> dict:
    staff = _staff()
    limit, agent_id = tickets.parse_limit(_query("limit")), _query("agent_id")
    return _audited_listing(
        staff,
        "agent_tickets",
        lambda: ticket_service().agent_tickets(staff, agent_id, limit, _query("cursor")),
        agent_id=agent_id or staff.account_id,
    )


@app.get(
    "/agent/tickets/<ticket_id>",
    summary="A ticket for staff (audited)",
    tags=["agent"],
    openapi_extensions=responses(
        200, "StaffTicket", {403: ("forbidden", "ticket_not_assigned"), 404: ("ticket_not_found",)}
    ),
)
def staff_ticket(ticket_id: str) -> dict:
    return ticket_service().staff_ticket(_staff(), ticket_id)


@app.post(
    "/agent/tickets/<ticket_id>/claim",
    summary="Take a waiting ticket (one agent wins)",
    tags=["agent"],
    openapi_extensions=responses(
        200,
        "StaffTicket",
        {
            403: ("forbidden",),
            404: ("ticket_not_found",),
            409: ("ticket_already_claimed", "ticket_not_waiting", "ticket_busy"),
        },
    ),
)
def claim(ticket_id: str) -> dict:
    return ticket_service().claim(_staff(), ticket_id)


@app.post(
    "/agent/tickets/<ticket_id>/messages",
    summary="Answer the customer, with files uploaded for the reply (also sent to them by e-mail); a request for a "
    "secret is refused with 422",
    tags=["agent"],
    openapi_extensions=request_body(
        ["message"], message={"type": "string", "maxLength": tickets.MAX_MESSAGE}, attachment_ids=ATTACHMENT_IDS
    )
    | responses(
        201,
        "AgentReply",
        {
            400: MESSAGE_ERRORS,
            403: ("forbidden", "ticket_not_assigned"),
            404: ("ticket_not_found", *FILE_NOT_FOUND),
            409: ("ticket_not_claimed", "ticket_busy", *FILE_CONFLICTS),
            422: ("unsafe_request_for_secret",),
        },
    ),
)
def agent_reply(ticket_id: str) -> Response[dict]:
    staff = _staff()
    body = json_body(app)
    text = tickets.parse_text(body.get("message"), "message", tickets.MAX_MESSAGE)
    refuse_secret_requests(text)  # 422 unsafe_request_for_secret: agents never ask for passwords, codes, card or ID
    ids = attachments.parse_attachment_ids(body.get("attachment_ids"))
    files = attachment_service().for_message(ticket_id, ids, staff.account_id)
    result = ticket_service().agent_reply(staff, ticket_id, text, files)
    attachment_service().sent(ticket_id, files)
    return json_response(201, result)


@app.post(
    "/agent/tickets/<ticket_id>/resolve",
    summary="Mark a claimed ticket resolved",
    tags=["agent"],
    openapi_extensions=responses(
        200,
        "Resolved",
        {
            403: ("forbidden", "ticket_not_assigned"),
            404: ("ticket_not_found",),
            409: ("ticket_not_claimed", "ticket_busy"),
        },
    ),
)
def resolve(ticket_id: str) -> dict:
    return ticket_service().resolve(_staff(), ticket_id)


@app.put(
    "/agent/status",
    summary="Go online (renews a 30-minute presence lease: repeat as a heartbeat) or offline",
    tags=["agent"],
    openapi_extensions=request_body(["online"], online={"type": "boolean"})
    | responses(
        200, "AgentStatus", {400: ("invalid_json", "invalid_field"), 403: ("forbidden",), 409: ("ticket_busy",)}
    ),
)
def agent_status() -> dict:
    staff = _staff()
    return ticket_service().set_status(staff, tickets.parse_online(json_body(app).get("online")))


@app.get(
    "/agent/tickets/<ticket_id>/audit",
    summary="Who on the staff read this ticket (supervisors)",
    tags=["agent"],
    openapi_extensions=query("limit", "cursor")
    | responses(200, "AuditLog", {400: PAGE_ERRORS, 403: ("forbidden", "supervisor_only"), 404: ("ticket_not_found",)}),
)
def access_log(ticket_id: str) -> dict:
    staff = _staff(SUPERVISORS)
    limit = tickets.parse_limit(_query("limit"))
    return _audited_listing(
        staff,
        "access_log",
        lambda: ticket_service().access_log(staff, ticket_id, limit, _query("cursor")),
        ticket_id=ticket_id,
    )


# ---- attachments (files sent with messages: e-mail attachments, web uploads, agents' files) ----------------------


@app.get(
    "/tickets/<ticket_id>/attachments",
    summary="Files sent with the ticket's messages (and the caller's uploads not sent yet)",
    tags=["tickets"],
    openapi_extensions=responses(200, "AttachmentList", {403: ("forbidden",), 404: ("ticket_not_found",)}),
)
def list_attachments(ticket_id: str) -> dict:
    return attachment_service().list_for_customer(_customer(), ticket_id)


@app.get(
    "/tickets/<ticket_id>/attachments/<attachment_id>",
    summary="A 5-minute download link for one attachment",
    tags=["tickets"],
    openapi_extensions=responses(
        200, "AttachmentLink", {403: ("forbidden",), 404: ("ticket_not_found", "attachment_not_found")}
    ),
)
def download_attachment(ticket_id: str, attachment_id: str) -> dict:
    return attachment_service().download_for_customer(_customer(), ticket_id, attachment_id)


@app.post(
    "/tickets/<ticket_id>/attachments",
    summary="Upload a file for the next message: a 5-minute presigned upload (at most 10 MB; programs, scripts, "
    "HTML refused); the message then names it in attachment_ids",
    tags=["tickets"],
    openapi_extensions=request_body(
        ["filename", "content_type"],
        filename={"type": "string", "maxLength": 200},
        content_type={"type": "string", "maxLength": 100},
    )
    | responses(
        201,
        "AttachmentUpload",
        {
            400: ("invalid_json", "invalid_attachment", "attachment_type_refused"),
            403: ("forbidden",),
            404: ("ticket_not_found",),
            409: ("ticket_closed",),
        },
    ),
)
def upload_attachment(ticket_id: str) -> Response[dict]:
    caller = _customer()
    body = json_body(app)
    return json_response(
        201, attachment_service().upload(caller, ticket_id, body.get("filename"), body.get("content_type"))
    )


@app.get(
    "/agent/tickets/<ticket_id>/attachments",
    summary="A ticket's attachments, for staff",
    tags=["agent"],
    openapi_extensions=responses(200, "AttachmentList", {403: ("forbidden",), 404: ("ticket_not_found",)}),
)
def staff_attachments(ticket_id: str) -> dict:
    return attachment_service().list_for_staff(_staff(), ticket_id)


@app.post(
    "/agent/tickets/<ticket_id>/attachments",
    summary="Upload a file for the next reply (the agent who claimed the ticket, or a supervisor; audited): a "
    "5-minute presigned upload, at most 10 MB; the reply then names it in attachment_ids",
    tags=["agent"],
    openapi_extensions=request_body(
        ["filename", "content_type"],
        filename={"type": "string", "maxLength": 200},
        content_type={"type": "string", "maxLength": 100},
    )
    | responses(
        201,
        "AttachmentUpload",
        {
            400: ("invalid_json", "invalid_attachment", "attachment_type_refused"),
            403: ("forbidden", "ticket_not_assigned"),
            404: ("ticket_not_found",),
            409: ("ticket_not_claimed", "ticket_closed"),
        },
    ),
)
def staff_upload_attachment(ticket_id: str) -> Response[dict]:
    staff = _staff()
    body = json_body(app)
    return json_response(
        201, attachment_service().staff_upload(staff, ticket_id, body.get("filename"), body.get("content_type"))
    )


@app.get(
    "/agent/tickets/<ticket_id>/attachments/<attachment_id>",
    summary="A 5-minute download link for one attachment (audited)",
    tags=["agent"],
    openapi_extensions=responses(200, "AttachmentLink", {403: ("forbidden",), 404: ("attachment_not_found",)}),
)
def staff_download_attachment(ticket_id: str, attachment_id: str) -> dict:
    return attachment_service().download_for_staff(_staff(), ticket_id, attachment_id)


# ---- staff: e-mail held in quarantine -----------------------------------------------------------------------------


@app.get(
    "/agent/quarantine",
    summary="Customers' e-mail held because the sender could not be authenticated (masked, kept 14 days)",
    tags=["agent"],
    openapi_extensions=query("limit", "cursor")
    | responses(200, "QuarantineList", {400: ("invalid_limit", "invalid_cursor"), 403: ("forbidden",)}),
)
def quarantine_list() -> dict:
    return quarantine_service().list_held(_staff(), tickets.parse_limit(_query("limit")), _query("cursor"))


@app.post(
    "/agent/quarantine/<quarantine_id>/release",
    summary="Release a held e-mail into the customer's tickets, as if trusted on arrival (audited)",
    tags=["agent"],
    openapi_extensions=responses(
        200, "QuarantineReleased", {403: ("forbidden",), 404: ("quarantine_not_found",), 409: ("quarantine_busy",)}
    ),
)
def quarantine_release(quarantine_id: str) -> dict:
    return quarantine_service().release(_staff(), quarantine_id)


@app.post(
    "/agent/quarantine/<quarantine_id>/discard",
    summary="Discard a held e-mail (audited)",
    tags=["agent"],
    openapi_extensions=responses(
        200, "QuarantineDiscarded", {403: ("forbidden",), 404: ("quarantine_not_found",), 409: ("quarantine_busy",)}
    ),
)
def quarantine_discard(quarantine_id: str) -> dict:
    return quarantine_service().discard(_staff(), quarantine_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
