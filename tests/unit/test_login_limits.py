"""Login limits count failures only: nobody can lock an owner out by guessing at their login from many addresses,
while a client that keeps failing is stopped (IdentityService with fakes: accounts in memory, FixedClock,
MemoryCounterStore)."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from supportdesk.roles import Role
from supportdesk.clock import FixedClock
from supportdesk.errors import RateLimited, Unauthorized
from supportdesk.identity import passwords
from supportdesk.identity.service import IdentityService
from supportdesk.ratelimit import RateLimiter
from tests.fakes import MemoryCounterStore

LOGIN = "owner@example.com"
PASSWORD = "blue-lantern-river-42"


class Accounts:
    def __init__(self) -> None:
        self.owner = SimpleNamespace(account_id="acc_owner", role=Role.CUSTOMER, language="en", password_version=1,
                                     email=LOGIN, phone=None, display_name="Owner",
                                     password_hash=passwords.hash_password(PASSWORD))

    def find_by_login(self, login: str):
        return self.owner if login == LOGIN else None

    def update_hash(self, account, password_hash: str) -> None:
        account.password_hash = password_hash


class Tokens:
    def issue(self, claims):
        return f"token-for-{claims.account_id}", 3600


@pytest.fixture
def world():
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, 5, tzinfo=timezone.utc))
    store = MemoryCounterStore()
    service = IdentityService(Accounts(), Tokens(), RateLimiter(store, clock), clock)
    return SimpleNamespace(service=service, clock=clock, store=store)


def attempt(world, password: str, ip: str) -> int | str:
    try:
        world.service.login(LOGIN, password, ip)
        return 200
    except Unauthorized:
        return 401
    except RateLimited as limited:
        return f"429:{limited.retry_after}"


def test_ten_wrong_passwords_from_ten_addresses_do_not_lock_the_owner_out(world):
    assert [attempt(world, "wrong-guess-000", f"203.0.113.{i}") for i in range(10)] == [401] * 10
    assert attempt(world, PASSWORD, "198.51.100.7") == 200


def test_a_hundred_failures_from_a_hundred_addresses_still_let_the_owner_in(world):
    for i in range(100):
        attempt(world, "wrong-guess-000", f"203.0.{i // 250}.{i % 250}")
    assert attempt(world, PASSWORD, "198.51.100.7") == 200


def test_correct_logins_are_not_counted(world):
    assert [attempt(world, PASSWORD, "198.51.100.7") for _ in range(30)] == [200] * 30
    assert world.store.counts == {}


def test_one_client_is_stopped_after_five_failures_until_the_window_ends_even_with_the_right_password(world):
    assert [attempt(world, "wrong-guess-000", "203.0.113.9") for _ in range(5)] == [401] * 5
    refused = attempt(world, PASSWORD, "203.0.113.9")
    assert refused.startswith("429:") and 0 < int(refused[4:]) <= 900
    assert attempt(world, PASSWORD, "198.51.100.7") == 200  # the owner elsewhere is not affected
    world.clock.advance(seconds=900)
    assert attempt(world, PASSWORD, "203.0.113.9") == 200


def test_under_attack_a_failing_client_waits_longer_after_each_failure(world):
    for i in range(10):  # the login is under attack from many addresses
        attempt(world, "wrong-guess-000", f"203.0.113.{i}")
    # A client that failed on this login before now has to wait 2, 4, 8 seconds between tries
    waits = []
    for _ in range(3):
        refused = attempt(world, "wrong-guess-001", "203.0.113.0")
        assert refused.startswith("429:")
        waits.append(int(refused[4:]))
        world.clock.advance(seconds=waits[-1])
        assert attempt(world, "wrong-guess-001", "203.0.113.0") == 401
    assert waits == [2, 4, 8]


def test_the_progressive_delay_is_capped(world):
    for i in range(40):
        attempt(world, "wrong-guess-000", f"203.0.113.{i}")
    world.clock.advance(seconds=1)
    refused = attempt(world, "wrong-guess-001", "203.0.113.0")
    assert refused == f"429:{299}"


def test_one_address_guessing_many_logins_is_stopped_after_fifty_failures(world):
    for i in range(50):
        with pytest.raises(Unauthorized):
            world.service.login(f"someone{i}@example.com", "wrong-guess-000", "203.0.113.50")
    with pytest.raises(RateLimited):
        world.service.login("someone-else@example.com", "wrong-guess-000", "203.0.113.50")


def test_the_counters_are_read_in_one_call_per_login(world):
    attempt(world, PASSWORD, "198.51.100.7")
    assert world.store.reads == 1
