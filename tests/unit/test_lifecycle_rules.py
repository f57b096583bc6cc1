"""Survey link signing and the SLA's business-time clock, without AWS."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from supportdesk.lifecycle.jobs import open_seconds_between
from supportdesk.lifecycle.survey_tokens import (
    ExpiredSurveyToken, InvalidSurveyToken, SurveyClaim, SurveyTokens,
)
from supportdesk.hours import BusinessHours

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in Shanghai


def tokens(key: str = "k" * 64) -> SurveyTokens:
    return SurveyTokens(lambda: key)


def test_a_signed_link_verifies_to_its_claim_until_it_expires():
    claim = SurveyClaim("T-8K3Q2", 2, 4, int((NOW + timedelta(days=7)).timestamp()))
    token = tokens().sign(claim)
    assert "T-8K3Q2" not in token
    assert tokens().verify(token, NOW) == claim
    with pytest.raises(ExpiredSurveyToken):
        tokens().verify(token, NOW + timedelta(days=7))


@pytest.mark.parametrize("mangle", [
    lambda t: t.replace("s1.", "s2.", 1),
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: t.split(".")[0] + "." + t.split(".")[1][::-1] + "." + t.split(".")[2],
    lambda t: "",
    lambda t: "T-8K3Q2",
    lambda t: t + ".x",
])
def test_a_changed_or_forged_link_is_invalid(mangle):
    token = tokens().sign(SurveyClaim("T-8K3Q2", 1, 5, int((NOW + timedelta(days=1)).timestamp())))
    with pytest.raises(InvalidSurveyToken):
        tokens().verify(mangle(token), NOW)


def test_a_link_signed_with_another_key_is_invalid():
    token = tokens("other").sign(SurveyClaim("T-8K3Q2", 1, 5, int((NOW + timedelta(days=1)).timestamp())))
    with pytest.raises(InvalidSurveyToken):
        tokens().verify(token, NOW)


def hours() -> BusinessHours:
    from supportdesk.tickets.settings import load_ticket_settings

    settings = load_ticket_settings({"BUSINESS_HOURS": "09:00-21:00", "HOLIDAY_COUNTRY": "none"})
    return BusinessHours.from_settings(settings)


def test_business_time_counts_only_open_hours():
    shanghai = timezone(timedelta(hours=8))
    start = datetime(2026, 11, 24, 20, 50, tzinfo=shanghai)
    assert open_seconds_between(hours(), start, start + timedelta(minutes=5)) == 300
    # 20:50 -> 09:10 next day: 10 minutes before closing, 10 after opening
    assert open_seconds_between(hours(), start, datetime(2026, 11, 25, 9, 10, tzinfo=shanghai)) == 20 * 60
    # Queued at night, checked before opening: nothing
    night = datetime(2026, 11, 24, 23, 0, tzinfo=shanghai)
    assert open_seconds_between(hours(), night, night + timedelta(hours=9)) == 0


# ---- the SLA job over fakes: both kinds of breach in one mail ----------------------------------------------------

class _SlaStore:
    """The SLA job's part of LifecycleStore in memory: waiting tickets and unanswered claimed tickets."""

    def __init__(self, waiting, unanswered) -> None:
        self._waiting, self._unanswered = list(waiting), list(unanswered)
        self.flagged: list[str] = []
        self.unflagged: list[str] = []

    def waiting(self, queue, limit):
        return self._waiting[:limit]

    def flag_breach(self, ticket, now):
        self.flagged.append(ticket.ticket_id)
        return True

    def unflag_breach(self, ticket):
        self.unflagged.append(ticket.ticket_id)
        return True

    def unanswered(self, queue, before, limit):
        return [t for t in self._unanswered if t.awaiting_since < before][:limit]

    def flag_reply_breach(self, ticket, now):
        self.flagged.append(ticket.ticket_id)
        self._unanswered.remove(ticket)  # a reported wait leaves the index
        return True

    def unflag_reply_breach(self, ticket):
        self.unflagged.append(ticket.ticket_id)
        self._unanswered.append(ticket)
        return True


