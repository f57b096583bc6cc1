"""Generate the OpenAPI 3 document from the routes themselves: each API function's Powertools resolver describes
its routes, template.yaml says which are public and which need the bearer token. `make openapi` writes
docs/openapi.json; a test fails when the file is stale or when template and resolvers disagree on a route."""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from pathlib import Path

from local.openapi_types import BOOLEAN, CURSOR, INTEGER, STRING, TIME, _nullable, _object, _ref
from local.template import ROOT, Template

# The servers entry of the local stack; /openapi.json on a running stack rewrites its url to the stack's address.
LOCAL_SERVER = "Local stack (make run)"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable, machine-readable error code"},
                "message": {"type": "string", "description": "Human message in the negotiated language (zh-CN or en)"},
                "details": {"type": "object", "additionalProperties": True},
            },
        }
    },
}

MASKED_KINDS = {"type": "array", "items": {"type": "string", "enum": ["bank_card", "cn_resident_id", "secret"]}}

# Success bodies, named by the routes (supportdesk.api.responses). Objects stay open (no additionalProperties:
# false): staff views add fields to Ticket and Message, and adding a field is not a breaking change.
SCHEMAS: dict[str, dict] = {
    "Error": ERROR_SCHEMA,
    "Health": _object(["status"], status={"type": "string", "const": "ok"}),
    "HtmlPage": {"type": "string", "description": "A small HTML page in the caller's language (zh-CN or en)."},
    "Account": _object(
        ["id", "role", "email", "phone", "name", "language"],
        id=STRING,
        role={"type": "string", "enum": ["customer", "agent", "supervisor"]},
        email=_nullable(STRING),
        phone=_nullable(STRING),
        name=_nullable(STRING),
        language={"type": "string", "enum": ["zh-CN", "en"]},
    ),
    "AccountCreated": _object(["account"], account=_ref("Account")),
    "AccountDeleted": _object(
        ["status", "tickets_anonymised"], status={"type": "string", "const": "deleted"}, tickets_anonymised=INTEGER
    ),
    "Login": _object(
        ["access_token", "token_type", "expires_in", "account"],
        access_token=STRING,
        token_type={"type": "string", "const": "Bearer"},
        expires_in=INTEGER,
        account=_ref("Account"),
    ),
    "ResetAccepted": _object(
        ["status", "message", "code_valid_seconds"],
        status={"type": "string", "const": "accepted"},
        message=STRING,
        code_valid_seconds=INTEGER,
    ),
    "SignUpAccepted": _object(
        ["status", "message", "verify", "code_valid_seconds"],
        status={"type": "string", "const": "accepted"},
        message=STRING,
        verify={"type": "array", "items": {"type": "string", "enum": ["email", "phone"]}},
        code_valid_seconds=INTEGER,
    ),
    "ContactVerified": _object(
        ["status", "message"], status={"type": "string", "enum": ["verified", "accepted"]}, message=STRING
    ),
    "ResetDone": _object(["status", "message"], status={"type": "string", "const": "password_changed"}, message=STRING),
    "Rating": _object(
        ["score", "comment", "rated_at"],
        score={"type": "integer", "minimum": 1, "maximum": 5},
        comment=_nullable(STRING),
        rated_at=TIME,
    ),
    "Ticket": _object(
        [
            "id",
            "reference",
            "status",
            "category",
            "subject",
            "order_id",
            "channel",
            "created_at",
            "updated_at",
            "queued_at",
            "with_agent",
            "resolved_at",
            "rating",
            "can_rate",
        ],
        id={"type": "string", "examples": ["T-8K3Q2"]},
        reference=STRING,
        status={"type": "string", "enum": ["open", "waiting", "assigned", "resolved"]},
        category=STRING,
        subject=STRING,
        order_id=_nullable(STRING),
        channel={"type": "string", "enum": ["web", "email"]},
        created_at=TIME,
        updated_at=TIME,
        queued_at=_nullable(TIME),
        with_agent=BOOLEAN,
        resolved_at=_nullable(TIME),
        rating=_nullable(_ref("Rating")),
        can_rate=BOOLEAN,
    ),
    "MessageFile": _object(
        ["id", "filename", "content_type", "size"],
        id=STRING,
        filename={"type": "string", "description": "masked like the text"},
        content_type=STRING,
        size=INTEGER,
    ),
    "Message": _object(
        ["id", "author", "text", "created_at", "attachments"],
        id=STRING,
        author={"type": "string", "enum": ["customer", "agent", "system"]},
        text=STRING,
        created_at=TIME,
        attachments={
            "type": "array",
            "items": _ref("MessageFile"),
            "description": "Files sent with this message; download by id from the ticket's attachment routes",
        },
        note={"type": "string", "description": "System notes: masked, handoff, after_hours, ..."},
        params={"type": "object", "additionalProperties": STRING},
    ),
    "Queue": _object(
        ["position", "waiting", "agents_online", "estimated_wait_seconds", "expected_at", "open_now", "agents_back_at"],
        position={"type": "integer", "minimum": 1, "description": "1 means next"},
        waiting=INTEGER,
        agents_online=INTEGER,
        estimated_wait_seconds=INTEGER,
        expected_at=TIME,
        open_now=BOOLEAN,
        agents_back_at=_nullable(TIME),
    ),
    # The e-mail channel: quarantined mail and attachments (supportdesk/inbound/)
    "HeldMail": _object(
        [
            "id",
            "customer_id",
            "sender",
            "subject",
            "text",
            "reference",
            "reason",
            "received_at",
            "expires_at",
            "attachments",
            "refused_attachments",
        ],
        id=STRING,
        customer_id=STRING,
        sender={"type": "string", "description": "masked"},
        subject=STRING,
        text=STRING,
        reference=_nullable(STRING),
        reason=STRING,
        received_at=TIME,
        expires_at=TIME,
        attachments={
            "type": "array",
            "items": _ref("MessageFile"),
            "description": "Kept with the mail; go with its message when it is released",
        },
        refused_attachments={
            "type": "array",
            "items": STRING,
            "description": "Names (masked) of refused files; noted on release",
        },
    ),
    "QuarantineList": _object(
        ["quarantine", "next_cursor"], quarantine={"type": "array", "items": _ref("HeldMail")}, next_cursor=CURSOR
    ),
    "QuarantineReleased": _object(
        ["released", "action", "ticket_id"], released=STRING, action=STRING, ticket_id=_nullable(STRING)
    ),
    "QuarantineDiscarded": _object(["discarded"], discarded=STRING),
    "Attachment": _object(
        ["id", "filename", "content_type", "size", "received_at", "author", "sent"],
        id=STRING,
        filename=STRING,
        content_type=STRING,
        size=INTEGER,
        received_at=TIME,
        author={"type": "string", "enum": ["customer", "agent"]},
        sent={"type": "boolean", "description": "false: uploaded, not yet named by a message"},
    ),
    "AttachmentList": _object(["attachments"], attachments={"type": "array", "items": _ref("Attachment")}),
    "AttachmentLink": _object(
        ["id", "filename", "url", "expires_in"],
        id=STRING,
        filename=STRING,
        url={"type": "string", "description": "presigned GET, forces a download"},
        expires_in=INTEGER,
    ),
    "AttachmentUpload": _object(
        ["attachment", "upload", "expires_in"],
        attachment=_ref("Attachment"),
        upload=_object(["url", "fields"], url=STRING, fields={"type": "object", "additionalProperties": STRING}),
        expires_in=INTEGER,
    ),
    "TicketChange": _object(
        ["ticket", "masked", "masked_kinds", "queue"],
        ticket=_ref("Ticket"),
        masked=BOOLEAN,
        masked_kinds=MASKED_KINDS,
        queue=_nullable(_ref("Queue")),
        suggested_articles={
            "type": "array",
            "maxItems": 3,
            "description": "POST /tickets only",
            "items": _object(
                ["id", "title", "snippet", "language"], id=STRING, title=STRING, snippet=STRING, language=STRING
            ),
        },
        automatic_answer={
            **_nullable(_object(["id", "title"], id=STRING, title=STRING)),
            "description": "The help article sent as an automatic reply, if any",
        },
    ),
    "TicketList": _object(
        ["tickets", "next_cursor"], tickets={"type": "array", "items": _ref("Ticket")}, next_cursor=CURSOR
    ),
    "TicketWithMessages": _object(
        ["ticket", "messages"], ticket=_ref("Ticket"), messages={"type": "array", "items": _ref("Message")}
    ),
    "Handoff": _object(["ticket", "queue"], ticket=_ref("Ticket"), queue=_nullable(_ref("Queue"))),
    "QueueStatus": _object(
        ["ticket_id", "status", "queue"], ticket_id=STRING, status=STRING, queue=_nullable(_ref("Queue"))
    ),
    "Rated": _object(
        ["ticket", "masked", "masked_kinds"], ticket=_ref("Ticket"), masked=BOOLEAN, masked_kinds=MASKED_KINDS
    ),
    "AgentQueue": _object(
        ["queue", "waiting", "agents_online", "avg_handle_seconds", "tickets", "next_cursor"],
        queue=STRING,
        waiting=INTEGER,
        agents_online=INTEGER,
        avg_handle_seconds=INTEGER,
        tickets={
            "type": "array",
            "items": _object(
                ["id", "category", "subject", "language", "channel", "queued_at", "waited_seconds"],
                id=STRING,
                category=STRING,
                subject=STRING,
                language=STRING,
                channel=STRING,
                queued_at=_nullable(TIME),
                waited_seconds=_nullable(INTEGER),
            ),
        },
        next_cursor=CURSOR,
    ),
    "AgentTickets": _object(
        ["agent_id", "tickets", "next_cursor"],
        agent_id=STRING,
        tickets={"type": "array", "items": _ref("Ticket")},
        next_cursor=CURSOR,
    ),
    "CustomerContact": _object(
        ["email_undeliverable", "undeliverable_reason", "notified_by"],
        email_undeliverable=BOOLEAN,
        undeliverable_reason={
            **_nullable({"type": "string", "enum": ["bounce", "complaint"]}),
            "description": "Why SES reported the customer's e-mail address undeliverable",
        },
        notified_by={
            **_nullable({"type": "string", "enum": ["email", "sms"]}),
            "description": "Where replies and notices go now (sms when the e-mail is undeliverable); "
            "null: no verified, deliverable contact point",
        },
    ),
    "StaffTicket": _object(
        ["ticket", "messages", "customer"],
        ticket=_ref("Ticket"),
        messages={"type": "array", "items": _ref("Message")},
        customer={
            **_nullable(_ref("CustomerContact")),
            "description": "How the customer is reached (null: account deleted)",
        },
    ),
    "AgentReply": _object(
        ["ticket", "masked_kinds", "customer_notified"],
        ticket=_ref("Ticket"),
        masked_kinds=MASKED_KINDS,
        customer_notified=BOOLEAN,
    ),
    "Resolved": _object(["ticket"], ticket=_ref("Ticket")),
    "AgentStatus": _object(
        ["online", "changed", "queue", "agents_online", "lease_until"],
        online=BOOLEAN,
        changed=BOOLEAN,
        queue=STRING,
        agents_online=INTEGER,
        lease_until=_nullable(TIME),
    ),
    "AuditLog": _object(
        ["ticket_id", "entries", "next_cursor"],
        ticket_id=STRING,
        next_cursor=CURSOR,
        entries={
            "type": "array",
            "items": _object(
                ["actor_id", "actor_role", "action", "at"], actor_id=STRING, actor_role=STRING, action=STRING, at=TIME
            ),
        },
    ),
    # The help centre (functions/help) and self-service in tickets
    "HelpArticles": _object(
        ["language", "articles"],
        language=STRING,
        articles={
            "type": "array",
            "items": _object(
                ["id", "title", "category", "language"], id=STRING, title=STRING, category=STRING, language=STRING
            ),
        },
    ),
    "HelpArticle": _object(
        ["id", "title", "category", "tags", "body", "language"],
        id=STRING,
        title=STRING,
        category=STRING,
        tags={"type": "array", "items": STRING},
        body={"type": "string", "description": "Markdown"},
        language=STRING,
    ),
    "HelpSearch": _object(
        ["answered", "query_language", "language", "results"],
        answered=BOOLEAN,
        query_language=STRING,
        language=STRING,
        results={
            "type": "array",
            "maxItems": 5,
            "items": _object(
                ["id", "title", "snippet", "score", "language"],
                id=STRING,
                title=STRING,
                snippet=STRING,
                score={"type": "number"},
                language=STRING,
            ),
        },
    ),
    "SupportContact": _object(
        [
            "language",
            "channels",
            "service_hours",
            "open_now",
            "closes_at",
            "next_open_at",
            "holiday_notice",
            "human_wait",
            "as_of",
        ],
        language=STRING,
        channels={
            "type": "array",
            "items": _object(
                ["channel", "name", "address"],
                channel={"type": "string", "enum": ["online_chat", "phone", "email", "wechat", "weibo", "app"]},
                name=STRING,
                address=STRING,
            ),
        },
        service_hours=_object(
            ["opens", "closes", "timezone", "text"], opens=STRING, closes=STRING, timezone=STRING, text=STRING
        ),
        open_now=BOOLEAN,
        closes_at=_nullable(TIME),
        next_open_at=_nullable(TIME),
        holiday_notice=_nullable(STRING),
        human_wait=_object(
            ["estimated_seconds", "waiting", "agents_online"],
            estimated_seconds=INTEGER,
            waiting=INTEGER,
            agents_online=INTEGER,
        ),
        as_of=TIME,
    ),
    "SolvedByArticle": _object(
        ["ticket", "article", "solved_now"],
        ticket=_ref("Ticket"),
        article=_object(["id", "title"], id=STRING, title=STRING),
        solved_now=BOOLEAN,
    ),
}

