"""Storage of the orders read model. The ports are what the services need (OrderRepository for refunds and the order
events, CustomerOrderStore for the customer's own orders and requests, OrderLookup for tickets); the Dynamo*
classes are the DynamoDB adapters (one key-based call per method: GetItem, UpdateItem, or one Query of an index)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Protocol

from supportdesk.dal.cursors import decode_cursor, encode_cursor
from supportdesk.dal.orders import OrderModel
from supportdesk.dal.transactions import conditional_update
from supportdesk.orders.model import (
    AddressChangeRequest,
    CancellationRequest,
    Order,
    OrderItem,
    OrderRequestKind,
    OrderStatus,
    PaymentRef,
    ShippingAddress,
    Tracking,
    TrackingEvent,
)


class OrderRepository(Protocol):
    def get(self, customer_id: str, order_id: str) -> Order | None:
        """The caller's order, or None (another customer's order is simply absent)."""

    def upsert(self, order: Order, settles: frozenset[OrderRequestKind] = frozenset()) -> bool:
        """Write the storefront's fields of `order` if the stored version is older (or there is none), and forget
        the pending requests the event `settles`; False when the stored order is as new or newer (a late or repeated
        event). Never touches the refund amounts."""


class CustomerOrderStore(Protocol):
    """A customer's own orders and their requests to the storefront (order_self_service)."""

    def get(self, customer_id: str, order_id: str) -> Order | None: ...

    def customer_orders(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[Order], str | None]:
        """One page of the customer's orders, newest first, and the cursor of the next page (None on the last)."""

    def request_cancellation(
        self,
        customer_id: str,
        order_id: str,
        request: CancellationRequest,
        *,
        statuses: Iterable[OrderStatus],
        stale_before: datetime,
    ) -> Order | None:
        """Record a pending cancellation if the order is in one of `statuses`, holds no refund, and no cancellation
        newer than `stale_before` is pending; the order as written, or None when a condition did not hold."""

    def request_address_change(
        self,
        customer_id: str,
        order_id: str,
        request: AddressChangeRequest,
        *,
        statuses: Iterable[OrderStatus],
        stale_before: datetime,
    ) -> Order | None:
        """Record a pending address change if the order is in one of `statuses`, no cancellation is pending, and no
        address change newer than `stale_before` is pending; the order as written, or None."""

    def withdraw(self, customer_id: str, order_id: str, kind: OrderRequestKind, request_id: str) -> bool:
        """Forget the pending request `request_id` (it could not be sent); False when it is no longer the pending
        one."""


_REQUEST_ATTRIBUTES = {
    OrderRequestKind.CANCELLATION: ("cancel_request_id", "cancel_requested_at", "cancel_reason"),
    OrderRequestKind.ADDRESS_CHANGE: (
        "address_change_request_id",
        "address_change_requested_at",
        "address_change_address",
    ),
}


