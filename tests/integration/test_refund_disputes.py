"""Disputes about the amount charged: opened with an Idempotency-Key, always reviewed by people, evidence uploaded
through a presigned S3 POST (type, size, prefix and expiry enforced by its policy), settled by an adjustment paid
through the same path or rejected. Also: an unanswered review escalates to supervisors and never approves."""
from __future__ import annotations

import base64
import json

from tests.integration.refund_desk import refund_desk, seed_order, sfn_aws, wait_until  # noqa: F401 (fixtures)


def open_dispute(desk, who, order_id="O-10", expected=9000, key="d-1", **extra):
    body = {"kind": "amount_wrong", "expected_amount_cents": expected, "message": "The coupon was not applied", **extra}
    return desk.call(who, "POST", f"/orders/{order_id}/disputes", body, key=key)


def test_a_dispute_with_a_pdf_is_reviewed_and_settled_by_an_adjustment(refund_desk):
    import boto3
    import requests  # noqa: F401 - the presigned POST is sent as a browser would (multipart form)

    from supportdesk.refunds.payments import SIMULATOR

    desk = refund_desk
    seed_order("cust-alice", "O-10", 12900)
    status, body = open_dispute(desk, desk.alice)
    assert status == 202, body
    dispute = body["dispute"]
    assert dispute["id"].startswith("D-") and dispute["amount_cents"] == 3900 and dispute["expected_amount_cents"] == 9000
    desk.wait_parked(dispute["id"])  # disputes always go to people
    assert desk.refund(dispute["id"]).review_notes == ("dispute",)
    # The customer asks where to upload a PDF
    status, grant = desk.call(desk.alice, "POST", f"/disputes/{dispute['id']}/evidence",
                              {"filename": "../../receipt 2026.pdf", "content_type": "application/pdf", "size": 2048})
    assert status == 201, grant
    upload = grant["upload"]
    assert upload["expires_in"] == 600 and upload["max_bytes"] == 10 * 1024 * 1024
    fields = upload["fields"]
    assert fields["key"].startswith(f"disputes/{dispute['id']}/") and fields["key"].endswith("receipt_2026.pdf")
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    # (moto does not enforce POST policies; what S3 enforces is the signed policy checked above.) Upload it.
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=desk.template.physical_name("EvidenceBucket"),
                                                          Key=fields["key"], Body=b"%PDF-1.4 receipt",
                                                          ContentType="application/pdf")
    status, view = desk.call(desk.alice, "GET", f"/disputes/{dispute['id']}")
    assert status == 200 and [e["filename"] for e in view["dispute"]["evidence"]] == ["receipt_2026.pdf"]
    # Staff see the evidence as short-lived links, and approve an adjustment
    status, case = desk.call(desk.agent, "GET", f"/agent/refunds/{dispute['id']}")
    link = case["refund"]["evidence"][0]
    assert status == 200 and "X-Amz-Expires=300" in link["url"] and link["url_expires_in"] == 300
    status, _ = desk.call(desk.agent, "POST", f"/agent/refunds/{dispute['id']}/decision", {"decision": "approve"})
    assert status == 200
    desk.wait_status(dispute["id"], "paid")
    assert [p.amount_cents for p in SIMULATOR.payouts.values()] == [3900]
    status, view = desk.call(desk.alice, "GET", f"/disputes/{dispute['id']}")
    assert [s["step"] for s in view["dispute"]["timeline"]] == ["dispute_submitted", "under_review", "approved", "paid"]