QUERY_PARAMETERS = {
    "limit": {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "Page size (default 20)",
        "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 20},
    },
    "cursor": {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": STRING,
        "description": "next_cursor of the previous page (opaque)",
    },
    "agent_id": {
        "name": "agent_id",
        "in": "query",
        "required": False,
        "schema": STRING,
        "description": "Supervisors only: another agent's account id",
    },
    "lang": {
        "name": "lang",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["zh-CN", "en"]},
        "description": "Language of the answer (zh, zh-Hans, en-US... accepted); default: Accept-Language",
    },
    "q": {
        "name": "q",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "maxLength": 500},
        "description": "The customer's question, as typed (Chinese, English, traditional characters, typos)",
    },
}

from local import openapi_orders, openapi_refunds  # noqa: E402 - the refund and order routes' schemas

SCHEMAS.update(openapi_refunds.SCHEMAS)
SCHEMAS.update(openapi_orders.SCHEMAS)
QUERY_PARAMETERS.update(openapi_refunds.QUERY_PARAMETERS)

STATUS_TEXT = {
    "400": "Invalid input",
    "401": "Missing, invalid, expired or revoked token",
    "403": "Not allowed for the caller's role or not their ticket",
    "404": "Not found, or not the caller's",
    "409": "Conflicts with the current state",
    "422": "Understood but refused by a rule",
    "429": "Rate limited; see the Retry-After header",
    "503": "Temporarily unavailable, nothing was done; retry (with the same Idempotency-Key)",
}
# What API Gateway itself answers (template.yaml GatewayResponses): the authorizer's 401/403 on protected routes,
# and THROTTLED (stage throttling) on every route.
AUTHORIZER_ERRORS = {"401": ["unauthorized"], "403": ["forbidden"]}
GATEWAY_ERRORS = {"429": ["rate_limited"]}


