"""A customer's own orders, and what they may ask the storefront for alone before the parcel ships.

Plain Python: the order store, the order's refunds, the request publisher, the confirmation notices, the rate
limiter and the clock are passed in (order_self_service.wiring builds the real ones).

The storefront owns orders: the support desk cannot cancel one or change its address, it asks. A request is
recorded on the order (one conditional UpdateItem), then published on the storefront's bus; the order shows it as
pending (`cancellation_requested`, an `address_change` with its address) until the storefront's next event
settles it (OrderCancelled, OrderAddressChanged, or OrderShipped when it came too late; see orders.model).

Guarantees, each bought by the condition of that one write (orders/repository.py):
- nothing is asked after shipping: the write is conditioned on the order's status, so a parcel that ships while a
  request is being made answers 409 `order_already_shipped`, never a request the storefront cannot honour;
- one cancellation per order: of two concurrent cancellations (two devices, a double tap with two keys) exactly one
  is written and published; the other answers the same pending order without publishing;
- a cancellation never races a refund for the same money: it is conditioned on no refund holding an amount on the
  order, and a refund's reservation on no cancellation being pending (refunds/repository.py);
- one address change in flight: two could reach the storefront in either order.
The request id is derived from the customer and the Idempotency-Key, so a request retried after a crash finds its
own pending request and publishes it again (the storefront deduplicates by `request_id`) instead of being refused.
An event that could not be published is withdrawn from the order (503, retry with the same key), so the order never
shows a request the storefront did not get. A request the storefront leaves unanswered for
`pending_seconds` may be made again."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Any, Callable, Protocol, Union

from supportdesk import i18n
from supportdesk.clock import Clock, iso
from supportdesk.errors import Conflict, DomainError, InvalidInput
from supportdesk.idempotency import IdempotencyKeyReused
from supportdesk.observability import audit, logger, metrics
from supportdesk.order_self_service.address import parse_address
from supportdesk.order_self_service.notices import OrderNotices
from supportdesk.order_self_service.storefront import (
    PublishFailed,
    RequestPublisher,
    address_change_event,
    cancellation_event,
)
from supportdesk.orders.model import (
    CHANGEABLE,
    SHIPPED_OR_LATER,
    AddressChangeRequest,
    CancellationRequest,
    CancelReason,
    Order,
    OrderRequestKind,
    OrderStatus,
    own_order,
)
from supportdesk.orders.repository import CustomerOrderStore
from supportdesk.ratelimit import Limit, RateLimiter
from supportdesk.refunds.model import Refund
from supportdesk.refunds.views import customer_view as refund_view
from supportdesk.roles import Caller

_Request = Union[CancellationRequest, AddressChangeRequest]
REFUNDS_SHOWN = 20  # an order's refunds in GET /orders/{id}; all of them: GET /orders/{id}/refunds
REQUESTS_PER_CUSTOMER = Limit("order-request", max_hits=10, window_seconds=3600)
CANCELLATION_REQUESTED = "cancellation_requested"  # the status an order shows while its cancellation is pending


class RequestNotSent(DomainError):
    """The storefront's bus could not be reached: nothing was asked, the order is as it was (retry, same key)."""

    status = 503
    code = "order_request_not_sent"


class OrderRefunds(Protocol):
    def order_refunds(
        self, customer_id: str, order_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Refund], str | None]: ...


def request_id(prefix: str, owner: str, idempotency_key: str) -> str:
    """CR-/AR- and 16 base32 characters of a hash of (caller, key): a retried request finds its own request."""
    digest = hashlib.sha256(f"{prefix}\x1f{owner}\x1f{idempotency_key}".encode()).digest()
    return f"{prefix}-{base64.b32encode(digest).decode()[:16]}"


def parse_cancel_reason(body: dict[str, Any]) -> str | None:
    unknown = sorted(str(k)[:64] for k in body if k != "reason")
    if unknown:
        raise InvalidInput("invalid_field", field=unknown[0], details={"field": unknown[0]})
    raw = body.get("reason")
    if raw is None:
        return None
    if raw not in {r.value for r in CancelReason}:
        raise InvalidInput(
            "invalid_cancel_reason", details={"field": "reason", "allowed": [r.value for r in CancelReason]}
        )
    return str(raw)


def _texts(key: str, **params: Any) -> dict[str, str]:
    return {language: i18n.message(key, language, **params) for language in i18n.LANGUAGES}


