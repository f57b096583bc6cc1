"""The refunds walkthrough of docs/api-refunds.md over HTTP on the local stack (make run): a small refund approved
by policy and paid, a large one approved by an agent and a supervisor, a rejection with a reason, a dispute with a
PDF uploaded through the presigned POST and settled by an adjustment, the customer's timeline and e-mails."""
from __future__ import annotations

import time
import uuid

import pytest

pytestmark = pytest.mark.e2e


def wait_for(api, token, path, statuses, key="refund", timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = api.request("GET", path, token=token)
        assert reply.status == 200, reply.body
        case = reply.json()[key]
        if case["status"] in statuses:
            return case
        time.sleep(0.2)
    raise AssertionError(f"{path} never reached {statuses}")


@pytest.fixture(scope="module")
def people(api, demo):
    return {role: api.login(*demo[role]) for role in ("customer", "agent", "supervisor")}


def post(api, token, path, body=None, key=None):
    headers = {"Idempotency-Key": key or str(uuid.uuid4())} if key is not False else {}
    return api.request("POST", path, body or {}, headers=headers, token=token)


def test_small_refund_is_approved_by_policy_and_paid(api, people):
    reply = post(api, people["customer"], "/orders/ord_demo1_1001/refunds", {"amount_cents": 3000, "reason": "damaged"})
    assert reply.status == 202, reply.body
    refund = reply.json()["refund"]
    paid = wait_for(api, people["customer"], f"/refunds/{refund['id']}", {"paid"})
    assert [s["step"] for s in paid["timeline"]] == ["submitted", "approved", "paid"]
    payments = api.request("GET", "/_local/payments").json()
    assert any(p["idempotency_key"] == refund["id"] and p["amount_cents"] == 3000 for p in payments["payouts"])


def test_large_refund_needs_an_agent_and_a_supervisor(api, people):
    reply = post(api, people["customer"], "/orders/ord_demo1_1002/refunds", {"reason": "not_as_described"})
    assert reply.status == 202, reply.body
    refund_id = reply.json()["refund"]["id"]
    wait_for(api, people["customer"], f"/refunds/{refund_id}", {"under_review"})
    queue = api.request("GET", "/agent/refunds?status=under_review", token=people["agent"]).json()
    assert refund_id in [r["id"] for r in queue["refunds"]]
    assert post(api, people["agent"], f"/agent/refunds/{refund_id}/decision", {"decision": "approve"}, False).status == 200
    wait_for(api, people["customer"], f"/refunds/{refund_id}", {"awaiting_second_approval"})
    deadline = time.monotonic() + 20
    while True:  # the second approval step stores its token a moment later
        reply = post(api, people["supervisor"], f"/agent/refunds/{refund_id}/decision", {"decision": "approve"}, False)
        if reply.status != 409 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert reply.status == 200, reply.body
    paid = wait_for(api, people["customer"], f"/refunds/{refund_id}", {"paid"})
    assert paid["amount_cents"] == 388000


def test_rejection_with_a_reason(api, people):
    reply = post(api, people["customer"], "/orders/ord_demo1_1003/refunds", {"amount_cents": 12900, "reason": "other",
                                                                             "message": "Changed my plans"})
    refund_id = reply.json()["refund"]["id"]
    wait_for(api, people["customer"], f"/refunds/{refund_id}", {"under_review"})
    reply = post(api, people["agent"], f"/agent/refunds/{refund_id}/decision",
                 {"decision": "reject", "reason": "The parcel is on its way; refuse it at delivery for a refund."}, False)
    assert reply.status == 200, reply.body
    rejected = wait_for(api, people["customer"], f"/refunds/{refund_id}", {"rejected"})
    assert "refuse it at delivery" in rejected["timeline"][-1]["text"]["en"]


def test_dispute_with_a_pdf_and_an_adjustment(api, people):
    import requests

    reply = post(api, people["customer"], "/orders/ord_demo1_1004/disputes",
                 {"kind": "price_not_honoured", "expected_amount_cents": 3000, "message": "The gift bags were 3 for ¥30."})
    assert reply.status == 202, reply.body
    dispute_id = reply.json()["dispute"]["id"]
    grant = post(api, people["customer"], f"/disputes/{dispute_id}/evidence",
                 {"filename": "receipt.pdf", "content_type": "application/pdf", "size": 24}, False)
    assert grant.status == 201, grant.body
    upload = grant.json()["upload"]
    sent = requests.post(upload["url"], data=upload["fields"],
                         files={"file": ("receipt.pdf", b"%PDF-1.4 demo receipt\n", "application/pdf")}, timeout=10)
    assert sent.status_code in (200, 204), sent.text
    dispute = api.request("GET", f"/disputes/{dispute_id}", token=people["customer"]).json()["dispute"]
    assert [e["filename"] for e in dispute["evidence"]] == ["receipt.pdf"]
    wait_for(api, people["customer"], f"/disputes/{dispute_id}", {"under_review"}, key="dispute")
    case = api.request("GET", f"/agent/refunds/{dispute_id}", token=people["agent"]).json()["refund"]
    assert case["evidence"][0]["url"].startswith("http")
    assert post(api, people["agent"], f"/agent/refunds/{dispute_id}/decision", {"decision": "approve"}, False).status == 200
    paid = wait_for(api, people["customer"], f"/disputes/{dispute_id}", {"paid"}, key="dispute")
    assert paid["amount_cents"] == 1500


def test_the_customer_got_an_email_for_each_step(api):
    outbox = api.request("GET", "/_local/outbox").json()["messages"]
    subjects = [m.get("subject", "") for m in outbox if "demo@example.com" in str(m.get("to", ""))]
    assert any("Refunded" in s for s in subjects) and any("Not approved" in s for s in subjects)