class MissingResponses(ValueError):
    """A deployed route does not declare its responses (supportdesk.api.responses)."""


def _responses(method: str, path: str, declared: dict | None, authorized: bool) -> dict:
    if not declared:
        raise MissingResponses(f"{method.upper()} {path}: add openapi_extensions=responses(...) where it is defined")
    if declared["schema"] not in SCHEMAS:
        raise MissingResponses(f"{method.upper()} {path}: no schema {declared['schema']!r} in local/openapi.py")
    errors: dict[str, set[str]] = {status: set(codes) for status, codes in declared["errors"].items()}
    for status, codes in {**GATEWAY_ERRORS, **(AUTHORIZER_ERRORS if authorized else {})}.items():
        errors.setdefault(status, set()).update(codes)
    # A page route (the survey) answers HTML, its errors too (pages named by the code's message); the rest JSON.
    media = "text/html" if declared["schema"] == "HtmlPage" else "application/json"
    answers = {
        str(declared["success"]): {"description": "Success", "content": {media: {"schema": _ref(declared["schema"])}}}
    }
    for status, error_codes in sorted(errors.items()):
        page = media == "text/html" and status in declared["errors"]
        html = {media: {"schema": _ref("HtmlPage")}}
        answers[status] = {
            "description": f"{STATUS_TEXT.get(status, 'Error')} (error.code: {', '.join(sorted(error_codes))})",
            "content": html if page else {"application/json": {"schema": _ref("Error")}},
            "x-error-codes": sorted(error_codes),
        }
    return answers


