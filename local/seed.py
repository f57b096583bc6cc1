"""Demo data for the local stack, created through the product's own code (sign-up with the password policy, the
storefront's order events), so a fresh moto has something to log in with. Idempotent: an account that exists is
reused, and orders have fixed ids (the same events again are stale and change nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable


@dataclass(frozen=True)
class DemoAccount:
    login: str
    password: str  # demo data, printed by `make run`; passphrases that pass the password policy
    role: str
    name: str
    language: str


DEMO_ACCOUNTS = (
    DemoAccount("demo@example.com", "blue-lantern-river-42", "customer", "Demo Customer", "en"),
    DemoAccount("demo2@example.com", "quiet-harbor-maple-17", "customer", "演示顾客", "zh-CN"),
    DemoAccount("agent@example.com", "amber-falcon-orchard-63", "agent", "Demo Agent", "zh-CN"),
    DemoAccount("supervisor@example.com", "copper-meadow-tundra-58", "supervisor", "Demo Supervisor", "en"),
)

SEED_SOURCE = "local-seed"  # the rate limiter's key for these sign-ups, so they do not use up 127.0.0.1's quota


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def order_events(customer_id: str, number: int, address: str, now: datetime) -> list[dict]:
    """The storefront's events of a few orders per customer, one in each state the support desk talks about,
    relative to `now` (the first was delivered two days ago: inside the 7-day no-reason return period)."""
    orders = [
        # (suffix, items, lifecycle, placed days ago)
        ("1001", [("TEA-001", "Longjing green tea 250 g", 1, 12900)], "delivered", 6),
        ("1002", [("SET-300", "Celadon tea set for eight", 1, 388000)], "delivered", 8),
        ("1003", [("CUP-014", "Celadon tea cup", 2, 12900)], "shipped", 4),
        ("1004", [("BAG-002", "Gift bag", 3, 1500)], "paid", 1),
        ("1005", [("POT-007", "Yixing clay teapot", 1, 59900)], "pending_payment", 0),
    ]
    events = []
    for suffix, items, lifecycle, days_ago in orders:
        order_id = f"ord_demo{number}_{suffix}"
        placed = now - timedelta(days=days_ago, hours=3)
        total = sum(quantity * price for _, _, quantity, price in items)
        order: dict = {
            "order_id": order_id,
            "customer_id": customer_id,
            "currency": "CNY",
            "amount_cents": total,
            "items": [
                {"sku": sku, "name": name, "quantity": quantity, "unit_price_cents": price}
                for sku, name, quantity, price in items
            ],
            "shipping_address": address,
            "placed_at": _iso(placed),
        }
        steps: list[tuple[str, str, datetime, dict]] = [("OrderPlaced", "pending_payment", placed, {})]
        if lifecycle != "pending_payment":
            paid = placed + timedelta(minutes=5)
            order["payment"] = {
                "provider": "stripe",
                "charge_id": f"ch_demo{number}_{suffix}",
                "paid_cents": total,
                "paid_at": _iso(paid),
            }
            steps.append(("OrderPaid", "paid", paid, {}))
        if lifecycle in ("shipped", "delivered"):
            shipped = placed + timedelta(days=1)
            scans = [(shipped, "快件已揽收", "杭州"), (shipped + timedelta(hours=10), "已到达【上海转运中心】", "上海")]
            scanned: list[dict[str, str]] = [
                {"at": _iso(at), "description": text, "location": where} for at, text, where in scans
            ]
            tracking: dict = {
                "carrier": "顺丰速运 SF Express",
                "tracking_number": f"SF{number}{suffix}8800",
                "events": scanned,
            }
            steps.append(("OrderShipped", "shipped", shipped, {"shipped_at": _iso(shipped), "tracking": tracking}))
        if lifecycle == "delivered":
            delivered = placed + timedelta(days=4)
            scans = [
                (delivered - timedelta(hours=3), "快件派送中", "上海"),
                (delivered, "已签收，签收人：本人", "上海"),
            ]
            scanned = scanned + [{"at": _iso(at), "description": text, "location": where} for at, text, where in scans]
            tracking = {**tracking, "events": scanned}
            steps.append(
                ("OrderDelivered", "delivered", delivered, {"delivered_at": _iso(delivered), "tracking": tracking})
            )
        for version, (detail_type, status, at, fields) in enumerate(steps, start=1):
            order.update(fields)
            detail = {**order, "status": status, "version": version, "occurred_at": _iso(at)}
            if status == "pending_payment":
                detail.pop("payment", None)
            events.append({"source": ORDER_EVENT_SOURCE, "detail-type": detail_type, "detail": detail})
    return events


ORDER_EVENT_SOURCE = "storefront.orders"


def seed(publish: Callable[[list[dict]], list[dict]] | None = None) -> dict[str, str]:
    """Create the demo accounts, and publish their orders' storefront events with `publish` (the local event bus:
    the orders function builds the read model from them, as in production). Returns login -> account id."""
    from supportdesk import runtime
    from supportdesk.identity import wiring as identity
    from supportdesk.identity.service import parse_sign_up
    from supportdesk.reset import wiring as reset

    service = reset.identity_service()
    repository = identity.account_repository()
    ids: dict[str, str] = {}
    customers = 0
    for demo in DEMO_ACCOUNTS:
        account = repository.find_by_login(demo.login)
        if account is None:
            request = parse_sign_up(
                {"email": demo.login, "password": demo.password, "name": demo.name, "language": demo.language}
            )
            account = service.sign_up(request, SEED_SOURCE, role=demo.role, verified=True)  # their own addresses
            assert account is not None, demo.login  # noqa: S101 - nobody else has signed up with a demo login
        ids[demo.login] = account.account_id
        if demo.role == "customer":
            customers += 1
            address = "上海市浦东新区世纪大道 100 号" if customers % 2 else "88 Demo Road, Hangzhou"
            if publish is not None:
                publish(order_events(account.account_id, customers, address, runtime.clock().now()))
    return ids
