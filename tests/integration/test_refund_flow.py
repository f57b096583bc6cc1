"""Refunds end to end on moto: the request, the review workflow on Step Functions (refund_review.asl.json with our
Lambda tasks), staff decisions, payouts through the simulator, the customer's timeline and e-mails."""
from __future__ import annotations

import pytest

from tests.integration.refund_desk import mails_to, refund_desk, seed_order, sfn_aws  # noqa: F401 (fixtures)


def test_a_small_refund_is_approved_by_policy_and_paid(refund_desk):
    from supportdesk.refunds.payments import SIMULATOR

    desk = refund_desk
    seed_order("cust-alice", "O-100", 12900)
    # When Alice asks for ¥30 back on a delivered order because it arrived damaged
    status, body = desk.request(desk.alice, "O-100", 3000, "damaged")
    assert status == 202, body
    refund = body["refund"]
    assert refund["status"] == "submitted" and refund["amount_cents"] == 3000 and refund["currency"] == "CNY"
    assert refund["id"].startswith("R-")
    # Then the workflow approves it by policy and pays it out once
    desk.wait_status(refund["id"], "paid")
    assert desk.wait_execution_done(refund["id"])["status"] == "SUCCEEDED"
    assert [p.amount_cents for p in SIMULATOR.payouts.values()] == [3000]
    payout = next(iter(SIMULATOR.payouts.values()))
    assert payout.idempotency_key == refund["id"] and payout.charge_id == "ch_O-100"
    # And the order's amounts moved from reserved to refunded
    order = desk.order("cust-alice", "O-100")
    assert (order.reserved_cents, order.refunded_cents, order.remaining_cents) == (0, 3000, 9900)
    # And the customer's timeline says so, in both languages, without staff names
    status, view = desk.call(desk.alice, "GET", f"/refunds/{refund['id']}")
    assert status == 200
    steps = [s["step"] for s in view["refund"]["timeline"]]
    assert steps == ["submitted", "approved", "paid"]
    paid = view["refund"]["timeline"][-1]["text"]
    assert "1–3 working days" in paid["en"] and "1–3 个工作日" in paid["zh-CN"]
    assert view["refund"]["expected_arrival"]["en"] == "1–3 working days"
    # And Alice got an e-mail for each step
    subjects = [m.subject for m in mails_to("alice@example.net")]
    assert len(subjects) == 3 and all(refund["id"] in s for s in subjects)


def test_staff_looks_at_a_case_are_kept_and_only_supervisors_list_them(refund_desk):
    desk = refund_desk
    seed_order("cust-bob", "O-901", 388000)
    refund_id = desk.request(desk.bob, "O-901", None, "not_as_described")[1]["refund"]["id"]
    desk.wait_parked(refund_id)
    # When an agent, then a supervisor, open the case
    assert desk.call(desk.agent, "GET", f"/agent/refunds/{refund_id}")[0] == 200
    assert desk.call(desk.supervisor, "GET", f"/agent/refunds/{refund_id}")[0] == 200
    # Then the supervisors' view of the trail names both looks, newest first
    status, trail = desk.call(desk.supervisor, "GET", f"/agent/refunds/{refund_id}/audit")
    assert status == 200 and trail["refund_id"] == refund_id
    assert [(e["actor_id"], e["actor_role"], e["action"]) for e in trail["entries"]] == [
        (desk.supervisor.account_id, "supervisor", "refund_read"), (desk.agent.account_id, "agent", "refund_read")]
    # And it pages
    status, page = desk.call(desk.supervisor, "GET", f"/agent/refunds/{refund_id}/audit", query={"limit": "1"})
    assert status == 200 and len(page["entries"]) == 1 and page["next_cursor"]
    # And nobody else may list it; an unknown case is 404
    status, denied = desk.call(desk.agent, "GET", f"/agent/refunds/{refund_id}/audit")
    assert status == 403 and denied["error"]["code"] == "supervisor_only"
    assert desk.call(desk.bob, "GET", f"/agent/refunds/{refund_id}/audit")[0] == 403
    assert desk.call(desk.supervisor, "GET", "/agent/refunds/R-NOPE/audit")[1]["error"]["code"] == "refund_not_found"

