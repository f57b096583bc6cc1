"""What customers and the business rely on when requests race or the payment provider fails: one refund per
Idempotency-Key, never more reserved than paid, one decision wins, a payout paid exactly once, a failed payout
kept for staff, and privacy between customers."""
from __future__ import annotations

import json
import time

from tests.conftest import api_event, call

from tests.integration.refund_desk import (  # noqa: F401 (fixtures)
    mails_to,
    parallel,
    refund_desk,
    seed_order,
    sfn_aws,
)
from tests.integration.ticket_desk import serialized_dynamodb


def call_with(handler, who, path: str, body: dict) -> tuple[int, dict]:
    status, payload, _ = call(handler, api_event("POST", path, body=body, principal=who.principal))
    return status, payload


def test_50_concurrent_requests_with_one_key_make_one_refund_one_payout_and_identical_answers(refund_desk):
    from supportdesk.refunds.payments import SIMULATOR

    desk = refund_desk
    seed_order("cust-alice", "O-1", 10000)
    containers = desk.containers(50)
    in_progress = []

    def client(i: int):
        # Stripe's client semantics: a 409 idempotency_key_in_progress is retried after a moment
        while True:
            status, body = desk.request(desk.alice, "O-1", 2500, "damaged", key="order-1-refund-a", handler=containers[i])
            if status != 409:
                return status, body
            assert body["error"]["code"] == "idempotency_key_in_progress"
            in_progress.append(i)
            time.sleep(0.5)

    with serialized_dynamodb():
        answers = parallel(50, client)
    assert {status for status, _ in answers} == {202}, {json.dumps(b) for s, b in answers if s != 202}
    bodies = {json.dumps(body, sort_keys=True) for _, body in answers}
    assert len(bodies) == 1  # identical answers
    refund_id = answers[0][1]["refund"]["id"]
    desk.wait_status(refund_id, "paid")
    status, listing = desk.call(desk.alice, "GET", "/orders/O-1/refunds")
    assert [r["id"] for r in listing["refunds"]] == [refund_id]
    assert len(SIMULATOR.payouts) == 1 and next(iter(SIMULATOR.payouts.values())).amount_cents == 2500
    order = desk.order("cust-alice", "O-1")
    assert (order.refunded_cents, order.reserved_cents) == (2500, 0)
    # A later replay with the same key and body still answers the first answer
    assert desk.request(desk.alice, "O-1", 2500, "damaged", key="order-1-refund-a") == answers[0]


def test_the_same_key_with_another_body_is_a_422_and_keys_are_per_customer(refund_desk):
    desk = refund_desk
    seed_order("cust-alice", "O-2", 10000)
    seed_order("cust-bob", "O-3", 10000)
    status, first = desk.request(desk.alice, "O-2", 1000, "damaged", key="k-1")
    assert status == 202
    status, error = desk.request(desk.alice, "O-2", 2000, "damaged", key="k-1")
    assert status == 422 and error["error"]["code"] == "idempotency_key_reused"
    status, error = desk.request(desk.alice, "O-2", 1000, "wrong_item", key="k-1")
    assert status == 422
    # Bob's request with the same key is his own, not a replay of Alice's
    status, bobs = desk.request(desk.bob, "O-3", 1000, "damaged", key="k-1")
    assert status == 202 and bobs["refund"]["id"] != first["refund"]["id"]


def test_20_concurrent_10_yuan_requests_on_a_100_yuan_order_reserve_exactly_100(refund_desk, monkeypatch):
    desk = refund_desk
    seed_order("cust-alice", "O-4", 10000, status="shipped")
    # Hold the workflow back so the reservations are what is measured (nothing is paid meanwhile)
    from supportdesk.refunds import wiring

    started = []
    monkeypatch.setattr(wiring.review_workflow(), "start", lambda name, payload: started.append(name))
    containers = desk.containers(20)
    with serialized_dynamodb():
        answers = parallel(20, lambda i: desk.request(desk.alice, "O-4", 1000, "not_received", key=f"k-{i}",
                                                       handler=containers[i]))
    accepted = [body for status, body in answers if status == 202]
    refused = [body for status, body in answers if status != 202]
    assert len(accepted) == 10 and len(started) == 10
    assert {b["error"]["code"] for b in refused} == {"refund_exceeds_remaining"}
    order = desk.order("cust-alice", "O-4")
    assert (order.reserved_cents, order.remaining_cents) == (10000, 0)


