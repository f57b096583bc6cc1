"""Refunds and disputes over HTTP: the customer's routes (/orders/{id}/refunds, /refunds, /disputes) and the
staff's (/agent/refunds, /supervisor/refunds). Thin: parse, check the caller, call one RefundService method.

Requests that create a case need an Idempotency-Key header (supportdesk.idempotency): the same key and body replay
the first answer, another body under the same key is a 422."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import (
    IDEMPOTENCY_HEADER,
    caller,
    create_app,
    json_body,
    json_response,
    once_per_key,
    query,
    request_body,
    responses,
)
from supportdesk.observability import logger, metrics
from supportdesk.refunds import service as refunds
from supportdesk.refunds.model import DisputeKind, RefundReason
from supportdesk.refunds.wiring import refund_service
from supportdesk.roles import CUSTOMERS, STAFF, SUPERVISORS, Caller

app = create_app()


def _caller(roles: frozenset) -> Caller:
    return caller(app, roles=roles)


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name=name, default_value=None)


# ---- customer ----------------------------------------------------------------------------------------------------


@app.post(
    "/orders/<order_id>/refunds",
    summary="Ask for a refund of one of the caller's orders (Idempotency-Key header required)",
    tags=["refunds"],
    openapi_extensions=request_body(
        ["reason"],
        amount_cents={"type": "integer", "minimum": 1, "description": "Default: everything not yet refunded"},
        reason={"type": "string", "enum": [r.value for r in RefundReason]},
        message={"type": "string", "maxLength": refunds.MAX_MESSAGE},
        ticket_id={"type": "string", "description": "One of the caller's tickets: progress is posted there too"},
    )
    | responses(
        202,
        "RefundAnswer",
        {
            400: (
                "invalid_json",
                "invalid_amount",
                "invalid_refund_reason",
                "invalid_field",
                "field_too_long",
                "missing_field",
                "idempotency_key_required",
                "idempotency_key_invalid",
            ),
            404: ("order_not_found", "ticket_not_found"),
            409: ("order_not_refundable", "refund_exceeds_remaining", "idempotency_key_in_progress"),
            422: ("idempotency_key_reused",),
        },
    )
    | IDEMPOTENCY_HEADER,
)
def request_refund(order_id: str) -> Response[dict]:
    caller = _caller(CUSTOMERS)
    return once_per_key(
        app,
        "refund",
        caller.account_id,
        {"order_id": order_id},
        lambda body, key: refund_service().request_refund(caller, order_id, body, key),
    )


@app.get(
    "/orders/<order_id>/refunds",
    summary="Refunds and disputes of one of the caller's orders",
    tags=["refunds"],
    openapi_extensions=query("limit", "cursor")
    | responses(200, "RefundList", {400: ("invalid_limit", "invalid_cursor"), 404: ("order_not_found",)}),
)
def order_refunds(order_id: str) -> dict:
    caller = _caller(CUSTOMERS)
    return refund_service().order_refunds(caller, order_id, refunds.parse_limit(_query("limit")), _query("cursor"))


@app.get(
    "/refunds",
    summary="The caller's refunds and disputes, newest first (cursor pagination)",
    tags=["refunds"],
    openapi_extensions=query("limit", "cursor")
    | responses(200, "RefundList", {400: ("invalid_limit", "invalid_cursor")}),
)
def list_refunds() -> dict:
    caller = _caller(CUSTOMERS)
    return refund_service().list_refunds(caller, refunds.parse_limit(_query("limit")), _query("cursor"))


@app.get(
    "/refunds/<refund_id>",
    summary="A refund with its timeline",
    tags=["refunds"],
    openapi_extensions=responses(200, "RefundAnswer", {404: ("refund_not_found",)}),
)
def get_refund(refund_id: str) -> dict:
    return refund_service().get_refund(_caller(CUSTOMERS), refund_id)


@app.post(
    "/refunds/<refund_id>/cancel",
    summary="Withdraw a refund or dispute not yet approved",
    tags=["refunds"],
    openapi_extensions=responses(200, "RefundAnswer", {404: ("refund_not_found",), 409: ("refund_not_cancellable",)}),
)
def cancel(refund_id: str) -> dict:
    return refund_service().cancel(_caller(CUSTOMERS), refund_id)


@app.post(
    "/orders/<order_id>/disputes",
    summary="Dispute the amount charged for an order; always reviewed by people (Idempotency-Key header required)",
    tags=["refunds"],
    openapi_extensions=request_body(
        ["kind", "expected_amount_cents", "message"],
        kind={"type": "string", "enum": [k.value for k in DisputeKind]},
        expected_amount_cents={"type": "integer", "minimum": 0},
        message={"type": "string", "maxLength": refunds.MAX_MESSAGE},
        ticket_id={"type": "string"},
    )
    | responses(
        202,
        "DisputeAnswer",
        {
            400: (
                "invalid_json",
                "invalid_dispute_kind",
                "invalid_amount",
                "dispute_amount_invalid",
                "invalid_field",
                "field_too_long",
                "missing_field",
                "idempotency_key_required",
                "idempotency_key_invalid",
            ),
            404: ("order_not_found", "ticket_not_found"),
            409: ("order_not_refundable", "refund_exceeds_remaining", "idempotency_key_in_progress"),
            422: ("idempotency_key_reused",),
        },
    )
    | IDEMPOTENCY_HEADER,
)
def open_dispute(order_id: str) -> Response[dict]:
    caller = _caller(CUSTOMERS)
    return once_per_key(
        app,
        "dispute",
        caller.account_id,
        {"order_id": order_id},
        lambda body, key: refund_service().open_dispute(caller, order_id, body, key),
    )


@app.get(
    "/disputes/<dispute_id>",
    summary="A dispute with its timeline and the evidence received",
    tags=["refunds"],
    openapi_extensions=responses(200, "DisputeWithEvidence", {404: ("dispute_not_found",)}),
)
def get_dispute(dispute_id: str) -> dict:
    return refund_service().get_dispute(_caller(CUSTOMERS), dispute_id)


@app.post(
    "/disputes/<dispute_id>/evidence",
    summary="A presigned S3 POST (10 minutes) for one evidence file: JPEG, PNG or PDF up to 10 MB",
    tags=["refunds"],
    openapi_extensions=request_body(
        ["filename", "content_type", "size"],
        filename={"type": "string", "maxLength": 200},
        content_type={"type": "string", "enum": ["image/jpeg", "image/png", "application/pdf"]},
        size={"type": "integer", "minimum": 1, "maximum": 10 * 1024 * 1024},
    )
    | responses(
        201,
        "EvidenceUpload",
        {
            400: (
                "invalid_json",
                "evidence_type_not_allowed",
                "evidence_too_large",
                "missing_field",
                "invalid_field",
                "field_too_long",
            ),
            404: ("dispute_not_found",),
            409: ("dispute_closed", "evidence_limit_reached"),
        },
    ),
)
def evidence_upload(dispute_id: str) -> Response[dict]:
    caller = _caller(CUSTOMERS)
    return json_response(201, refund_service().evidence_upload(caller, dispute_id, json_body(app)))


# ---- staff -------------------------------------------------------------------------------------------------------


@app.get(
    "/agent/refunds",
    summary="Cases waiting for a decision, oldest first (?status=under_review|awaiting_second_approval)",
    tags=["agent"],
    openapi_extensions=query("status", "limit", "cursor")
    | responses(200, "StaffRefundList", {400: ("invalid_status_filter", "invalid_limit", "invalid_cursor")}),
)
def review_queue() -> dict:
    staff = _caller(STAFF)
    return refund_service().review_queue(
        staff, refunds.parse_queue_status(_query("status")), refunds.parse_limit(_query("limit")), _query("cursor")
    )


@app.get(
    "/agent/refunds/<refund_id>",
    summary="A case for staff: order, recent refunds, evidence links (audited)",
    tags=["agent"],
    openapi_extensions=responses(200, "StaffRefundCase", {404: ("refund_not_found",)}),
)
def staff_case(refund_id: str) -> dict:
    return refund_service().staff_case(_caller(STAFF), refund_id)


@app.get(
    "/agent/refunds/<refund_id>/audit",
    summary="Who on the staff opened this case (supervisors)",
    tags=["agent"],
    openapi_extensions=query("limit", "cursor")
    | responses(
        200,
        "RefundAccessLog",
        {400: ("invalid_limit", "invalid_cursor"), 403: ("supervisor_only",), 404: ("refund_not_found",)},
    ),
)
def access_log(refund_id: str) -> dict:
    return refund_service().access_log(
        _caller(STAFF), refund_id, refunds.parse_limit(_query("limit")), _query("cursor")
    )


@app.post(
    "/agent/refunds/<refund_id>/decision",
    summary="Approve (possibly less) or reject with a reason; second approvals and overdue cases need a supervisor",
    tags=["agent"],
    openapi_extensions=request_body(
        ["decision"],
        decision={"type": "string", "enum": ["approve", "reject"]},
        amount_cents={"type": "integer", "minimum": 1, "description": "Approve less than asked"},
        reason={
            "type": "string",
            "maxLength": refunds.MAX_REASON,
            "description": "Required to reject; shown to the customer",
        },
        note={"type": "string", "maxLength": refunds.MAX_NOTE},
    )
    | responses(
        200,
        "StaffRefundAnswer",
        {
            400: (
                "invalid_json",
                "invalid_decision",
                "invalid_amount",
                "rejection_reason_required",
                "invalid_field",
                "field_too_long",
            ),
            403: ("supervisor_required", "same_approver"),
            404: ("refund_not_found",),
            409: ("refund_not_in_review", "refund_review_busy", "refund_already_decided"),
        },
    ),
)
def decide(refund_id: str) -> dict:
    staff = _caller(STAFF)
    return refund_service().decide(staff, refund_id, json_body(app))


@app.post(
    "/supervisor/refunds/<refund_id>/retry-payout",
    summary="Pay out again after payout_failed",
    tags=["agent"],
    openapi_extensions=responses(
        200,
        "StaffRefundAnswer",
        {403: ("supervisor_required",), 404: ("refund_not_found",), 409: ("refund_not_retryable",)},
    ),
)
def retry_payout(refund_id: str) -> dict:
    return refund_service().retry_payout(_caller(SUPERVISORS), refund_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
