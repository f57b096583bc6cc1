"""OpenAPI schemas of the order self-service routes (functions/order_self_service), merged into local/openapi.py's
SCHEMAS."""

from __future__ import annotations

from local.openapi_types import BOOLEAN, CURSOR, INTEGER, STRING, TIME, _nullable, _object, _ref

CENTS = {"type": "integer", "description": "Cents of `currency`"}
TEXTS = _object(["zh-CN", "en"], **{"zh-CN": STRING, "en": STRING})
STATUS = {
    "type": "string",
    "enum": ["pending_payment", "paid", "cancellation_requested", "shipped", "delivered", "cancelled"],
    "description": "cancellation_requested: the customer asked, the storefront has not confirmed yet",
}
ADDRESS = _object(
    ["recipient_name", "phone", "province", "city", "district", "street", "postcode"],
    recipient_name=STRING,
    phone={"type": "string", "description": "E.164"},
    province=STRING,
    city=STRING,
    district=STRING,
    street=STRING,
    postcode=_nullable(STRING),
)

SCHEMAS: dict[str, dict] = {
    "ShippingAddress": ADDRESS,
    "Order": _object(
        [
            "id",
            "status",
            "status_text",
            "currency",
            "amount_cents",
            "paid_cents",
            "refunded_cents",
            "refund_in_progress_cents",
            "items",
            "shipping_address",
            "placed_at",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "cancelled_at",
            "tracking",
            "cancellation",
            "address_change",
            "can_cancel",
            "can_change_address",
        ],
        id={"type": "string", "examples": ["ord_demo1_1004"]},
        status=STATUS,
        status_text=TEXTS,
        currency=STRING,
        amount_cents=CENTS,
        paid_cents=CENTS,
        refunded_cents=CENTS,
        refund_in_progress_cents={**CENTS, "description": "Reserved by refunds not yet paid out"},
        items={
            "type": "array",
            "items": _object(
                ["sku", "name", "quantity", "unit_price_cents", "total_cents"],
                sku=STRING,
                name=STRING,
                quantity=INTEGER,
                unit_price_cents=CENTS,
                total_cents=CENTS,
            ),
        },
        shipping_address=_nullable(STRING),
        placed_at=TIME,
        paid_at=_nullable(TIME),
        shipped_at=_nullable(TIME),
        delivered_at=_nullable(TIME),
        cancelled_at=_nullable(TIME),
        tracking={
            **_nullable(
                _object(
                    ["carrier", "tracking_number", "events"],
                    carrier=STRING,
                    tracking_number=STRING,
                    events={
                        "type": "array",
                        "description": "Newest first; the carrier's text",
                        "items": _object(
                            ["at", "description", "location"], at=TIME, description=STRING, location=_nullable(STRING)
                        ),
                    },
                )
            ),
            "description": "When the storefront sent tracking",
        },
        cancellation=_nullable(
            _object(["requested_at", "reason", "text"], requested_at=TIME, reason=_nullable(STRING), text=TEXTS)
        ),
        address_change=_nullable(
            _object(
                ["requested_at", "shipping_address", "shipping_address_text", "text"],
                requested_at=TIME,
                shipping_address=_ref("ShippingAddress"),
                shipping_address_text=STRING,
                text=TEXTS,
            )
        ),
        can_cancel=BOOLEAN,
        can_change_address=BOOLEAN,
    ),
    "OrderList": _object(
        ["orders", "next_cursor"], orders={"type": "array", "items": _ref("Order")}, next_cursor=CURSOR
    ),
    "OrderAnswer": _object(
        ["order"],
        order={
            "allOf": [
                _ref("Order"),
                _object(
                    ["refunds", "more_refunds"],
                    refunds={"type": "array", "items": _ref("Refund"), "description": "Newest first, at most 20"},
                    more_refunds={
                        **BOOLEAN,
                        "description": "More than 20: GET /orders/{order_id}/refunds lists them all",
                    },
                ),
            ]
        },
    ),
    "OrderRequestAnswer": _object(["order"], order=_ref("Order")),
}
