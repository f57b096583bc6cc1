"""Refunds and disputes over HTTP: the customer's routes (/orders/{id}/refunds, /refunds, /disputes) and the
staff's (/agent/refunds, /supervisor/refunds). Thin: parse, check the caller, call one RefundService method.

Requests that create a case need an Idempotency-Key header (supportdesk.idempotency): the same key and body replay
the first answer, another body under the same key is a 422."""
from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import idempotency
from supportdesk.api import STAFF_ROLES, create_app, json_body, json_response, principal, request_body
from supportdesk.observability import logger, metrics
from supportdesk.refunds import service as refunds
from supportdesk.refunds.model import DisputeKind, RefundReason
from supportdesk.refunds.service import Caller
from supportdesk.refunds.wiring import refund_service

app = create_app()
CUSTOMER = frozenset({"customer"})
SUPERVISORS = frozenset({"supervisor"})
IDEMPOTENCY_HEADER = {"x-idempotency-key": "Unique per request (e.g. a UUID). The same key and body replay the first "
                      "answer for 24 h; another body under the same key is a 422 idempotency_key_reused."}


def _caller(roles: frozenset[str]) -> Caller:
    who = principal(app, roles=roles)
    return Caller(who.account_id, who.role, who.language)


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name=name, default_value=None)


def _key() -> str:
    return idempotency.parse_key(app.current_event.headers.get("Idempotency-Key"))


# ---- customer ----------------------------------------------------------------------------------------------------


@app.post(
    "/orders/<order_id>/refunds",
    summary="Ask for a refund of one of the caller's orders (Idempotency-Key header required)",
    tags=["refunds"],
    openapi_extensions={**request_body(
        ["reason"],
        amount_cents={"type": "integer", "minimum": 1, "description": "Default: everything not yet refunded"},
        reason={"type": "string", "enum": [r.value for r in RefundReason]},
        message={"type": "string", "maxLength": refunds.MAX_MESSAGE},
        ticket_id={"type": "string", "description": "One of the caller's tickets: progress is posted there too"},
    ), **IDEMPOTENCY_HEADER},
)
def request_refund(order_id: str) -> Response[dict]:
    caller = _caller(CUSTOMER)
    key = _key()
    body = json_body(app)
    result = idempotency.run_once(
        "refund", key, caller.account_id, {"order_id": order_id, "body": body},
        lambda _: refund_service().request_refund(caller, order_id, body, key), context=app.lambda_context)
    return json_response(202, result)


@app.get("/orders/<order_id>/refunds", summary="Refunds and disputes of one of the caller's orders", tags=["refunds"])
def order_refunds(order_id: str) -> dict:
    caller = _caller(CUSTOMER)
    return refund_service().order_refunds(caller, order_id, refunds.parse_limit(_query("limit")), _query("cursor"))


@app.get("/refunds", summary="The caller's refunds and disputes, newest first (cursor pagination)", tags=["refunds"])
def list_refunds() -> dict:
    caller = _caller(CUSTOMER)
    return refund_service().list_refunds(caller, refunds.parse_limit(_query("limit")), _query("cursor"))


@app.get("/refunds/<refund_id>", summary="A refund with its timeline", tags=["refunds"])
def get_refund(refund_id: str) -> dict:
    return refund_service().get_refund(_caller(CUSTOMER), refund_id)


@app.post("/refunds/<refund_id>/cancel", summary="Withdraw a refund or dispute not yet approved", tags=["refunds"])
def cancel(refund_id: str) -> dict:
    return refund_service().cancel(_caller(CUSTOMER), refund_id)


@app.post(
    "/orders/<order_id>/disputes",
    summary="Dispute the amount charged for an order; always reviewed by people (Idempotency-Key header required)",
    tags=["refunds"],
    openapi_extensions={**request_body(
        ["kind", "expected_amount_cents", "message"],
        kind={"type": "string", "enum": [k.value for k in DisputeKind]},
        expected_amount_cents={"type": "integer", "minimum": 0},
        message={"type": "string", "maxLength": refunds.MAX_MESSAGE},
        ticket_id={"type": "string"},
    ), **IDEMPOTENCY_HEADER},
)
def open_dispute(order_id: str) -> Response[dict]:
    caller = _caller(CUSTOMER)
    key = _key()
    body = json_body(app)
    result = idempotency.run_once(
        "dispute", key, caller.account_id, {"order_id": order_id, "body": body},
        lambda _: refund_service().open_dispute(caller, order_id, body, key), context=app.lambda_context)
    return json_response(202, result)


@app.get("/disputes/<dispute_id>", summary="A dispute with its timeline and the evidence received", tags=["refunds"])
def get_dispute(dispute_id: str) -> dict:
    return refund_service().get_dispute(_caller(CUSTOMER), dispute_id)


@app.post(
    "/disputes/<dispute_id>/evidence",
    summary="A presigned S3 POST (10 minutes) for one evidence file: JPEG, PNG or PDF up to 10 MB",
    tags=["refunds"],
    openapi_extensions=request_body(
        ["filename", "content_type", "size"],
        filename={"type": "string", "maxLength": 200},
        content_type={"type": "string", "enum": ["image/jpeg", "image/png", "application/pdf"]},
        size={"type": "integer", "minimum": 1, "maximum": 10 * 1024 * 1024},
    ),
)
def evidence_upload(dispute_id: str) -> Response[dict]:
    caller = _caller(CUSTOMER)
    return json_response(201, refund_service().evidence_upload(caller, dispute_id, json_body(app)))


# ---- staff -------------------------------------------------------------------------------------------------------


@app.get("/agent/refunds", summary="Cases waiting for a decision, oldest first (?status=under_review|"
         "awaiting_second_approval)", tags=["agent"])
def review_queue() -> dict:
    staff = _caller(STAFF_ROLES)
    return refund_service().review_queue(staff, refunds.parse_queue_status(_query("status")),
                                         refunds.parse_limit(_query("limit")), _query("cursor"))


@app.get("/agent/refunds/<refund_id>", summary="A case for staff: order, recent refunds, evidence links (audited)",
         tags=["agent"])
def staff_case(refund_id: str) -> dict:
    return refund_service().staff_case(_caller(STAFF_ROLES), refund_id)


@app.post(
    "/agent/refunds/<refund_id>/decision",
    summary="Approve (possibly less) or reject with a reason; second approvals and overdue cases need a supervisor",
    tags=["agent"],
    openapi_extensions=request_body(
        ["decision"],
        decision={"type": "string", "enum": ["approve", "reject"]},
        amount_cents={"type": "integer", "minimum": 1, "description": "Approve less than asked"},
        reason={"type": "string", "maxLength": refunds.MAX_REASON, "description": "Required to reject; shown to the customer"},
        note={"type": "string", "maxLength": refunds.MAX_NOTE},
    ),
)
def decide(refund_id: str) -> dict:
    staff = _caller(STAFF_ROLES)
    return refund_service().decide(staff, refund_id, json_body(app))


@app.post("/supervisor/refunds/<refund_id>/retry-payout", summary="Pay out again after payout_failed",
          tags=["agent"])
def retry_payout(refund_id: str) -> dict:
    return refund_service().retry_payout(_caller(SUPERVISORS), refund_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