def test_a_large_refund_needs_an_agent_and_a_different_supervisor_then_is_paid(refund_desk):
    from supportdesk.refunds.payments import SIMULATOR

    desk = refund_desk
    seed_order("cust-bob", "O-900", 388000)
    status, body = desk.request(desk.bob, "O-900", None, "not_as_described")  # everything: ¥3,880
    assert status == 202 and body["refund"]["amount_cents"] == 388000
    refund_id = body["refund"]["id"]
    # The policy sends it to people; it waits in the review queue with its token stored server-side only
    parked = desk.wait_parked(refund_id)
    assert parked.review_notes == ("amount_above_limit",) and parked.needs_second_approval
    status, queue = desk.call(desk.agent, "GET", "/agent/refunds", query={"status": "under_review"})
    assert status == 200 and [r["id"] for r in queue["refunds"]] == [refund_id]
    status, case = desk.call(desk.agent, "GET", f"/agent/refunds/{refund_id}")
    assert status == 200 and case["refund"]["order"]["paid_cents"] == 388000
    assert "token" not in str(case).lower() and parked.task_token not in str(case)
    # When an agent approves, a second approval is needed
    status, decided = desk.call(desk.agent, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})
    assert status == 200 and decided["refund"]["status"] == "awaiting_second_approval"
    desk.wait_parked(refund_id, "awaiting_second_approval")
    # An agent may not give it; the supervisor may
    status, denied = desk.call(desk.agent2, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})
    assert status == 403 and denied["error"]["code"] == "supervisor_required"
    status, decided = desk.call(desk.supervisor, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})
    assert status == 200 and decided["refund"]["status"] == "approved"
    desk.wait_status(refund_id, "paid")
    assert [p.amount_cents for p in SIMULATOR.payouts.values()] == [388000]
    status, view = desk.call(desk.bob, "GET", f"/refunds/{refund_id}")
    assert [s["step"] for s in view["refund"]["timeline"]] == ["submitted", "under_review", "second_review",
                                                                "approved", "paid"]
    assert "staff-" not in str(view)  # never a staff name or id
    zh = [m.subject for m in mails_to("bob@example.net")]
    assert zh and all("您的退款" in s for s in zh)


def test_the_same_supervisor_cannot_approve_twice(refund_desk):
    desk = refund_desk
    seed_order("cust-bob", "O-901", 300000)
    _, body = desk.request(desk.bob, "O-901", 250000, "damaged")
    refund_id = body["refund"]["id"]
    desk.wait_parked(refund_id)
    assert desk.call(desk.supervisor, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})[0] == 200
    desk.wait_parked(refund_id, "awaiting_second_approval")
    status, denied = desk.call(desk.supervisor, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})
    assert status == 403 and denied["error"]["code"] == "same_approver"
    assert desk.call(desk.supervisor2, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})[0] == 200
    desk.wait_status(refund_id, "paid")


def test_a_rejection_needs_a_reason_gives_the_reservation_back_and_tells_the_customer(refund_desk):
    from supportdesk.dal.tickets import TicketMessageModel, TicketModel

    desk = refund_desk
    seed_order("cust-alice", "O-200", 50000)
    TicketModel("T-ALICE", customer_id="cust-alice", category="refund", subject="Refund", status="open",
                language="en", created_at="2026-11-24T01:00:00.000000Z", updated_at="2026-11-24T01:00:00.000000Z").save()
    TicketModel("T-BOBBY", customer_id="cust-bob", category="refund", subject="Refund", status="open",
                language="zh-CN", created_at="2026-11-24T01:00:00.000000Z", updated_at="2026-11-24T01:00:00.000000Z").save()
    status, error = desk.request(desk.alice, "O-200", 30000, "other", ticket_id="T-BOBBY")  # not her ticket
    assert status == 404 and error["error"]["code"] == "ticket_not_found"
    _, body = desk.request(desk.alice, "O-200", 30000, "other", message="I just don't like it", ticket_id="T-ALICE")
    refund_id = body["refund"]["id"]
    desk.wait_parked(refund_id)
    assert desk.order("cust-alice", "O-200").reserved_cents == 30000
    status, error = desk.call(desk.agent, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "reject"})
    assert status == 400 and error["error"]["code"] == "rejection_reason_required"
    reason = "The goods were used; see our return policy."
    status, _ = desk.call(desk.agent, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "reject", "reason": reason})
    assert status == 200
    assert desk.wait_execution_done(refund_id)["status"] == "SUCCEEDED"
    order = desk.order("cust-alice", "O-200")
    assert (order.reserved_cents, order.refunded_cents, order.remaining_cents) == (0, 0, 50000)
    _, view = desk.call(desk.alice, "GET", f"/refunds/{refund_id}")
    assert view["refund"]["status"] == "rejected" and view["refund"]["rejection_reason"] == reason
    assert view["refund"]["timeline"][-1]["text"]["en"] == f"Your request was not approved: {reason}"
    assert any(reason in m.body for m in mails_to("alice@example.net"))
    # The linked ticket got a system message at each step, in the customer's language
    notes = [(m.author, m.note, m.text) for m in TicketMessageModel.query("T-ALICE")]
    assert [n[1] for n in notes] == ["refund_submitted", "refund_under_review", "refund_rejected"]
    assert all(author == "system" for author, _, _ in notes) and notes[-1][2].endswith(reason)


