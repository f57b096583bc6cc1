"""Demo data for the local stack, created through the product's own code (sign-up with the password policy, the
orders model), so a fresh moto has something to log in with. Idempotent: an account that exists is reused and
orders have fixed ids (saving again overwrites them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


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


def _orders(number: int) -> list[dict]:
    """A few orders per customer, one in each state the support desk talks about."""
    base = datetime(2026, 11, 1, 9, 30, tzinfo=timezone.utc) + timedelta(days=number)
    return [
        {"order_id": f"ord_demo{number}_1001", "status": "delivered", "amount_cents": 12900, "created_at": base,
         "items": [{"sku": "TEA-001", "name": "Longjing green tea 250 g", "quantity": 1, "unit_price_cents": 12900}]},
        {"order_id": f"ord_demo{number}_1002", "status": "shipped", "amount_cents": 25800,
         "created_at": base + timedelta(days=5),
         "items": [{"sku": "CUP-014", "name": "Celadon tea cup", "quantity": 2, "unit_price_cents": 12900}]},
        {"order_id": f"ord_demo{number}_1003", "status": "paid", "amount_cents": 4500,
         "created_at": base + timedelta(days=9),
         "items": [{"sku": "BAG-002", "name": "Gift bag", "quantity": 3, "unit_price_cents": 1500}]},
        {"order_id": f"ord_demo{number}_1004", "status": "pending_payment", "amount_cents": 59900,
         "created_at": base + timedelta(days=12),
         "items": [{"sku": "SET-100", "name": "Tea set for six", "quantity": 1, "unit_price_cents": 59900}]},
    ]


def seed() -> dict[str, str]:
    """Create the demo accounts and their orders; returns login -> account id."""
    from supportdesk.identity import wiring as identity
    from supportdesk.dal.orders import OrderModel
    from supportdesk.identity.service import parse_sign_up

    service = identity.identity_service()
    repository = identity.account_repository()
    ids: dict[str, str] = {}
    customers = 0
    for demo in DEMO_ACCOUNTS:
        account = repository.find_by_login(demo.login)
        if account is None:
            request = parse_sign_up({"email": demo.login, "password": demo.password, "name": demo.name,
                                     "language": demo.language})
            account = service.sign_up(request, SEED_SOURCE, role=demo.role)
        ids[demo.login] = account.account_id
        if demo.role == "customer":
            customers += 1
            address = "上海市浦东新区世纪大道 100 号" if customers % 2 else "88 Demo Road, Hangzhou"
            for order in _orders(customers):
                OrderModel(account.account_id, order["order_id"], status=order["status"],
                           amount_cents=order["amount_cents"], currency="CNY", items=order["items"],
                           shipping_address=address,
                           created_at=order["created_at"]).save()
    return ids
