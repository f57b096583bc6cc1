"""The lifecycle schedules on moto with the injected clock: survey, auto-close, SLA escalation, retention. Each job
is also run, stopped half-way, and run again: the second run finishes the work and nothing is done twice."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import LambdaContext, api_event, call, load_event
from tests.integration.ticket_desk import desk, mails_to  # noqa: F401 (fixture)

SURVEY_LINK = re.compile(r"https?://[^\s\"<>]+/survey/(s1\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def run(job: str) -> dict:
    import importlib

    module = importlib.import_module(f"functions.lifecycle.{job}")
    return module.lambda_handler(load_event("lifecycle_schedule.json"), LambdaContext())


def resolved_ticket(desk, who=None) -> str:
    who = who or desk.alice
    ticket_id = desk.open(who, "My parcel is late")["ticket"]["id"]
    desk.handoff(who, ticket_id)
    status, body = desk.claim(desk.agent, ticket_id)
    assert status == 200, body
    desk.resolve(desk.agent, ticket_id)
    return ticket_id


def ticket_of(desk, who, ticket_id) -> dict:
    status, body = desk.call(who, "GET", f"/tickets/{ticket_id}")
    assert status == 200, body
    return body


def survey(method: str, token: str, body: str | None = None, language: str = "en") -> tuple[int, str]:
    from functions.survey import app

    event = api_event(method, f"/survey/{token}", resource="/survey/{token}", path_parameters={"token": token},
                      headers={"Accept-Language": language, "Content-Type": "application/x-www-form-urlencoded"},
                      body=body)
    response = app.lambda_handler(event, LambdaContext())
    return response["statusCode"], response["body"]


def links_in(mail) -> dict[int, str]:
    tokens = SURVEY_LINK.findall(mail.body)
    assert len(tokens) >= 5, mail.body
    return {score: tokens[score - 1] for score in range(1, 6)}


# ---- survey ------------------------------------------------------------------------------------------------------

def test_survey_goes_out_once_after_the_delay_and_a_link_records_its_score_once(desk):
    ticket_id = resolved_ticket(desk)
    # Given a ticket resolved just now: too early for the survey
    assert run("survey_job")["done"] == 0 and not [m for m in mails_to(desk.alice.email) if "/survey/" in m.body]
    # When an hour has passed
    desk.clock.advance(minutes=61)
    report = run("survey_job")
    # Then alice gets one survey e-mail in English with five signed links (never the bare ticket id)
    assert report["sent"] == 1
    [mail] = [m for m in mails_to(desk.alice.email) if "/survey/" in m.body]
    assert mail.subject == f"[{ticket_id}] How did we do?"
    links = links_in(mail)
    assert all(ticket_id not in token for token in links.values())
    # And a second run sends nothing more
    assert run("survey_job")["done"] == 0 and len([m for m in mails_to(desk.alice.email) if "/survey/" in m.body]) == 1
    # When she clicks 4
    status, html = survey("GET", links[4])
    assert status == 200 and "4</strong> / 5" in html and "<textarea" in html
    assert ticket_of(desk, desk.alice, ticket_id)["ticket"]["rating"]["score"] == 4
    # Then the same link again shows the same answer; another score's link is refused (single use per resolution)
    assert survey("GET", links[4])[0] == 200
    status, html = survey("GET", links[1])
    assert status == 409 and "already been answered" in html
    assert ticket_of(desk, desk.alice, ticket_id)["ticket"]["rating"]["score"] == 4
    # And the comment box stores one comment, masked, escaped on the page
    status, html = survey("POST", links[4], "comment=Great+help%2C+card+4111+1111+1111+1111+%3Cb%3E")
    assert status == 200 and "We received your comment" in html
    rating = ticket_of(desk, desk.alice, ticket_id)["ticket"]["rating"]
    assert "1111 1111 1111" not in rating["comment"] and rating["comment"].startswith("Great help")
    assert survey("POST", links[4], "comment=again")[0] == 409


def test_survey_links_are_signed_and_expire_with_the_rating_window(desk):
    ticket_id = resolved_ticket(desk)
    desk.clock.advance(minutes=61)
    run("survey_job")
    [mail] = [m for m in mails_to(desk.alice.email) if "/survey/" in m.body]
    token = links_in(mail)[5]
    version, payload, mac = token.split(".")
    # A tampered token (another score or ticket in the payload, or a forged MAC) is not a survey link
    assert survey("GET", f"{version}.{payload[:-2]}AA.{mac}", language="zh-CN")[0] == 404
    assert survey("GET", f"{version}.{payload}.{'A' * len(mac)}")[0] == 404
    assert survey("GET", ticket_id)[0] == 404
    # After 7 days the link has expired and records nothing
    desk.clock.advance(days=7)
    status, html = survey("GET", token, language="zh-CN")
    assert status == 410 and "已过期" in html
    assert ticket_of(desk, desk.alice, ticket_id)["ticket"]["rating"] is None


def test_a_survey_link_still_records_its_score_just_before_the_7_days_end(desk):
    # Given a survey sent an hour after the resolution
    ticket_id = resolved_ticket(desk)
    desk.clock.advance(minutes=61)
    run("survey_job")
    [mail] = [m for m in mails_to(desk.alice.email) if "/survey/" in m.body]
    # When the customer clicks 3 one minute before the 7-day rating window ends
    desk.clock.advance(days=7, minutes=-62)
    status, html = survey("GET", links_in(mail)[3])
    # Then the score is recorded (docs/operations.md: the links' expiry is "the 7-day rating window")
    assert status == 200 and "3</strong> / 5" in html
    assert ticket_of(desk, desk.alice, ticket_id)["ticket"]["rating"]["score"] == 3


def test_no_survey_for_a_rated_or_reopened_ticket(desk):
    rated = resolved_ticket(desk)
    status, _ = desk.call(desk.alice, "POST", f"/tickets/{rated}/rating", {"score": 5})
    assert status == 201
    reopened = resolved_ticket(desk)
    status, _ = desk.call(desk.alice, "POST", f"/tickets/{reopened}/messages", {"message": "Still broken"})
    assert status == 201
    desk.clock.advance(minutes=61)
    report = run("survey_job")
    # The rated ticket moves on without a survey; the reopened one is no longer due at all
    assert report["sent"] == 0 and report["not_needed"] == 1
    assert not [m for m in mails_to(desk.alice.email) if "/survey/" in m.body]


def test_survey_run_stopped_half_way_and_run_again_sends_each_survey_once(desk, monkeypatch):
    from supportdesk.notify.notifier import SesSnsNotifier

    ids = [resolved_ticket(desk) for _ in range(3)]
    desk.clock.advance(minutes=61)
    real_send, sent = SesSnsNotifier.send, []

    def send_then_crash(self, recipient, template, context):
        if len(sent) == 1:
            raise TimeoutError("the function timed out")
        sent.append(context["reference"])
        real_send(self, recipient, template, context)

    monkeypatch.setattr(SesSnsNotifier, "send", send_then_crash)
    first = run("survey_job")
    assert first["sent"] == 1 and first["failed"] == 2  # the failed ones were put back
    monkeypatch.setattr(SesSnsNotifier, "send", real_send)
    second = run("survey_job")
    assert second["sent"] == 2
    references = [re.search(r"\[(T-[A-Z0-9]+)\]", m.subject).group(1)
                  for m in mails_to(desk.alice.email) if "/survey/" in m.body]
    assert sorted(references) == sorted(ids)


# ---- auto-close --------------------------------------------------------------------------------------------------

def test_auto_close_after_seven_days_and_a_message_opens_a_follow_up(desk):
    ticket_id = resolved_ticket(desk)
    desk.clock.advance(minutes=61)
    run("survey_job")
    desk.clock.advance(days=6)
    assert run("auto_close")["done"] == 0
    desk.clock.advance(days=1)
    # When the ticket has been resolved for 7 days without a customer message
    assert run("auto_close")["done"] == 1
    body = ticket_of(desk, desk.alice, ticket_id)
    # Then it is closed with a note in the customer's language
    assert body["ticket"]["status"] == "closed" and body["ticket"]["closed_at"]
    assert body["messages"][-1]["note"] == "closed" and "closed automatically" in body["messages"][-1]["text"]
    assert run("auto_close")["done"] == 0
    # And asking for a human on it is refused; a message opens a follow-up ticket in the queue instead
    status, error = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/handoff")
    assert status == 409 and error["error"]["code"] == "ticket_closed"
    status, follow = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages", {"message": "It broke again"})
    assert status == 201 and follow["follow_up"] is True
    assert follow["ticket"]["id"] != ticket_id and follow["ticket"]["follow_up_of"] == ticket_id
    assert follow["ticket"]["status"] == "waiting"
    assert ticket_of(desk, desk.alice, ticket_id)["ticket"]["status"] == "closed"


def test_reopened_ticket_is_not_auto_closed(desk):
    ticket_id = resolved_ticket(desk)
    desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages", {"message": "Not fixed"})
    desk.clock.advance(days=8)
    run("survey_job")
    assert run("auto_close")["done"] == 0
    assert ticket_of(desk, desk.alice, ticket_id)["ticket"]["status"] == "waiting"


def test_auto_close_stopped_half_way_and_run_again_closes_each_ticket_once(desk, monkeypatch):
    from supportdesk.lifecycle.repository import DynamoLifecycleStore

    ids = [resolved_ticket(desk) for _ in range(3)]
    desk.clock.advance(minutes=61)
    run("survey_job")
    desk.clock.advance(days=7)
    real_close, calls = DynamoLifecycleStore.close, []

    def close_then_crash(self, ticket, now, note):
        calls.append(ticket.ticket_id)
        if len(calls) == 2:
            raise TimeoutError("the function timed out")
        return real_close(self, ticket, now, note)

    monkeypatch.setattr(DynamoLifecycleStore, "close", close_then_crash)
    with pytest.raises(TimeoutError):
        run("auto_close")
    monkeypatch.setattr(DynamoLifecycleStore, "close", real_close)
    assert sum(ticket_of(desk, desk.alice, t)["ticket"]["status"] == "closed" for t in ids) == 1
    assert run("auto_close")["done"] == 2
    for ticket_id in ids:
        body = ticket_of(desk, desk.alice, ticket_id)
        assert body["ticket"]["status"] == "closed"
        assert [m["note"] for m in body["messages"] if m.get("note") == "closed"] == ["closed"]


# ---- retention ---------------------------------------------------------------------------------------------------

def _closed(desk) -> str:
    ticket_id = resolved_ticket(desk)
    desk.clock.advance(minutes=61)
    run("survey_job")
    desk.clock.advance(days=7)
    run("auto_close")
    return ticket_id


def test_retention_purges_old_closed_tickets_to_an_anonymised_stub_and_resumes(desk):
    from supportdesk.dal.tickets import TicketMessageModel, TicketModel
    from supportdesk.lifecycle.jobs import purge_closed
    from supportdesk.lifecycle.repository import DynamoLifecycleStore

    ids = [_closed(desk) for _ in range(2)]
    messages_before = sum(len(list(TicketMessageModel.query(t))) for t in ids)
    assert messages_before > 4
    desk.clock.advance(days=357)  # the first was closed 364 days ago, the second 357
    assert run("retention")["done"] == 0
    desk.clock.advance(days=9)
    # When a run stops after a few deletions (its message budget ends inside the first ticket)
    first = purge_closed(DynamoLifecycleStore(), desk.clock.now(), timedelta(days=365), 100, message_budget=3)
    # Then nothing is anonymised yet and the tickets are still due
    assert first["more"] if isinstance(first, dict) else first.more
    assert all(TicketModel.get(t).customer_id == desk.alice.account_id for t in ids)
    # And the next run finishes: no messages, a stub without customer, subject or comment, the figures kept
    report = run("retention")
    assert report["done"] == 2 and report["messages_deleted"] == messages_before - 3
    for ticket_id in ids:
        stub = TicketModel.get(ticket_id)
        assert list(TicketMessageModel.query(ticket_id)) == []
        assert stub.customer_id == "deleted" and stub.subject == "" and stub.status == "closed"
        assert stub.category == "shipping" and stub.resolution_count == 1 and stub.purged_at and stub.due_job is None
    assert run("retention")["done"] == 0


def test_audit_entries_carry_a_ttl(desk):
    from supportdesk.dal.tickets import TicketAuditModel

    ticket_id = resolved_ticket(desk)
    entries = list(TicketAuditModel.query(ticket_id))
    assert entries
    for entry in entries:
        expires = datetime.fromtimestamp(entry.expires_at, timezone.utc)
        assert expires - desk.clock.now() > timedelta(days=1094)


# ---- SLA escalation ----------------------------------------------------------------------------------------------

def _supervisor_mails() -> list:
    return mails_to("supervisors@example.com")


def test_sla_breach_is_reported_once_and_flagged_in_the_agent_queue(desk):
    ticket_id = desk.waiting_tickets(1)[0]
    desk.clock.advance(minutes=29)
    assert run("sla_escalation")["done"] == 0 and _supervisor_mails() == []
    desk.clock.advance(minutes=2)
    report = run("sla_escalation")
    assert report["done"] == 1 and report["breached_waiting"] == 1
    [mail] = _supervisor_mails()
    assert ticket_id in mail.body
    status, queue = desk.call(desk.agent, "GET", "/agent/queue")
    assert status == 200 and [t["sla_breached"] for t in queue["tickets"]] == [True]
    # Once per breach: the next runs report nothing new while it keeps waiting
    desk.clock.advance(minutes=5)
    assert run("sla_escalation")["done"] == 0 and len(_supervisor_mails()) == 1


def test_sla_clock_stops_outside_business_hours(desk):
    # Queued at 20:50 in Shanghai (desk closes at 21:00), checked at 09:10 next morning: 20 business minutes
    desk.clock.set(datetime(2026, 11, 24, 12, 50, tzinfo=timezone.utc))
    desk.waiting_tickets(1)
    desk.clock.set(datetime(2026, 11, 25, 1, 10, tzinfo=timezone.utc))
    assert run("sla_escalation")["breached_waiting"] == 0
    desk.clock.advance(minutes=11)
    assert run("sla_escalation")["done"] == 1


def test_sla_run_stopped_half_way_and_run_again_reports_each_breach_once(desk, monkeypatch):
    from supportdesk.lifecycle.repository import DynamoLifecycleStore

    ids = desk.waiting_tickets(3)
    desk.clock.advance(minutes=40)
    real_flag, calls = DynamoLifecycleStore.flag_breach, []

    def flag_then_crash(self, ticket, now):
        calls.append(ticket.ticket_id)
        if len(calls) == 2:
            raise TimeoutError("the function timed out")
        return real_flag(self, ticket, now)

    monkeypatch.setattr(DynamoLifecycleStore, "flag_breach", flag_then_crash)
    with pytest.raises(TimeoutError):
        run("sla_escalation")
    monkeypatch.setattr(DynamoLifecycleStore, "flag_breach", real_flag)
    # The crashed run flagged one ticket and mailed nothing (that is the one breach a crash can lose)
    assert run("sla_escalation")["done"] == 2
    [mail] = _supervisor_mails()
    lost = calls[0]  # the first flagged (waits that began in the same second come in no set order)
    assert lost in ids and lost not in mail.body and all(i in mail.body for i in ids if i != lost)
    assert run("sla_escalation")["done"] == 0


# ---- SLA escalation: a claimed ticket whose customer waits for the agent's answer ---------------------------------

def _claimed(desk, count: int = 1) -> list[str]:
    ids = desk.waiting_tickets(count)
    for ticket_id in ids:
        status, body = desk.claim(desk.agent, ticket_id)
        assert status == 200, body
    return ids


def _staff_view(desk, ticket_id) -> dict:
    status, body = desk.call(desk.agent, "GET", f"/agent/tickets/{ticket_id}")
    assert status == 200, body
    return body["ticket"]


def _answer(desk, ticket_id) -> None:
    status, body = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "正在处理"})
    assert status == 201, body


def _write(desk, ticket_id, text="还在吗？") -> None:
    status, body = desk.call(desk.bob, "POST", f"/tickets/{ticket_id}/messages", {"message": text})
    assert status == 201, body


def _unanswered_index(queue: str = "general") -> list[str]:
    from supportdesk.dal.tickets import TicketModel

    return [item.ticket_id for item in TicketModel.unanswered_tickets.query(queue)]


def test_a_claimed_ticket_left_unanswered_is_reported_once_and_flagged_for_staff(desk):
    # Given a ticket claimed just now: the customer waits for the agent's first answer
    [ticket_id] = _claimed(desk)
    assert _staff_view(desk, ticket_id)["awaiting_reply_since"] == "2026-11-24T02:00:00Z"
    desk.clock.advance(minutes=29)
    assert run("sla_escalation")["new_reply_breaches"] == 0 and _supervisor_mails() == []
    # When the agent has not answered for more than 30 business minutes
    desk.clock.advance(minutes=2)
    report = run("sla_escalation")
    # Then the supervisors get one mail naming the ticket and its agent, and staff see the flag
    assert report["new_reply_breaches"] == 1 and report["new_waiting_breaches"] == 0 and report["done"] == 1
    [mail] = _supervisor_mails()
    assert ticket_id in mail.body and desk.agent.account_id in mail.body and "未回复" in mail.subject
    assert _staff_view(desk, ticket_id)["reply_sla_breached"] is True
    # And the reported wait has left the sparse index, so the next runs neither read nor report it again
    assert _unanswered_index() == []
    desk.clock.advance(minutes=30)
    assert run("sla_escalation")["done"] == 0 and len(_supervisor_mails()) == 1
    # When the agent answers, Then the flag and the clock are gone
    _answer(desk, ticket_id)
    view = _staff_view(desk, ticket_id)
    assert view["reply_sla_breached"] is False and view["awaiting_reply_since"] is None
    # And the customer's next message starts a new wait, which is a new breach when it lasts
    _write(desk, ticket_id)
    assert _unanswered_index() == [ticket_id]
    desk.clock.advance(minutes=31)
    assert run("sla_escalation")["new_reply_breaches"] == 1 and len(_supervisor_mails()) == 2


def test_the_wait_counts_from_the_first_unanswered_message_and_an_answer_stops_it(desk):
    # Given a claimed ticket the agent answered at once
    [answered, other] = _claimed(desk, 2)
    _answer(desk, answered)
    _answer(desk, other)
    # When the customer writes, and writes again 20 minutes later
    _write(desk, answered, "包裹还没到")
    desk.clock.advance(minutes=20)
    _write(desk, answered, "有人吗？")
    # Then the second message does not restart the clock: 31 minutes after the first, it is a breach
    desk.clock.advance(minutes=11)
    report = run("sla_escalation")
    assert report["new_reply_breaches"] == 1
    [mail] = _supervisor_mails()
    assert answered in mail.body and other not in mail.body
    # And a ticket whose customer was answered and wrote nothing since is never reported, however long it stays
    desk.clock.advance(hours=3)
    assert run("sla_escalation")["done"] == 0
    assert _staff_view(desk, other)["reply_sla_breached"] is False


def test_resolving_an_unanswered_ticket_ends_its_wait(desk):
    [ticket_id] = _claimed(desk)
    desk.resolve(desk.agent, ticket_id)
    assert _unanswered_index() == []
    desk.clock.advance(hours=1)
    assert run("sla_escalation")["done"] == 0 and _supervisor_mails() == []


def test_the_reply_clock_stops_outside_business_hours(desk):
    # Claimed at 20:50 in Shanghai (the desk closes at 21:00), checked at 09:10 next morning: 20 business minutes
    desk.clock.set(datetime(2026, 11, 24, 12, 50, tzinfo=timezone.utc))
    [ticket_id] = _claimed(desk)
    desk.clock.set(datetime(2026, 11, 25, 1, 10, tzinfo=timezone.utc))
    assert run("sla_escalation")["new_reply_breaches"] == 0
    assert _unanswered_index() == [ticket_id]  # read, not reported: its clock was stopped overnight
    desk.clock.advance(minutes=11)
    assert run("sla_escalation")["new_reply_breaches"] == 1


def test_a_reply_sla_run_stopped_half_way_and_run_again_reports_each_wait_once(desk, monkeypatch):
    from supportdesk.lifecycle.repository import DynamoLifecycleStore

    ids = _claimed(desk, 3)
    desk.clock.advance(minutes=40)
    real_flag, calls = DynamoLifecycleStore.flag_reply_breach, []

    def flag_then_crash(self, ticket, now):
        calls.append(ticket.ticket_id)
        if len(calls) == 2:
            raise TimeoutError("the function timed out")
        return real_flag(self, ticket, now)

    # Given a run that dies after flagging the first wait, before any mail
    monkeypatch.setattr(DynamoLifecycleStore, "flag_reply_breach", flag_then_crash)
    with pytest.raises(TimeoutError):
        run("sla_escalation")
    monkeypatch.setattr(DynamoLifecycleStore, "flag_reply_breach", real_flag)
    # When the next run comes, Then it reports the other two (the first is the one breach a crash can lose; the
    # three were claimed at the same instant, so which one the index gave first is DynamoDB's choice)
    assert run("sla_escalation")["new_reply_breaches"] == 2
    [mail] = _supervisor_mails()
    lost = calls[0]
    assert lost not in mail.body and all(t in mail.body for t in ids if t != lost)
    # And nothing is reported twice
    assert run("sla_escalation")["done"] == 0


def test_a_breach_whose_mail_failed_is_reported_by_the_next_run(desk, monkeypatch):
    from supportdesk.notify.notifier import SesSnsNotifier

    [ticket_id] = _claimed(desk)
    desk.clock.advance(minutes=31)
    real_send = SesSnsNotifier.send

    def refuse(self, recipient, template, context):
        raise ConnectionError("SES is unreachable")

    # Given a run whose mail cannot be sent
    monkeypatch.setattr(SesSnsNotifier, "send", refuse)
    report = run("sla_escalation")
    # Then the wait is put back (not flagged, in the index again) and the run counts a failure for the alarm
    assert report["failed"] == 1 and report["done"] == 0
    assert _staff_view(desk, ticket_id)["reply_sla_breached"] is False and _unanswered_index() == [ticket_id]
    # When the next run can mail, Then it reports the breach
    monkeypatch.setattr(SesSnsNotifier, "send", real_send)
    assert run("sla_escalation")["new_reply_breaches"] == 1
    assert _staff_view(desk, ticket_id)["reply_sla_breached"] is True


def test_the_sla_run_reads_two_index_queries_whatever_the_number_of_claimed_tickets(desk):
    from tests.dynamodb_calls import dynamodb_calls

    # Given claimed tickets whose customers were answered recently (nothing due)
    _claimed(desk, 2)
    with dynamodb_calls() as few:
        run("sla_escalation")
    _claimed(desk, 8)
    with dynamodb_calls() as many:
        run("sla_escalation")
    # Then a run with nothing to report is one Query of WaitingTickets and one of UnansweredTickets: never a Scan
    assert few == many == ["Query", "Query"]


# ---- refund review digest ----------------------------------------------------------------------------------------

def _refund_case(desk, refund_id: str, amount: int = 9000):
    """A refund case stored as the refund API stores it (reserved on its order), then parked for review the way the
    workflow's Review step parks it."""
    from supportdesk.dal.orders import OrderModel
    from supportdesk.refunds.model import CaseKind, Refund, RefundStatus, TimelineEntry
    from supportdesk.refunds.repository import DynamoRefundRepository

    now = desk.clock.now()
    OrderModel(desk.alice.account_id, f"ord-{refund_id}", status="delivered", amount_cents=amount,
               paid_cents=amount, created_at=now).save()
    refunds = DynamoRefundRepository()
    refund = Refund(refund_id, CaseKind.REFUND, desk.alice.account_id, f"ord-{refund_id}", amount, amount, "CNY",
                    "damaged", RefundStatus.SUBMITTED, now, now,
                    timeline=(TimelineEntry(now, RefundStatus.SUBMITTED, "submitted"),))
    refunds.create(refund, amount)
    assert refunds.park(refund_id, (RefundStatus.SUBMITTED,), RefundStatus.UNDER_REVIEW, f"token-{refund_id}", now,
                        TimelineEntry(now, RefundStatus.UNDER_REVIEW, "under_review"))
    return refunds


