"""The per-customer ticket limit as docs/api-tickets.md states it, written here as numbers (not read from the code's
constants, so changing the limit in the code without changing the docs fails): "a customer opened more than 20
tickets in an hour ... `Retry-After` says when". The message limit (60 in 10 minutes) is proven without AWS in
tests/unit/test_documented_limits.py: 60 messages on moto take too long for `make test`."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import api_event, call
from tests.integration.ticket_desk import OPEN_TIME, desk  # noqa: F401 (fixture)


def _post(desk, who, path: str, body: dict) -> tuple[int, dict, dict]:
    return call(desk.handler, api_event("POST", path, body=body, principal=who.principal,
                                        headers={"Accept-Language": "en"}))


def test_the_21st_ticket_within_an_hour_is_429_with_retry_after_until_the_hour_ends(desk):
    # Given Alice, 10 minutes into a clock hour (limits count in fixed windows)
    desk.clock.set(OPEN_TIME + timedelta(minutes=10))
    ticket = {"category": "other", "subject": "question", "message": "hello"}
    # When she opens 20 tickets, all are accepted
    opened = [_post(desk, desk.alice, "/tickets", ticket)[0] for _ in range(20)]
    assert opened == [201] * 20
    # Then the 21st is refused with a stable code, and Retry-After says when the hour ends (50 minutes)
    status, body, headers = _post(desk, desk.alice, "/tickets", ticket)
    assert (status, body["error"]["code"]) == (429, "ticket_rate_limited")
    assert headers["Retry-After"] == "3000" and "3000 seconds" in body["error"]["message"]
    # And another customer is not affected
    assert _post(desk, desk.bob, "/tickets", ticket)[0] == 201
    # And one second before the hour ends she is still refused, at the hour she may open tickets again
    desk.clock.set(OPEN_TIME + timedelta(minutes=59, seconds=59))
    status, _, headers = _post(desk, desk.alice, "/tickets", ticket)
    assert (status, headers["Retry-After"]) == (429, "1")
    desk.clock.set(OPEN_TIME + timedelta(hours=1))
    assert _post(desk, desk.alice, "/tickets", ticket)[0] == 201
