"""An order as the support desk knows it. Plain dataclasses: storage lives in orders/repository.py.

The storefront owns orders and tells the support desk about them with events (event-carried state). The support
desk owns two things on an order: the refund amounts (refunds/) and the customer's pending requests to the
storefront (a cancellation, an address change: order_self_service/), which the storefront's next event settles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from supportdesk.errors import NotFound


class OrderStatus(str, Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


# The storefront's event types (EventBridge detail-type) and the status each leaves the order in (None: unchanged).
EVENT_TYPES: dict[str, OrderStatus | None] = {
    "OrderPlaced": OrderStatus.PENDING_PAYMENT,
    "OrderPaid": OrderStatus.PAID,
    "OrderShipped": OrderStatus.SHIPPED,
    "OrderDelivered": OrderStatus.DELIVERED,
    "OrderCancelled": OrderStatus.CANCELLED,
    "OrderAddressChanged": None,
    "OrderTrackingUpdated": None,
}

# Before shipping: what the customer may still cancel or send elsewhere.
CHANGEABLE = (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)
# The storefront is done with the order's way to the customer: no request can change it any more.
SHIPPED_OR_LATER = (OrderStatus.SHIPPED, OrderStatus.DELIVERED)


class OrderRequestKind(str, Enum):
    """What a customer asked the storefront for, pending until a storefront event settles it."""

    CANCELLATION = "cancellation"
    ADDRESS_CHANGE = "address_change"


class CancelReason(str, Enum):
    """Why the customer cancels (optional; the storefront's own statistics use it)."""

    CHANGED_MIND = "changed_mind"
    ORDERED_BY_MISTAKE = "ordered_by_mistake"
    FOUND_BETTER_PRICE = "found_better_price"
    DELIVERY_TOO_SLOW = "delivery_too_slow"
    OTHER = "other"


def settled_requests(detail_type: str, status: OrderStatus) -> frozenset[OrderRequestKind]:
    """The pending requests a storefront event settles: once an order has shipped, been delivered or been cancelled,
    nothing is pending any more (done, or too late); an address change is settled by the storefront's
    OrderAddressChanged."""
    if status in SHIPPED_OR_LATER or status is OrderStatus.CANCELLED:
        return frozenset(OrderRequestKind)
    if detail_type == "OrderAddressChanged":
        return frozenset({OrderRequestKind.ADDRESS_CHANGE})
    return frozenset()


@dataclass(frozen=True)
class OrderItem:
    sku: str
    name: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class PaymentRef:
    """Where the money came from: refunds go back to this charge, never elsewhere."""

    provider: str  # e.g. stripe
    charge_id: str


@dataclass(frozen=True)
class TrackingEvent:
    """One scan of the parcel as the carrier reported it (text as the storefront sent it, usually Chinese)."""

    at: datetime
    description: str
    location: str | None = None


@dataclass(frozen=True)
class Tracking:
    carrier: str
    tracking_number: str
    events: tuple[TrackingEvent, ...] = ()  # oldest first, as the storefront sends them


@dataclass(frozen=True)
class ShippingAddress:
    """A delivery address in mainland China as a customer enters it (validated in order_self_service/address.py)."""

    recipient_name: str
    phone: str  # E.164, a mainland mobile number
    province: str
    city: str
    district: str
    street: str
    postcode: str | None = None

    def fields(self) -> dict[str, str | None]:
        """The address as named fields, as the API shows it, the storefront's events carry it and it is stored."""
        return {
            "recipient_name": self.recipient_name,
            "phone": self.phone,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "street": self.street,
            "postcode": self.postcode,
        }

    def one_line(self) -> str:
        """The address on one line, as the storefront's events carry it: Chinese order (province first, no
        separators) when it is written in Chinese, else street first with commas."""
        parts = (self.province, self.city, self.district, self.street)
        if all(any("\u4e00" <= ch <= "\u9fff" for ch in part) for part in parts[:3]):
            return "".join(parts[:3]) + self.street
        return ", ".join(reversed(parts))


@dataclass(frozen=True)
class CancellationRequest:
    request_id: str  # derived from the customer and the Idempotency-Key; the storefront deduplicates by it
    requested_at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class AddressChangeRequest:
    request_id: str
    requested_at: datetime
    address: ShippingAddress


@dataclass(frozen=True)
class Order:
    customer_id: str
    order_id: str
    status: OrderStatus
    amount_cents: int
    currency: str
    placed_at: datetime
    version: int
    items: tuple[OrderItem, ...] = ()
    shipping_address: str | None = None
    paid_cents: int = 0
    payment: PaymentRef | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    reserved_cents: int = 0
    refunded_cents: int = 0
    tracking: Tracking | None = None
    # Owned by the support desk: the customer's requests to the storefront, until its next event settles them
    cancellation: CancellationRequest | None = None
    address_change: AddressChangeRequest | None = None

    @property
    def remaining_cents(self) -> int:
        """What refunds may still reserve: paid - refunded - reserved."""
        return self.paid_cents - self.refunded_cents - self.reserved_cents


@dataclass(frozen=True)
class OrderEvent:
    """One storefront event, validated: the type and the order as it stands after it (event-carried state)."""

    event_id: str
    detail_type: str
    order: Order
    occurred_at: datetime


MAX_ORDER_ID = 64  # longer than any storefront order id: such an id is nobody's order


class OrderReader(Protocol):
    def get(self, customer_id: str, order_id: str) -> Order | None: ...


def own_order(orders: OrderReader, customer_id: str, order_id: str) -> Order:
    """The customer's order `order_id` (one GetItem in the customer's partition); 404 `order_not_found` for another
    customer's order, a missing one, and an id that cannot be one (not read at all)."""
    if not isinstance(order_id, str) or not order_id or len(order_id) > MAX_ORDER_ID:
        raise NotFound("order_not_found")
    order = orders.get(customer_id, order_id)
    if order is None:
        raise NotFound("order_not_found")
    return order