def _sla_run(store, notifier, now, reply_minutes=30):
    from supportdesk.lifecycle.jobs import escalate_sla

    return escalate_sla(store, notifier, hours(), now, timedelta(minutes=30), ["general"], "leads@example.com", 100,
                        language="en", reply_target=timedelta(minutes=reply_minutes))


@pytest.mark.parametrize("language", ["en", "zh-CN"])
def test_one_mail_lists_waiting_and_unanswered_breaches_with_the_agent(language):
    from supportdesk.lifecycle.jobs import escalate_sla
    from supportdesk.lifecycle.model import LifecycleTicket, UnansweredTicket
    from tests.fakes import FakeNotifier

    # Given one ticket waiting 40 minutes, one claimed ticket unanswered for 45 and one for 10
    waiting = LifecycleTicket("T-WAIT1", "c1", "waiting", "zh-CN", "s", "general", 0, 0, queue_seq=7,
                              queued_at=NOW - timedelta(minutes=40))
    late = UnansweredTicket("T-LATE1", "general", "staff-agent-9", NOW - timedelta(minutes=45))
    fresh = UnansweredTicket("T-FRESH", "general", "staff-agent-9", NOW - timedelta(minutes=10))
    store, notifier = _SlaStore([waiting], [late, fresh]), FakeNotifier()
    # When the SLA job runs
    report = escalate_sla(store, notifier, hours(), NOW, timedelta(minutes=30), ["general"], "leads@example.com", 100,
                          language=language, reply_target=timedelta(minutes=30))
    # Then both breaches are flagged and reported in one mail that names the agent; the fresh wait is not
    assert store.flagged == ["T-WAIT1", "T-LATE1"] and report.done == 2
    assert report.details["new_waiting_breaches"] == 1 and report.details["new_reply_breaches"] == 1
    [mail] = notifier.to("leads@example.com")
    for text in (mail["text"], mail["html"]):
        assert "T-WAIT1" in text and "T-LATE1" in text and "staff-agent-9" in text and "T-FRESH" not in text
        assert "45" in text
    assert "\n" not in mail["subject"] and "1" in mail["subject"]


def test_only_unanswered_breaches_make_a_mail_without_the_waiting_part():
    from supportdesk.lifecycle.model import UnansweredTicket
    from tests.fakes import FakeNotifier

    # Given only a claimed ticket unanswered for 31 minutes
    store = _SlaStore([], [UnansweredTicket("T-LATE1", "general", "a1", NOW - timedelta(minutes=31))])
    notifier = FakeNotifier()
    # When the SLA job runs, Then the mail speaks of that breach only
    report = _sla_run(store, notifier, NOW)
    [mail] = notifier.sent
    assert report.done == 1 and mail["subject"] == "SLA: 1 claimed ticket(s) unanswered longer than 30 minutes"
    assert "waited for a human" not in mail["text"]


def test_a_failed_mail_puts_every_new_breach_back():
    from supportdesk.lifecycle.model import LifecycleTicket, UnansweredTicket

    class Down:
        def send(self, recipient, template, context):
            raise ConnectionError("SES is unreachable")

    # Given a waiting and an unanswered breach, and SES down
    waiting = LifecycleTicket("T-WAIT1", "c1", "waiting", "zh-CN", "s", "general", 0, 0, queue_seq=7,
                              queued_at=NOW - timedelta(minutes=40))
    store = _SlaStore([waiting], [UnansweredTicket("T-LATE1", "general", "a1", NOW - timedelta(minutes=31))])
    # When the SLA job runs, Then both are unflagged for the next run and counted as failed (the alarm)
    report = _sla_run(store, Down(), NOW)
    assert report.failed == 2 and report.done == 0
    assert store.unflagged == ["T-WAIT1", "T-LATE1"]
