"""OpenAPI schemas of the refund and dispute routes (functions/refund), merged into local/openapi.py's SCHEMAS."""

from __future__ import annotations

from local.openapi_types import BOOLEAN, CURSOR, INTEGER, STRING, TIME, _nullable, _object, _ref

CENTS = {"type": "integer", "description": "Cents of `currency`"}
STATUS = {
    "type": "string",
    "enum": [
        "submitted",
        "under_review",
        "awaiting_second_approval",
        "approved",
        "paid",
        "rejected",
        "cancelled",
        "payout_failed",
    ],
}
TEXTS = _object(["zh-CN", "en"], **{"zh-CN": STRING, "en": STRING})

SCHEMAS: dict[str, dict] = {
    "RefundStep": _object(
        ["at", "status", "step", "text"],
        at=TIME,
        status=STATUS,
        step={"type": "string", "examples": ["submitted", "approved", "paid"]},
        text=TEXTS,
    ),
    "Refund": _object(
        [
            "id",
            "kind",
            "order_id",
            "amount_cents",
            "requested_cents",
            "currency",
            "reason",
            "status",
            "created_at",
            "updated_at",
            "ticket_id",
            "timeline",
        ],
        id={"type": "string", "examples": ["R-3K2LJNLJPQY7Z74Q", "D-OAMC55457E34QD35"]},
        kind={"type": "string", "enum": ["refund", "dispute"]},
        order_id=STRING,
        amount_cents=CENTS,
        requested_cents=CENTS,
        currency=STRING,
        reason=STRING,
        status=STATUS,
        created_at=TIME,
        updated_at=TIME,
        ticket_id=_nullable(STRING),
        timeline={"type": "array", "items": _ref("RefundStep")},
        expected_amount_cents={**CENTS, "description": "Disputes: what the customer says they should have paid"},
        expected_arrival=TEXTS,
        rejection_reason=STRING,
    ),
    "RefundAnswer": _object(["refund"], refund=_ref("Refund")),
    "DisputeAnswer": _object(["dispute"], dispute=_ref("Refund")),
    "RefundList": _object(
        ["refunds", "next_cursor"], refunds={"type": "array", "items": _ref("Refund")}, next_cursor=CURSOR
    ),
    "Evidence": _object(
        ["filename", "size", "uploaded_at", "source"],
        filename=STRING,
        size=INTEGER,
        uploaded_at=TIME,
        source={
            "type": "string",
            "enum": ["upload", "ticket"],
            "description": "upload: POST /disputes/{id}/evidence; ticket: a file the customer sent with a "
            "message of the dispute's ticket (e-mail attachment or web upload)",
        },
        ticket_id={"type": "string", "description": "source ticket: the ticket"},
        attachment_id={"type": "string", "description": "source ticket: the file's id on the ticket"},
    ),
    "DisputeWithEvidence": _object(
        ["dispute"],
        dispute={
            "allOf": [_ref("Refund"), _object(["evidence"], evidence={"type": "array", "items": _ref("Evidence")})]
        },
    ),
    "EvidenceUpload": _object(
        ["upload"],
        upload=_object(
            ["url", "fields", "method", "expires_in", "max_bytes", "content_type"],
            url=STRING,
            fields={"type": "object", "additionalProperties": STRING},
            method={"type": "string", "const": "POST"},
            expires_in=INTEGER,
            max_bytes=INTEGER,
            content_type=STRING,
        ),
    ),
    "StaffRefundSummary": _object(
        [
            "id",
            "kind",
            "customer_id",
            "order_id",
            "amount_cents",
            "requested_cents",
            "currency",
            "reason",
            "status",
            "created_at",
            "updated_at",
            "review_notes",
            "needs_second_approval",
            "escalated",
            "needs_supervisor",
        ],
        id=STRING,
        kind=STRING,
        customer_id=STRING,
        order_id=STRING,
        amount_cents=CENTS,
        requested_cents=CENTS,
        currency=STRING,
        reason=STRING,
        status=STATUS,
        created_at=TIME,
        updated_at=TIME,
        review_notes={"type": "array", "items": STRING},
        needs_second_approval=BOOLEAN,
        escalated=BOOLEAN,
        needs_supervisor=BOOLEAN,
    ),
    "StaffRefundList": _object(
        ["refunds", "next_cursor"], refunds={"type": "array", "items": _ref("StaffRefundSummary")}, next_cursor=CURSOR
    ),
    "StaffRefundAnswer": _object(["refund"], refund=_ref("StaffRefundSummary")),
    "StaffRefundCase": _object(
        ["refund"],
        refund={
            "allOf": [
                _ref("StaffRefundSummary"),
                _object(
                    ["customer_recent_approved_refunds", "timeline", "order"],
                    customer_recent_approved_refunds=INTEGER,
                    timeline={"type": "array"},
                    order=_nullable({"type": "object"}),
                    evidence={
                        "type": "array",
                        "items": {
                            "allOf": [
                                _ref("Evidence"),
                                _object(["url", "url_expires_in"], url=STRING, url_expires_in=INTEGER),
                            ]
                        },
                    },
                ),
            ]
        },
    ),
    "RefundAccessLog": _object(
        ["refund_id", "entries", "next_cursor"],
        refund_id=STRING,
        next_cursor=CURSOR,
        entries={
            "type": "array",
            "items": _object(
                ["actor_id", "actor_role", "action", "at"], actor_id=STRING, actor_role=STRING, action=STRING, at=TIME
            ),
        },
    ),
}

QUERY_PARAMETERS = {
    "status": {
        "name": "status",
        "in": "query",
        "required": False,
        "description": "Which review queue",
        "schema": {"type": "string", "enum": ["under_review", "awaiting_second_approval"], "default": "under_review"},
    },
}