def test_an_agent_can_approve_less_than_asked_and_the_rest_is_released(refund_desk):
    desk = refund_desk
    seed_order("cust-alice", "O-210", 50000)
    _, body = desk.request(desk.alice, "O-210", 40000, "damaged")
    refund_id = body["refund"]["id"]
    desk.wait_parked(refund_id)
    status, _ = desk.call(desk.agent, "POST", f"/agent/refunds/{refund_id}/decision",
                          {"decision": "approve", "amount_cents": 25000})
    assert status == 200
    desk.wait_status(refund_id, "paid")
    order = desk.order("cust-alice", "O-210")
    assert (order.reserved_cents, order.refunded_cents, order.remaining_cents) == (0, 25000, 25000)
    status, error = desk.call(desk.agent, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})
    assert status == 409 and error["error"]["code"] == "refund_not_in_review"


def test_cancelling_under_review_stops_the_review_and_releases_the_amount(refund_desk):
    desk = refund_desk
    seed_order("cust-alice", "O-300", 50000)
    _, body = desk.request(desk.alice, "O-300", 30000, "other")
    refund_id = body["refund"]["id"]
    desk.wait_parked(refund_id)
    status, view = desk.call(desk.alice, "POST", f"/refunds/{refund_id}/cancel")
    assert status == 200 and view["refund"]["status"] == "cancelled"
    assert desk.order("cust-alice", "O-300").remaining_cents == 50000
    assert desk.wait_execution_done(refund_id)["status"] == "SUCCEEDED"  # the review step was answered: closed
    status, error = desk.call(desk.alice, "POST", f"/refunds/{refund_id}/cancel")
    assert status == 409 and error["error"]["code"] == "refund_not_cancellable"
    status, error = desk.call(desk.agent, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})
    assert status == 409


@pytest.mark.parametrize("status_, why", [("pending_payment", "not_paid"), ("cancelled", "cancelled")])
def test_an_order_that_was_not_paid_or_was_cancelled_is_not_refundable(refund_desk, status_, why):
    from datetime import datetime, timezone

    from supportdesk.dal.orders import OrderModel

    desk = refund_desk
    OrderModel("cust-alice", "O-400", status=status_, amount_cents=5000, created_at=datetime.now(timezone.utc),
               version=1).save()
    status, error = desk.request(desk.alice, "O-400", 100)
    assert status == 409 and error["error"]["code"] == "order_not_refundable"
    assert error["error"]["details"]["why"] == why


def test_guards_on_amount_order_and_key(refund_desk):
    desk = refund_desk
    seed_order("cust-alice", "O-500", 10000)
    status, error = desk.request(desk.alice, "O-500", 10001)
    assert status == 409 and error["error"]["code"] == "refund_exceeds_remaining"
    assert error["error"]["details"]["remaining_cents"] == 10000
    status, error = desk.request(desk.bob, "O-500", 100)  # not Bob's order
    assert status == 404 and error["error"]["code"] == "order_not_found"
    for amount in (0, -5, 1.5, "100", True):
        status, error = desk.request(desk.alice, "O-500", amount)
        assert status == 400 and error["error"]["code"] == "invalid_amount", amount
    status, error = desk.request(desk.alice, "O-500", 100, reason="bored")
    assert status == 400 and error["error"]["code"] == "invalid_refund_reason"
    status, error = desk.call(desk.alice, "POST", "/orders/O-500/refunds", {"reason": "damaged"})
    assert status == 400 and error["error"]["code"] == "idempotency_key_required"
    status, error = desk.call(desk.alice, "POST", "/orders/O-500/refunds", {"reason": "damaged"}, key="k" * 256)
    assert status == 400 and error["error"]["code"] == "idempotency_key_invalid"
    status, error = desk.call(desk.agent, "POST", "/orders/O-500/refunds", {"reason": "damaged"}, key="k1")
    assert status == 403