def _escalate(desk, refunds, refund_id: str) -> None:
    """The workflow's Escalate step: parked again (a new token, a new queued_at), only supervisors decide."""
    from supportdesk.refunds.model import REVIEW_QUEUES, RefundStatus

    assert refunds.park(refund_id, REVIEW_QUEUES, RefundStatus.UNDER_REVIEW, f"token2-{refund_id}", desk.clock.now(),
                        None, {"escalated": True})


def _digests(address: str) -> list:
    return [m for m in mails_to(address) if m.subject.startswith("退款审核日报")]


def _review_queue_with_three_cases(desk) -> None:
    # 10:00 Tuesday: two refunds enter review; at 16:00 the second one's review SLA runs out and it is escalated
    refunds = _refund_case(desk, "R-OLD01")
    _refund_case(desk, "R-ESC01")
    desk.clock.advance(hours=6)
    _escalate(desk, refunds, "R-ESC01")
    # 08:00 Wednesday: a third one enters review; the digest runs at 09:00
    desk.clock.advance(hours=16)
    _refund_case(desk, "R-NEW01")
    desk.clock.advance(hours=1)


def test_refund_review_digest_tells_reviewers_and_supervisors_once_a_day(desk):
    from tests.dynamodb_calls import dynamodb_calls

    # Given three cases waiting for people: 23 h, 23 h (escalated 17 h ago) and 1 h
    _review_queue_with_three_cases(desk)
    # When the 09:00 digest runs
    with dynamodb_calls(with_tables=True) as calls:
        report = run("refund_digest")
    # Then the reviewers hear of the two cases any staff member may decide, the overdue (and oldest) one by name
    assert report["sent"] == 2 and report["waiting"] == 3 and report["overdue"] == 2
    [reviewers] = _digests("refunds@example.com")
    assert reviewers.subject == "退款审核日报（审核员）：2 件待处理，1 件超过 12 小时"
    assert "R-OLD01" in reviewers.body and "23 小时" in reviewers.body
    assert "R-NEW01" not in reviewers.body and "R-ESC01" not in reviewers.body
    # And the supervisors hear of the escalated one, its wait counted from entering review (23 h), not the escalation
    [supervisors] = _digests("supervisors@example.com")
    assert "R-ESC01" in supervisors.body and "23 小时" in supervisors.body and "R-OLD01" not in supervisors.body
    # And it read the review queue (one Query per review status) and marked each digest sent: no Scan, no table read
    assert sorted(calls) == sorted([("Query", "RefundsTable"), ("Query", "RefundsTable"),
                                    ("PutItem", "RateLimitsTable"), ("PutItem", "RateLimitsTable")])
    # When the job runs again the same day, Then nothing is sent twice
    again = run("refund_digest")
    assert again["skipped"] == 2 and again["done"] == 0
    assert len(_digests("refunds@example.com")) == len(_digests("supervisors@example.com")) == 1
    # And the next morning's digest goes out again
    desk.clock.advance(days=1)
    assert run("refund_digest")["sent"] == 2 and len(_digests("refunds@example.com")) == 2