def test_two_concurrent_decisions_one_wins(refund_desk):
    desk = refund_desk
    seed_order("cust-alice", "O-5", 50000)
    _, body = desk.request(desk.alice, "O-5", 30000, "other")
    refund_id = body["refund"]["id"]
    desk.wait_parked(refund_id)
    deciders = [(desk.agent, {"decision": "approve"}), (desk.agent2, {"decision": "reject", "reason": "used goods"})]
    containers = desk.containers(2)
    with serialized_dynamodb():
        results = parallel(2, lambda i: call_with(containers[i], deciders[i][0], f"/agent/refunds/{refund_id}/decision",
                                                    deciders[i][1]))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] in ("refund_already_decided", "refund_not_in_review", "refund_review_busy")
    final = desk.wait_status(refund_id, "paid", "rejected")
    assert len(final.decided_by) == 1


def test_a_payout_failing_transiently_twice_is_paid_exactly_once(refund_desk):
    from supportdesk.refunds.payments import SIMULATOR

    desk = refund_desk
    seed_order("cust-alice", "O-6", 10000)
    SIMULATOR.fail_transiently(2)
    _, body = desk.request(desk.alice, "O-6", 5000, "damaged")
    refund_id = body["refund"]["id"]
    desk.wait_status(refund_id, "paid")
    assert [a["outcome"] for a in SIMULATOR.attempts] == ["transient", "transient", "paid"]
    assert len(SIMULATOR.payouts) == 1
    assert desk.order("cust-alice", "O-6").refunded_cents == 5000


def test_a_permanent_payout_failure_keeps_the_reservation_for_a_staff_retry(refund_desk):
    from supportdesk.refunds.payments import SIMULATOR

    desk = refund_desk
    seed_order("cust-alice", "O-7", 10000)
    SIMULATOR.fail_permanently("charge_disputed")
    _, body = desk.request(desk.alice, "O-7", 5000, "damaged")
    refund_id = body["refund"]["id"]
    failed = desk.wait_status(refund_id, "payout_failed")
    assert "charge_disputed" in failed.payout_error
    assert desk.wait_execution_done(refund_id)["status"] == "FAILED"
    order = desk.order("cust-alice", "O-7")
    assert (order.reserved_cents, order.refunded_cents, order.remaining_cents) == (5000, 0, 5000)
    _, view = desk.call(desk.alice, "GET", f"/refunds/{refund_id}")
    assert view["refund"]["timeline"][-1]["step"] == "payout_delayed"
    assert mails_to("supervisors@example.com")  # staff alerted
    # A supervisor retries once the provider accepts again
    SIMULATOR.fail_permanently(None)
    status, error = desk.call(desk.agent, "POST", f"/supervisor/refunds/{refund_id}/retry-payout")
    assert status == 403
    status, _ = desk.call(desk.supervisor, "POST", f"/supervisor/refunds/{refund_id}/retry-payout")
    assert status == 200
    desk.wait_status(refund_id, "paid")
    assert [p.idempotency_key for p in SIMULATOR.payouts.values()] == [f"{refund_id}-retry1"]
    order = desk.order("cust-alice", "O-7")
    assert (order.reserved_cents, order.refunded_cents) == (0, 5000)


def test_a_customer_never_sees_another_customers_refund_dispute_or_evidence(refund_desk):
    desk = refund_desk
    seed_order("cust-alice", "O-8", 10000)
    _, body = desk.request(desk.alice, "O-8", 1000, "other")
    refund_id = body["refund"]["id"]
    status, body = desk.call(desk.alice, "POST", "/orders/O-8/disputes",
                             {"kind": "amount_wrong", "expected_amount_cents": 9000, "message": "Coupon not applied"},
                             key="d-1")
    assert status == 202, body
    dispute_id = body["dispute"]["id"]
    for method, path, payload in [
        ("GET", f"/refunds/{refund_id}", None),
        ("POST", f"/refunds/{refund_id}/cancel", None),
        ("GET", f"/disputes/{dispute_id}", None),
        ("POST", f"/disputes/{dispute_id}/evidence", {"filename": "a.pdf", "content_type": "application/pdf", "size": 10}),
        ("GET", "/orders/O-8/refunds", None),
    ]:
        status, error = desk.call(desk.bob, method, path, payload)
        assert status == 404, (path, error)
    _, mine = desk.call(desk.bob, "GET", "/refunds")
    assert mine["refunds"] == []
    status, _ = desk.call(desk.alice, "GET", f"/refunds/{refund_id}")
    assert status == 200