def _resolver_paths(template: Template) -> dict[str, dict]:
    """OpenAPI path items of every API function, keyed by path (API Gateway {param} syntax)."""
    paths: dict[str, dict] = {}
    api_functions = {route.function for route in template.routes()}
    for logical_id, function in template.functions().items():
        if logical_id not in api_functions:
            continue
        module = importlib.import_module(function.module)
        schema = module.app.get_openapi_schema(title="x", version="0")
        document = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
        for path, item in (document.get("paths") or {}).items():
            paths.setdefault(path, {}).update(item)
    return paths


def route_table(template: Template) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(routes in template.yaml, routes in the resolvers) as (METHOD, path) pairs."""
    declared = {(r.method, r.path) for r in template.routes()}
    implemented = {
        (method.upper(), path)
        for path, item in _resolver_paths(template).items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    return declared, implemented


def build(template: Template | None = None) -> dict:
    template = template or Template()
    routes = {(r.method, r.path): r for r in template.routes()}
    paths: dict[str, dict] = {}
    for path, item in sorted(_resolver_paths(template).items()):
        for method, operation in item.items():
            route = routes.get((method.upper(), path))
            if route is None:
                continue  # implemented but not deployed: not part of the API
            # Public routes say so (security: []): the document's default would otherwise not apply, but a reader
            # or a tool must not have to guess.
            operation["security"] = [{"bearerAuth": []}] if route.authorizer else []
            declared = operation.pop("x-responses", None)
            operation["responses"] = _responses(method, path, declared, bool(route.authorizer))
            names = operation.pop("x-query", [])
            if names:
                operation.setdefault("parameters", []).extend(QUERY_PARAMETERS[name] for name in names)
            body = operation.pop("x-request-body", None)
            if body:
                operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
            form = operation.pop("x-form-body", None)
            if form:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/x-www-form-urlencoded": {"schema": form}},
                }
            idempotency = operation.pop("x-idempotency-key", None)
            if idempotency:
                operation.setdefault("parameters", []).append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "description": idempotency,
                        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                    }
                )
            if re.search(r"\{[^}]+\}", path):
                operation.setdefault("parameters", [])
                names = {p["name"] for p in operation["parameters"]}
                for name in re.findall(r"\{([^}]+)\}", path):
                    if name not in names:
                        operation["parameters"].append(
                            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                        )
            paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Support desk API",
            "version": "1.0.0",
            "description": "Customer-support back end: identity, password reset, tickets and transfer to a human "
            "agent, refunds and order-amount disputes, order self-service (cancel, change the address). "
            "Every error is JSON {error: {code, message}}; messages follow Accept-Language (zh-CN or en).",
        },
        "servers": [
            {"url": "http://127.0.0.1:3000", "description": LOCAL_SERVER},
            {
                "url": "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
                "description": "AWS",
                "variables": {
                    "apiId": {"default": "api-id"},
                    "region": {"default": "cn-north-1"},
                    "stage": {"default": "prod"},
                },
            },
        ],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def render(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="write the document here (default: print it)")
    args = parser.parse_args(argv)
    text = render(build())
    if args.write:
        target = args.write if args.write.is_absolute() else ROOT / args.write
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
