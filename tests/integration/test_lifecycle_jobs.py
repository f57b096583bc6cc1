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
    assert ids[0] not in mail.body and ids[1] in mail.body and ids[2] in mail.body
    assert run("sla_escalation")["done"] == 0
