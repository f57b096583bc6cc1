"""Order self-service over HTTP: the customer's own orders (GET /orders, GET /orders/{order_id}) and the two requests
they may make alone before shipping (POST /orders/{order_id}/cancel, PUT /orders/{order_id}/shipping-address).
Thin: parse, check the caller, call one OrderSelfService method.

The two requests need an Idempotency-Key header (supportdesk.idempotency), as the refund routes do: the same key and
body replay the first answer, another body under the same key is a 422."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import (
    IDEMPOTENCY_HEADER,
    caller,
    create_app,
    json_body,
    once_per_key,
    query,
    request_body,
    responses,
)
from supportdesk.fields import page_limit
from supportdesk.observability import logger, metrics
from supportdesk.order_self_service.address import LIMITS
from supportdesk.order_self_service.wiring import order_self_service
from supportdesk.orders.model import CancelReason
from supportdesk.roles import CUSTOMERS, Caller

app = create_app()
REQUEST_ERRORS = {
    404: ("order_not_found",),
    409: ("order_already_shipped", "order_already_cancelled", "order_changed", "idempotency_key_in_progress"),
    422: ("idempotency_key_reused",),
    503: ("order_request_not_sent",),
}
ADDRESS_FIELD_ERRORS = (
    "invalid_recipient_name",
    "invalid_phone",
    "invalid_province",
    "invalid_city",
    "invalid_district",
    "invalid_street",
    "invalid_postcode",
)


def _caller() -> Caller:
    return caller(app, roles=CUSTOMERS)


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name=name, default_value=None)


def _optional_body() -> dict:
    """A cancellation may come without a body (no reason given)."""
    return json_body(app) if (app.current_event.body or "").strip() else {}


@app.get(
    "/orders",
    summary="The caller's orders, newest first (cursor pagination)",
    tags=["orders"],
    openapi_extensions=query("limit", "cursor")
    | responses(200, "OrderList", {400: ("invalid_limit", "invalid_cursor")}),
)
def list_orders() -> dict:
    return order_self_service().list_orders(_caller(), page_limit(_query("limit")), _query("cursor"))


@app.get(
    "/orders/<order_id>",
    summary="One of the caller's orders: status, items, amounts, address, shipping and "
    "tracking, pending requests, and its refunds with their progress",
    tags=["orders"],
    openapi_extensions=responses(200, "OrderAnswer", {404: ("order_not_found",)}),
)
def get_order(order_id: str) -> dict:
    return order_self_service().get_order(_caller(), order_id)


@app.post(
    "/orders/<order_id>/cancel",
    summary="Ask the storefront to cancel an order that has not shipped (Idempotency-Key header required); the "
    "order shows cancellation_requested until the storefront confirms",
    tags=["orders"],
    openapi_extensions=request_body(
        [],
        reason={"type": "string", "enum": [r.value for r in CancelReason], "description": "Optional"},
    )
    | responses(
        202,
        "OrderRequestAnswer",
        {
            **REQUEST_ERRORS,
            400: (
                "invalid_json",
                "invalid_cancel_reason",
                "invalid_field",
                "idempotency_key_required",
                "idempotency_key_invalid",
            ),
            409: (*REQUEST_ERRORS[409], "order_has_refunds"),
            429: ("rate_limited",),
        },
    )
    | IDEMPOTENCY_HEADER,
)
def cancel(order_id: str) -> Response[dict]:
    caller = _caller()
    return once_per_key(
        app,
        "order-cancel",
        caller.account_id,
        {"order_id": order_id},
        lambda body, key: order_self_service().cancel(caller, order_id, body, key),
        read_body=_optional_body,
    )


@app.put(
    "/orders/<order_id>/shipping-address",
    summary="Ask the storefront to deliver an order that has not shipped to another address in mainland China "
    "(Idempotency-Key header required)",
    tags=["orders"],
    openapi_extensions=request_body(
        ["recipient_name", "phone", "province", "city", "district", "street"],
        recipient_name={"type": "string", "maxLength": LIMITS["recipient_name"][1]},
        phone={"type": "string", "description": "Mainland China mobile number, e.g. 13800138000 or +86 138 0013 8000"},
        province={
            "type": "string",
            "description": "Province, municipality or autonomous region, e.g. 浙江省 / Zhejiang",
        },
        city={"type": "string", "maxLength": LIMITS["city"][1]},
        district={"type": "string", "maxLength": LIMITS["district"][1]},
        street={"type": "string", "minLength": LIMITS["street"][0], "maxLength": LIMITS["street"][1]},
        postcode={"type": "string", "pattern": "^[0-9]{6}$", "description": "Optional"},
    )
    | responses(
        202,
        "OrderRequestAnswer",
        {
            **REQUEST_ERRORS,
            400: (
                "invalid_json",
                "missing_field",
                "invalid_field",
                *ADDRESS_FIELD_ERRORS,
                "idempotency_key_required",
                "idempotency_key_invalid",
            ),
            409: (*REQUEST_ERRORS[409], "order_cancellation_requested", "address_change_pending"),
            429: ("rate_limited",),
        },
    )
    | IDEMPOTENCY_HEADER,
)
def change_shipping_address(order_id: str) -> Response[dict]:
    caller = _caller()
    return once_per_key(
        app,
        "order-address",
        caller.account_id,
        {"order_id": order_id},
        lambda body, key: order_self_service().change_address(caller, order_id, body, key),
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