class DynamoOrderRepository:
    def get(self, customer_id: str, order_id: str) -> Order | None:
        """One consistent GetItem: a request just recorded is seen at once."""
        try:
            return to_order(OrderModel.get(customer_id, order_id, consistent_read=True))
        except OrderModel.DoesNotExist:
            return None

    def upsert(self, order: Order, settles: frozenset[OrderRequestKind] = frozenset()) -> bool:
        """One UpdateItem: SET the snapshot's fields (REMOVE the settled requests), condition
        `attribute_not_exists(order_id) OR version < :v`."""
        M = OrderModel
        actions = [
            M.status.set(order.status.value),
            M.amount_cents.set(order.amount_cents),
            M.currency.set(order.currency),
            M.items.set(
                [
                    {"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price_cents": i.unit_price_cents}  # type: ignore[misc]
                    for i in order.items
                ]
            ),
            M.created_at.set(order.placed_at),
            M.version.set(order.version),
            M.paid_cents.set(order.paid_cents),
        ]
        for attribute, value in (
            (M.shipping_address, order.shipping_address),
            (M.shipped_at, order.shipped_at),
            (M.delivered_at, order.delivered_at),
            (M.cancelled_at, order.cancelled_at),
            (M.paid_at, order.paid_at),
            (M.tracking, _tracking_map(order.tracking)),
        ):
            actions.append(attribute.set(value) if value is not None else attribute.remove())  # type: ignore[arg-type]
        if order.payment is not None:
            actions += [M.payment_provider.set(order.payment.provider), M.charge_id.set(order.payment.charge_id)]
        for kind in sorted(settles):
            actions += [getattr(M, name).remove() for name in _REQUEST_ATTRIBUTES[kind]]
        newer = M.order_id.does_not_exist() | (M.version < order.version)
        return conditional_update(M(order.customer_id, order.order_id), actions, newer)

    def customer_orders(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[Order], str | None]:
        """One Query of the CustomerOrders index (the caller's partition, newest first). The cursor holds the sort
        key and the order id only: the partition comes from the caller, so a cursor cannot reach another customer's
        orders."""
        position = decode_cursor(cursor, ("s", "o"))
        start = None
        if position:
            start = {
                "customer_id": {"S": customer_id},
                "created_at": {"S": position["s"]},
                "order_id": {"S": position["o"]},
            }
        results = OrderModel.customer_orders.query(
            customer_id, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
        )
        orders = [to_order(item) for item in results]
        last = results.last_evaluated_key if len(orders) >= limit else None
        next_cursor = encode_cursor({"s": last["created_at"]["S"], "o": last["order_id"]["S"]}) if last else None
        return orders, next_cursor

    def request_cancellation(
        self,
        customer_id: str,
        order_id: str,
        request: CancellationRequest,
        *,
        statuses: Iterable[OrderStatus],
        stale_before: datetime,
    ) -> Order | None:
        """One UpdateItem conditioned on the status, on no refund holding money on the order (a cancellation gives
        everything back: it must not race a refund), and on no fresh cancellation pending, so of two concurrent
        cancellations exactly one is written."""
        M = OrderModel
        condition = (
            M.order_id.exists()
            & M.status.is_in(*(s.value for s in statuses))
            & (M.committed_cents.does_not_exist() | (M.committed_cents == 0))
            & (M.cancel_requested_at.does_not_exist() | (M.cancel_requested_at < stale_before))
        )
        actions = [
            M.cancel_request_id.set(request.request_id),
            M.cancel_requested_at.set(request.requested_at),
            M.updated_at.set(request.requested_at),
        ]
        actions.append(M.cancel_reason.set(request.reason) if request.reason else M.cancel_reason.remove())
        item = M(customer_id, order_id)
        return to_order(item) if conditional_update(item, actions, condition) else None

    def request_address_change(
        self,
        customer_id: str,
        order_id: str,
        request: AddressChangeRequest,
        *,
        statuses: Iterable[OrderStatus],
        stale_before: datetime,
    ) -> Order | None:
        """One UpdateItem conditioned on the status, on no cancellation pending, and on no fresh address change
        pending (two changes in flight could reach the storefront in either order)."""
        M = OrderModel
        condition = (
            M.order_id.exists()
            & M.status.is_in(*(s.value for s in statuses))
            & M.cancel_requested_at.does_not_exist()
            & (M.address_change_requested_at.does_not_exist() | (M.address_change_requested_at < stale_before))
        )
        actions = [
            M.address_change_request_id.set(request.request_id),
            M.address_change_requested_at.set(request.requested_at),
            M.address_change_address.set(_address_map(request.address)),
            M.updated_at.set(request.requested_at),
        ]
        item = M(customer_id, order_id)
        return to_order(item) if conditional_update(item, actions, condition) else None

    def withdraw(self, customer_id: str, order_id: str, kind: OrderRequestKind, request_id: str) -> bool:
        """One UpdateItem removing the request's attributes, conditioned on it still being the pending one."""
        M = OrderModel
        names = _REQUEST_ATTRIBUTES[kind]
        return conditional_update(
            M(customer_id, order_id), [getattr(M, name).remove() for name in names], getattr(M, names[0]) == request_id
        )


def _tracking_map(tracking: Tracking | None) -> dict | None:
    if tracking is None:
        return None
    return {
        "carrier": tracking.carrier,
        "tracking_number": tracking.tracking_number,
        "events": [{"at": _stamp(e.at), "description": e.description, "location": e.location} for e in tracking.events],
    }


def _address_map(address: ShippingAddress) -> dict:
    return address.fields()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _to_tracking(raw: Any) -> Tracking | None:
    if not raw:
        return None
    return Tracking(
        str(raw["carrier"]),
        str(raw["tracking_number"]),
        tuple(TrackingEvent(_time(e["at"]), str(e["description"]), e.get("location")) for e in raw.get("events") or ()),
    )


def to_order(item: Any) -> Order:
    payment = PaymentRef(item.payment_provider, item.charge_id) if item.charge_id else None
    cancellation = None
    if item.cancel_request_id and item.cancel_requested_at:
        cancellation = CancellationRequest(item.cancel_request_id, item.cancel_requested_at, item.cancel_reason)
    address_change = None
    if item.address_change_request_id and item.address_change_requested_at and item.address_change_address:
        address_change = AddressChangeRequest(
            item.address_change_request_id,
            item.address_change_requested_at,
            ShippingAddress(**item.address_change_address),
        )
    return Order(
        customer_id=item.customer_id,
        order_id=item.order_id,
        status=OrderStatus(item.status),
        amount_cents=int(item.amount_cents),
        currency=item.currency,
        placed_at=item.created_at,
        version=int(item.version or 0),
        items=tuple(
            OrderItem(str(i["sku"]), str(i["name"]), int(i["quantity"]), int(i["unit_price_cents"]))
            for i in (i.as_dict() if hasattr(i, "as_dict") else i for i in (item.items or []))
        ),
        shipping_address=item.shipping_address,
        paid_cents=int(item.paid_cents or 0),
        payment=payment,
        paid_at=item.paid_at,
        shipped_at=item.shipped_at,
        delivered_at=item.delivered_at,
        cancelled_at=item.cancelled_at,
        reserved_cents=int(item.reserved_cents or 0),
        refunded_cents=int(item.refunded_cents or 0),
        tracking=_to_tracking(item.tracking),
        cancellation=cancellation,
        address_change=address_change,
    )


class OrderLookup(Protocol):
    def belongs_to(self, customer_id: str, order_id: str) -> bool:
        """Is `order_id` one of `customer_id`'s orders? Another customer's order is indistinguishable from none."""
        ...


class DynamoOrderLookup:
    """One GetItem on (customer_id, order_id): another customer's order is simply absent."""

    def belongs_to(self, customer_id: str, order_id: str) -> bool:
        try:
            OrderModel.get(customer_id, order_id, attributes_to_get=["customer_id"])
        except OrderModel.DoesNotExist:
            return False
        return True
