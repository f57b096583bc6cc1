"""What the support desk asks of the storefront, as events on the storefront's EventBridge bus: the event shapes
(JSON Schemas in docs/schemas/order-requests/, a test validates what is built here against them), the port the
service publishes through, and the EventBridge adapter.

Delivery is at least once: a request retried with the same Idempotency-Key after a crash publishes its event again
with the same `request_id`, which is how the storefront recognises a repeat. Each event names the order `version`
the customer saw, so the storefront can tell a request made before a change it has since made."""

from __future__ import annotations

import json
from typing import Callable, Protocol

from supportdesk.aws import client
from supportdesk.clock import iso
from supportdesk.orders.model import AddressChangeRequest, CancellationRequest, Order

CANCELLATION_REQUESTED = "OrderCancellationRequested"
ADDRESS_CHANGE_REQUESTED = "OrderAddressChangeRequested"


class PublishFailed(Exception):
    """The event did not reach the bus (EventBridge refused it or could not be reached)."""


class RequestPublisher(Protocol):
    def publish(self, detail_type: str, detail: dict) -> None:
        """Put one event on the storefront's bus; raises PublishFailed."""


def cancellation_event(order: Order, request: CancellationRequest) -> tuple[str, dict]:
    return CANCELLATION_REQUESTED, {
        "request_id": request.request_id,
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "order_version": order.version,
        "requested_at": iso(request.requested_at),
        "reason": request.reason,
    }


def address_change_event(order: Order, request: AddressChangeRequest) -> tuple[str, dict]:
    address = request.address
    return ADDRESS_CHANGE_REQUESTED, {
        "request_id": request.request_id,
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "order_version": order.version,
        "requested_at": iso(request.requested_at),
        "shipping_address": address.fields(),
        "shipping_address_text": address.one_line(),
    }


class EventBridgePublisher:
    """PutEvents on the storefront's bus (one call, one entry). The function's policy allows exactly this bus and,
    by the `events:source` condition, only this source: it cannot forge the storefront's own order events."""

    def __init__(self, bus_name: Callable[[], str], source: str) -> None:
        self._bus_name = bus_name  # read on first publish: reads never need the bus
        self._source = source

    def publish(self, detail_type: str, detail: dict) -> None:
        entry = {
            "EventBusName": self._bus_name(),
            "Source": self._source,
            "DetailType": detail_type,
            "Detail": json.dumps(detail, ensure_ascii=False, separators=(",", ":")),
        }
        try:
            response = client("events").put_events(Entries=[entry])
        except Exception as error:  # noqa: BLE001 - botocore's errors (not imported at cold start): all mean "not sent"
            raise PublishFailed(type(error).__name__) from error
        if response.get("FailedEntryCount"):
            failed = (response.get("Entries") or [{}])[0]
            raise PublishFailed(str(failed.get("ErrorCode") or "failed entry"))