def test_a_decided_case_leaves_the_digest(desk):
    from supportdesk.refunds.model import RefundStatus
    from supportdesk.refunds.repository import DynamoRefundRepository, Transition

    _review_queue_with_three_cases(desk)
    refunds = DynamoRefundRepository()
    # Given the old case was rejected before 09:00 (it leaves the review queue)
    old = refunds.get("R-OLD01")
    assert refunds.transition(old, Transition(expect=(RefundStatus.UNDER_REVIEW,), to=RefundStatus.REJECTED,
                                              at=desk.clock.now(), release_cents=old.amount_cents, queue=False))
    # When the digest runs, Then the reviewers' digest has only the new case, nothing overdue
    run("refund_digest")
    [reviewers] = _digests("refunds@example.com")
    assert "R-OLD01" not in reviewers.body and "1 件待处理，0 件超过" in reviewers.subject


def test_a_digest_run_that_failed_half_way_is_retried_and_sends_each_digest_once(desk, monkeypatch):
    from functions.lifecycle.refund_digest import DigestNotSent
    from supportdesk.dal.rate_limits import RateLimitModel
    from supportdesk.notify.notifier import SesSnsNotifier

    _review_queue_with_three_cases(desk)
    real_send = SesSnsNotifier.send

    def reviewers_down(self, recipient, template, context):
        if recipient.address == "refunds@example.com":
            raise ConnectionError("SES is unreachable")
        return real_send(self, recipient, template, context)

    # Given a run whose reviewers' mail fails: the run fails (Lambda retries it), the supervisors' digest went out
    monkeypatch.setattr(SesSnsNotifier, "send", reviewers_down)
    with pytest.raises(DigestNotSent):
        run("refund_digest")
    assert _digests("refunds@example.com") == [] and len(_digests("supervisors@example.com")) == 1
    # When Lambda retries the run, Then the reviewers get theirs and the supervisors nothing twice
    monkeypatch.setattr(SesSnsNotifier, "send", real_send)
    retry = run("refund_digest")
    assert retry["sent"] == 1 and retry["skipped"] == 1
    assert len(_digests("refunds@example.com")) == len(_digests("supervisors@example.com")) == 1
    # And the day's marks expire by TTL (the rate-limit table's expires_at), days after the day
    mark = RateLimitModel.get("refund-review-digest#reviewers#2026-11-25")
    assert mark.expires_at > (desk.clock.now() + timedelta(days=2)).timestamp()