def test_evidence_rules(refund_desk):
    import boto3

    desk = refund_desk
    seed_order("cust-alice", "O-11", 12900)
    _, body = open_dispute(desk, desk.alice, "O-11")
    dispute_id = body["dispute"]["id"]
    for payload, code in [
        ({"filename": "a.exe", "content_type": "application/x-msdownload", "size": 10}, "evidence_type_not_allowed"),
        ({"filename": "a.png", "content_type": "image/png", "size": 10 * 1024 * 1024 + 1}, "evidence_too_large"),
        ({"filename": "a.png", "content_type": "image/png", "size": 0}, "evidence_too_large"),
        ({"content_type": "image/png", "size": 10}, "missing_field"),
    ]:
        status, error = desk.call(desk.alice, "POST", f"/disputes/{dispute_id}/evidence", payload)
        assert status == 400 and error["error"]["code"] == code, payload
    # At most 20 files (docs/api-refunds.md): with 19 received the 20th is granted, then the next is refused
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = desk.template.physical_name("EvidenceBucket")
    for n in range(19):
        s3.put_object(Bucket=bucket, Key=f"disputes/{dispute_id}/{n:012x}-voucher{n}.png", Body=b"\x89PNG")
    pdf = {"filename": "receipt.pdf", "content_type": "application/pdf", "size": 2048}
    status, grant = desk.call(desk.alice, "POST", f"/disputes/{dispute_id}/evidence", pdf)
    assert status == 201, grant
    s3.put_object(Bucket=bucket, Key=grant["upload"]["fields"]["key"], Body=b"%PDF-1.4 receipt")
    status, error = desk.call(desk.alice, "POST", f"/disputes/{dispute_id}/evidence", pdf)
    assert status == 409, error
    assert error["error"]["code"] == "evidence_limit_reached"
    # A refund id is not a dispute
    seed_order("cust-alice", "O-12", 5000)
    _, refund = desk.request(desk.alice, "O-12", 100, "other")
    status, error = desk.call(desk.alice, "GET", f"/disputes/{refund['refund']['id']}")
    assert status == 404 and error["error"]["code"] == "dispute_not_found"


def test_dispute_input(refund_desk):
    desk = refund_desk
    seed_order("cust-alice", "O-13", 12900)
    status, error = open_dispute(desk, desk.alice, "O-13", expected=12900, key="d-2")
    assert status == 400 and error["error"]["code"] == "dispute_amount_invalid"
    status, error = desk.call(desk.alice, "POST", "/orders/O-13/disputes",
                              {"kind": "too_pricey", "expected_amount_cents": 1, "message": "x"}, key="d-3")
    assert status == 400 and error["error"]["code"] == "invalid_dispute_kind"
    status, error = desk.call(desk.alice, "POST", "/orders/O-13/disputes",
                              {"kind": "charged_twice", "expected_amount_cents": 1}, key="d-4")
    assert status == 400 and error["error"]["code"] == "missing_field"


def test_an_unanswered_review_escalates_to_supervisors_and_never_approves(refund_desk):
    from tests.integration.refund_desk import mails_to

    desk = refund_desk
    desk.function_environment(REVIEW_SLA_SECONDS="2")  # the Assess step reads it
    seed_order("cust-alice", "O-14", 50000)
    _, body = desk.request(desk.alice, "O-14", 30000, "other")
    refund_id = body["refund"]["id"]
    escalated = wait_until(lambda: (r := desk.refund(refund_id)).escalated and r.task_token and r, 30, "escalation")
    assert escalated.status.value == "under_review"  # silence did not approve
    alert = wait_until(lambda: mails_to("supervisors@example.com"), 10, "supervisors alerted")
    assert refund_id in alert[0].subject
    status, error = desk.call(desk.agent, "POST", f"/agent/refunds/{refund_id}/decision", {"decision": "approve"})
    assert status == 403 and error["error"]["code"] == "supervisor_required"
    status, _ = desk.call(desk.supervisor, "POST", f"/agent/refunds/{refund_id}/decision",
                          {"decision": "reject", "reason": "Outside the return policy"})
    assert status == 200
    assert desk.wait_execution_done(refund_id)["status"] == "SUCCEEDED"
    assert desk.refund(refund_id).status.value == "rejected"


def test_an_escalated_case_keeps_its_place_in_the_review_queue_ahead_of_newer_cases(refund_desk):
    from supportdesk.dal.refunds import RefundModel
    from supportdesk.refunds.wiring import refund_service

    desk = refund_desk
    seed_order("cust-alice", "O-15", 50000)
    seed_order("cust-bob", "O-16", 50000)
    # Given an older case and a newer one waiting for people
    _, body = desk.request(desk.alice, "O-15", 30000, "other")
    older = body["refund"]["id"]
    desk.wait_parked(older)
    desk.clock.advance(minutes=30)
    _, body = desk.request(desk.bob, "O-16", 30000, "other")
    newer = body["refund"]["id"]
    desk.wait_parked(newer)
    queued_at = RefundModel.get(older, consistent_read=True).queued_at
    desk.clock.advance(hours=4)
    # When the older case's review SLA runs out (the workflow's escalation step parks it again)
    assert refund_service().park(older, "escalation-token", "escalated")["parked"] == "escalated"
    assert desk.refund(older).escalated
    # Then it keeps its place: the oldest wait is still first, not behind the newer case
    assert RefundModel.get(older, consistent_read=True).queued_at == queued_at
    status, queue = desk.call(desk.supervisor, "GET", "/agent/refunds", query={"status": "under_review"})
    assert status == 200
    assert [r["id"] for r in queue["refunds"] if r["id"] in (older, newer)] == [older, newer]


