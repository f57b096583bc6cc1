"""An order as the support desk knows it. Plain dataclasses: storage lives in orders/repository.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


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
}


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