def _optional_iso(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


class OrderSelfService:
    def __init__(
        self,
        orders: CustomerOrderStore,
        refunds: OrderRefunds,
        publisher: RequestPublisher,
        notices: OrderNotices,
        limiter: RateLimiter,
        clock: Clock,
        pending_seconds: int = 3600,
    ) -> None:
        self.orders = orders
        self.refunds = refunds
        self.publisher = publisher
        self.notices = notices
        self.limiter = limiter
        self.clock = clock
        self.pending = timedelta(seconds=pending_seconds)

    # ---- reading ---------------------------------------------------------------------------------------------
    def list_orders(self, caller: Caller, limit: int, cursor: str | None) -> dict:
        orders, next_cursor = self.orders.customer_orders(caller.account_id, limit, cursor)
        now = self.clock.now()
        return {"orders": [self.order_view(order, now) for order in orders], "next_cursor": next_cursor}

    def get_order(self, caller: Caller, order_id: str) -> dict:
        order = self._own_order(caller, order_id)
        refunds, more = self.refunds.order_refunds(caller.account_id, order.order_id, REFUNDS_SHOWN, None)
        return {
            "order": {
                **self.order_view(order, self.clock.now()),
                "refunds": [refund_view(refund) for refund in refunds],
                "more_refunds": more is not None,
            }
        }

    # ---- asking the storefront ---------------------------------------------------------------------------------
    def cancel(self, caller: Caller, order_id: str, body: dict[str, Any], idempotency_key: str) -> dict:
        reason = parse_cancel_reason(body)
        now = self.clock.now()
        request = CancellationRequest(request_id("CR", caller.account_id, idempotency_key), now, reason)
        order, state = self._record(
            caller, order_id, request, self._cancellation_state, self.orders.request_cancellation
        )
        if state == "pending":  # another request of the customer's is already asking: nothing more to send
            return {"order": self.order_view(order, now)}
        pending = order.cancellation
        assert pending is not None
        self._send(
            order,
            OrderRequestKind.CANCELLATION,
            pending.request_id,
            cancellation_event(order, pending),
            "OrderCancellationRequested",
            republished=state == "ours",
            reason=reason,
        )
        self.notices.confirm(caller.account_id, order.order_id, "cancellation", {})
        return {"order": self.order_view(order, now)}

    def change_address(self, caller: Caller, order_id: str, body: dict[str, Any], idempotency_key: str) -> dict:
        address = parse_address(body)
        now = self.clock.now()
        request = AddressChangeRequest(request_id("AR", caller.account_id, idempotency_key), now, address)
        order, state = self._record(
            caller, order_id, request, self._address_change_state, self.orders.request_address_change
        )
        pending = order.address_change
        assert pending is not None
        self._send(
            order,
            OrderRequestKind.ADDRESS_CHANGE,
            pending.request_id,
            address_change_event(order, pending),
            "OrderAddressChangeRequested",
            republished=state == "ours",
        )
        self.notices.confirm(
            caller.account_id, order.order_id, "address_change", {"address": pending.address.one_line()}
        )
        return {"order": self.order_view(order, now)}

    def _record(
        self,
        caller: Caller,
        order_id: str,
        request: _Request,
        state_of: Callable[[Order, Any, datetime], str],
        write: Callable[..., Order | None],
    ) -> tuple[Order, str]:
        """The order with `request` recorded on it, and its state ("new" once written, "ours", "pending"): one
        conditional write; when a condition failed, the order is read again and judged again (it shipped, another
        request came first...), and a state that is still "new" is a 409 `order_changed`."""
        order = self._own_order(caller, order_id)
        self.limiter.hit(REQUESTS_PER_CUSTOMER, caller.account_id)
        stale_before = request.requested_at - self.pending
        state = state_of(order, request, stale_before)
        if state != "new":
            return order, state
        written = write(caller.account_id, order.order_id, request, statuses=CHANGEABLE, stale_before=stale_before)
        if written is not None:
            return written, state
        order = self._own_order(caller, order_id)  # the order changed since it was read
        state = state_of(order, request, stale_before)
        if state == "new":
            raise Conflict("order_changed")
        return order, state

    def _send(
        self,
        order: Order,
        kind: OrderRequestKind,
        pending_id: str,
        event: tuple[str, dict],
        metric: str,
        **audited: Any,
    ) -> None:
        """Publish the pending request (withdrawn from the order and a 503 when the bus cannot be reached), then
        audit it (`order_cancellation_requested`, ...) and count it."""
        detail_type, detail = event
        try:
            self.publisher.publish(detail_type, detail)
        except PublishFailed as failure:
            withdrawn = self.orders.withdraw(order.customer_id, order.order_id, kind, pending_id)
            logger.warning(
                "order request not published",
                extra={"order_id": order.order_id, "kind": kind.value, "reason": str(failure), "withdrawn": withdrawn},
            )
            metrics.add_metric(name="OrderRequestNotPublished", unit="Count", value=1)
            raise RequestNotSent() from failure
        audit(
            f"order_{kind.value}_requested",
            order_id=order.order_id,
            account_id=order.customer_id,
            request_id=pending_id,
            **audited,
        )
        metrics.add_metric(name=metric, unit="Count", value=1)

    # ---- rules -------------------------------------------------------------------------------------------------
    @staticmethod
    def _too_late(order: Order) -> None:
        if order.status is OrderStatus.CANCELLED:
            raise Conflict("order_already_cancelled", details={"status": order.status.value})
        if order.status in SHIPPED_OR_LATER:
            raise Conflict(
                "order_already_shipped",
                details={"status": order.status.value, "refund_route": f"/orders/{order.order_id}/refunds"},
            )

    def _cancellation_state(self, order: Order, request: CancellationRequest, stale_before: datetime) -> str:
        """ "ours" (this request is the pending one: publish it again), "pending" (another fresh cancellation is),
        "new"; or the 409 that says why not."""
        pending = order.cancellation
        if pending is not None and pending.request_id == request.request_id and order.status in CHANGEABLE:
            if pending.reason != request.reason:
                raise IdempotencyKeyReused()
            return "ours"
        self._too_late(order)
        if pending is not None and pending.requested_at >= stale_before:
            return "pending"
        if order.reserved_cents or order.refunded_cents:
            raise Conflict("order_has_refunds", details={"refunds_route": f"/orders/{order.order_id}/refunds"})
        return "new"

    def _address_change_state(self, order: Order, request: AddressChangeRequest, stale_before: datetime) -> str:
        pending = order.address_change
        if pending is not None and pending.request_id == request.request_id and order.status in CHANGEABLE:
            if pending.address != request.address:
                raise IdempotencyKeyReused()
            return "ours"
        self._too_late(order)
        if order.cancellation is not None:
            raise Conflict("order_cancellation_requested")
        if pending is not None and pending.requested_at >= stale_before:
            raise Conflict("address_change_pending", details={"requested_at": iso(pending.requested_at)})
        return "new"

    # ---- views -------------------------------------------------------------------------------------------------
    def order_view(self, order: Order, now: datetime) -> dict:
        stale_before = now - self.pending
        cancelling = order.cancellation is not None and order.status in CHANGEABLE
        status = CANCELLATION_REQUESTED if cancelling else order.status.value
        changeable = order.status in CHANGEABLE
        fresh_cancellation = order.cancellation is not None and order.cancellation.requested_at >= stale_before
        fresh_change = order.address_change is not None and order.address_change.requested_at >= stale_before
        view: dict[str, Any] = {
            "id": order.order_id,
            "status": status,
            "status_text": _texts(f"order_status_{status}"),
            "currency": order.currency,
            "amount_cents": order.amount_cents,
            "paid_cents": order.paid_cents,
            "refunded_cents": order.refunded_cents,
            "refund_in_progress_cents": order.reserved_cents,
            "items": [
                {
                    "sku": i.sku,
                    "name": i.name,
                    "quantity": i.quantity,
                    "unit_price_cents": i.unit_price_cents,
                    "total_cents": i.quantity * i.unit_price_cents,
                }
                for i in order.items
            ],
            "shipping_address": order.shipping_address,
            "placed_at": iso(order.placed_at),
            "paid_at": _optional_iso(order.paid_at),
            "shipped_at": _optional_iso(order.shipped_at),
            "delivered_at": _optional_iso(order.delivered_at),
            "cancelled_at": _optional_iso(order.cancelled_at),
            "tracking": None,
            "cancellation": None,
            "address_change": None,
            "can_cancel": changeable and not fresh_cancellation and not (order.reserved_cents or order.refunded_cents),
            "can_change_address": changeable and order.cancellation is None and not fresh_change,
        }
        if order.tracking is not None:
            view["tracking"] = {
                "carrier": order.tracking.carrier,
                "tracking_number": order.tracking.tracking_number,
                "events": [
                    {"at": iso(e.at), "description": e.description, "location": e.location}
                    for e in sorted(order.tracking.events, key=lambda e: e.at, reverse=True)
                ],
            }
        if cancelling and order.cancellation is not None:
            view["cancellation"] = {
                "requested_at": iso(order.cancellation.requested_at),
                "reason": order.cancellation.reason,
                "text": _texts("order_cancellation_pending"),
            }
        if order.address_change is not None and changeable:
            address = order.address_change.address
            view["address_change"] = {
                "requested_at": iso(order.address_change.requested_at),
                "shipping_address": address.fields(),
                "shipping_address_text": address.one_line(),
                "text": _texts("order_address_change_pending"),
            }
        return view

    # ---- helpers -----------------------------------------------------------------------------------------------
    def _own_order(self, caller: Caller, order_id: str) -> Order:
        return own_order(self.orders, caller.account_id, order_id)