def test_the_customers_files_on_the_disputes_ticket_count_as_its_evidence(refund_desk):
    from datetime import datetime, timezone

    import boto3

    from supportdesk.dal.tickets import TicketModel
    from supportdesk.inbound.attachments import StoredAttachment
    from supportdesk.inbound.repository import DynamoMailChannelStore

    desk = refund_desk
    seed_order("cust-alice", "O-30", 12900)
    # Given Alice's ticket about the charge, where she mailed the payment voucher; the agent sent a form back, and an
    # upload of hers was never sent with a message
    TicketModel("T-ALICE", customer_id="cust-alice", category="payment", subject="Charged twice", status="assigned",
                language="en", created_at="2026-11-24T01:00:00.000000Z", updated_at="2026-11-24T01:00:00.000000Z").save()
    at = datetime(2026, 11, 24, 1, 30, tzinfo=timezone.utc)
    files = [StoredAttachment("A-00000000000000a1", "T-ALICE", "支付凭证.pdf", "application/pdf", 16, at),
             StoredAttachment("A-00000000000000b2", "T-ALICE", "form.pdf", "application/pdf", 9, at, author="agent",
                              uploaded_by="staff-agent-1"),
             StoredAttachment("A-00000000000000c3", "T-ALICE", "draft.pdf", "application/pdf", 0, at,
                              uploaded_by="cust-alice", sent=False)]
    bucket = desk.template.physical_name("MailBucket")
    for file in files:
        DynamoMailChannelStore().add_attachment(file)
        boto3.client("s3", region_name="us-east-1").put_object(Bucket=bucket, Key=file.key, Body=b"%PDF-1.4 voucher")
    # When she disputes the amount and names that ticket
    status, body = open_dispute(desk, desk.alice, "O-30", key="d-ticket", ticket_id="T-ALICE")
    assert status == 202, body
    dispute_id = body["dispute"]["id"]
    # Then her mailed voucher is the dispute's evidence (not the agent's form, not the unsent draft)
    status, view = desk.call(desk.alice, "GET", f"/disputes/{dispute_id}")
    assert status == 200
    assert view["dispute"]["evidence"] == [{"filename": "支付凭证.pdf", "size": 16, "uploaded_at": "2026-11-24T01:30:00Z",
                                           "source": "ticket", "ticket_id": "T-ALICE",
                                           "attachment_id": "A-00000000000000a1"}]
    # And staff reviewing the dispute get a short-lived link to it, with the evidence uploaded to the dispute itself
    status, grant = desk.call(desk.alice, "POST", f"/disputes/{dispute_id}/evidence",
                              {"filename": "receipt.pdf", "content_type": "application/pdf", "size": 10})
    boto3.client("s3", region_name="us-east-1").put_object(Bucket=desk.template.physical_name("EvidenceBucket"),
                                                          Key=grant["upload"]["fields"]["key"], Body=b"%PDF-1.4")
    status, case = desk.call(desk.agent, "GET", f"/agent/refunds/{dispute_id}")
    assert status == 200
    evidence = {e["filename"]: e for e in case["refund"]["evidence"]}
    assert sorted(evidence) == ["receipt.pdf", "支付凭证.pdf"]
    voucher = evidence["支付凭证.pdf"]
    assert voucher["source"] == "ticket" and voucher["url_expires_in"] == 300
    assert bucket in voucher["url"] and "/attachments/T-ALICE/A-00000000000000a1?" in voucher["url"]
    assert evidence["receipt.pdf"]["source"] == "upload"
