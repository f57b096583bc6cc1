"""Schedules (expressions, next fire time, event shape) and the SES event of the local stack, without sockets."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from local.inbound import NotAnEmail, parse_message, rule_recipients, ses_event
from local.schedules import Cron, UnsupportedExpression, next_fire, scheduled_event
from local.template import ROOT, Schedule, Template
from tests.conftest import load_event

UTC = timezone.utc
MAIL = (ROOT / "tests" / "fixtures" / "mail" / "customer_question.eml").read_bytes()


def shape(value):
    """Nested key sets of a JSON document (lists by their first item), to compare with a real event."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list) and value:
        return [shape(value[0])]
    return type(value).__name__ if value is not None else None


# ---- schedules --------------------------------------------------------------------------------------------------

def test_the_fixture_template_declares_both_kinds_of_schedule():
    schedules = Template(path=ROOT / "tests" / "fixtures" / "template.yaml").schedules()
    assert {(s.kind, s.expression, s.timezone) for s in schedules} == {
        ("Schedule", "rate(5 minutes)", "UTC"), ("ScheduleV2", "cron(0 9 ? * MON-FRI *)", "Asia/Shanghai")}


@pytest.mark.parametrize("expression,after,expected", [
    ("rate(5 minutes)", datetime(2026, 11, 23, 12, 2, tzinfo=UTC), datetime(2026, 11, 23, 12, 7, tzinfo=UTC)),
    ("rate(1 hour)", datetime(2026, 11, 23, 12, 2, tzinfo=UTC), datetime(2026, 11, 23, 13, 2, tzinfo=UTC)),
    ("cron(0/15 * * * ? *)", datetime(2026, 11, 23, 12, 2, tzinfo=UTC), datetime(2026, 11, 23, 12, 15, tzinfo=UTC)),
    ("cron(0 2 L * ? *)", datetime(2026, 11, 23, 12, 2, tzinfo=UTC), datetime(2026, 11, 30, 2, 0, tzinfo=UTC)),
    ("cron(30 1 ? * SUN *)", datetime(2026, 11, 23, 12, 2, tzinfo=UTC), datetime(2026, 11, 29, 1, 30, tzinfo=UTC)),
    ("cron(0 0 1 JAN ? *)", datetime(2026, 11, 23, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
    ("cron(0 12 * * ? 2025)", datetime(2026, 11, 23, tzinfo=UTC), None),
])
def test_next_fire_time(expression, after, expected):
    assert next_fire(expression, after) == expected


def test_cron_in_a_time_zone():
    # 09:00 on weekdays in Shanghai is 01:00 UTC; Monday 23 Nov 2026 01:00 UTC has passed at 12:00 UTC.
    after = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert next_fire("cron(0 9 ? * MON-FRI *)", after, "Asia/Shanghai") == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    friday_evening = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert next_fire("cron(0 9 ? * MON-FRI *)", friday_evening, "Asia/Shanghai") == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def test_a_rate_keeps_its_phase_from_the_start():
    started = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert next_fire("rate(10 minutes)", datetime(2026, 11, 23, 12, 10, tzinfo=UTC), started=started) == \
        datetime(2026, 11, 23, 12, 20, tzinfo=UTC)


@pytest.mark.parametrize("expression", ["0 9 ? * MON#2 *", "0 9 ? * 6L *", "0 9 15W * ? *", "0 9 * *"])
def test_cron_features_not_computed_locally_are_refused(expression):
    with pytest.raises(UnsupportedExpression):
        Cron(expression)


def test_the_scheduled_event_has_eventbridges_shape():
    schedule = Schedule("TickFunction", "Every5Minutes", "Schedule", "rate(5 minutes)")
    event = scheduled_event(schedule, datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    assert shape(event) == shape(load_event("schedule_eventbridge_rule.json"))
    assert event["time"] == "2026-11-23T09:00:00Z" and event["detail-type"] == "Scheduled Event"
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/support-desk-local-TickFunctionEvery5Minutes"]


def test_a_schedule_with_input_delivers_the_input_with_scheduler_keywords():
    schedule = Schedule("TickFunction", "Daily", "ScheduleV2", "rate(1 day)",
                        input='{"report": "daily", "at": "<aws.scheduler.scheduled-time>"}')
    assert scheduled_event(schedule, datetime(2026, 11, 23, 1, 0, tzinfo=UTC)) == {"report": "daily", "at": "2026-11-23T01:00:00Z"}


# ---- inbound mail -------------------------------------------------------------------------------------------------

def test_the_ses_event_has_the_shape_ses_gives_lambda():
    message = parse_message(MAIL)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:InboundMailFunction"
    event = ses_event(message, "a" * 40, ["support@example.com"], arn, datetime(2026, 11, 23, 9, 15, 2, tzinfo=UTC))
    sample = load_event("ses_inbound_email.json")
    assert shape(event) == shape(sample)
    record = event["Records"][0]
    assert record["eventSource"] == "aws:ses" and record["eventVersion"] == "1.0"
    mail = record["ses"]["mail"]
    assert mail["source"] == "li.wei@example.net" and mail["destination"] == ["support@example.com"]
    assert mail["commonHeaders"]["subject"] == "Where is my order ord_demo1_1002?"
    assert mail["commonHeaders"]["messageId"] == "<CAE7kd2x9f@mail.example.net>"
    assert mail["timestamp"] == "2026-11-23T09:15:02.000Z"
    assert record["ses"]["receipt"]["action"] == {"type": "Lambda", "functionArn": arn, "invocationType": "Event"}


@pytest.mark.parametrize("raw", [b"", b"   ", b"just some text", b'{"subject": "json is not mail"}',
                                 b"To: support@example.com\n\nno sender", b"From: someone@example.net\n\nno recipient"])
def test_bodies_that_are_not_messages_are_refused(raw):
    with pytest.raises(NotAnEmail):
        parse_message(raw)


@pytest.mark.parametrize("recipients,destinations,expected", [
    ([], ["a@example.com"], ["a@example.com"]),
    (["support@example.com"], ["Support@Example.com", "x@example.com"], ["Support@Example.com"]),
    (["example.com"], ["a@example.com", "b@other.com"], ["a@example.com"]),
    ([".example.com"], ["a@mail.example.com"], ["a@mail.example.com"]),
])
def test_receipt_rule_recipients(recipients, destinations, expected):
    assert rule_recipients({"Recipients": recipients}, destinations) == expected


# ---- the scheduler loop -------------------------------------------------------------------------------------------

class SteppingClock:
    """Moves ten minutes every time it is read, so the scheduler never has to wait."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        from datetime import timedelta

        self.now += timedelta(minutes=10)
        return self.now


class RecordingHost:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.scheduler = None

    def invoke_async(self, function: str, event: dict):
        from local.lambdas import AsyncOutcome

        self.calls.append((function, event))
        if len(self.calls) == 3:
            self.scheduler._stop.set()
        return AsyncOutcome(function, "req", 1, True)


def test_the_scheduler_fires_due_schedules_and_reports_those_it_cannot_compute():
    from local.schedules import Scheduler

    template = Template(path=ROOT / "tests" / "fixtures" / "template.yaml")
    host = RecordingHost()
    scheduler = Scheduler(template, host, clock=SteppingClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC)))
    host.scheduler = scheduler
    scheduler.schedules.append(Schedule("TickFunction", "SecondMonday", "Schedule", "cron(0 9 ? * MON#2 *)"))
    notes = scheduler.start()
    scheduler._thread.join(timeout=10)
    assert notes == ["TickFunction.SecondMonday cron(0 9 ? * MON#2 *): day-of-week 'MON#2' / day-of-month '?' "
                     "is not computed locally; fired only on demand"]
    assert [f for f, _ in host.calls] == ["TickFunction"] * 3
    assert all(e["detail-type"] == "Scheduled Event" for _, e in host.calls)  # the rate(5 minutes) one
    assert len(scheduler.fired) == 3


def test_a_clock_moved_a_week_ahead_fires_each_due_schedule_once_and_the_scheduler_wakes_for_it():
    import threading
    from datetime import timedelta

    from local.schedules import Scheduler
    from supportdesk.clock import AdjustableClock

    template = Template(path=ROOT / "tests" / "fixtures" / "template.yaml")
    clock = AdjustableClock()
    fired = threading.Event()

    class Host:
        calls: list = []

        def invoke_async(self, function, event):
            from local.lambdas import AsyncOutcome

            self.calls.append(function)
            fired.set()
            return AsyncOutcome(function, "req", 1, True)

    host = Host()
    scheduler = Scheduler(template, host, clock=clock.now)
    scheduler.schedules = [s for s in scheduler.schedules if s.expression.startswith("rate(")][:1]
    clock.subscribe(scheduler.wake)
    scheduler.start()
    try:
        clock.advance(timedelta(days=7))  # 2016 periods of 5 minutes skipped
        assert fired.wait(5), "moving the clock woke the scheduler"
        import time

        time.sleep(0.3)
        assert len(host.calls) == 1
    finally:
        scheduler.stop()


def test_the_adjustable_clock_keeps_running_from_where_it_is_put():
    from datetime import datetime, timedelta, timezone

    from supportdesk.clock import AdjustableClock

    wall = [datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)]
    clock = AdjustableClock(lambda: wall[0])
    heard = []
    clock.subscribe(lambda: heard.append(clock.now()))
    clock.set(datetime.fromisoformat("2026-11-24T10:00:00+08:00"))
    wall[0] += timedelta(seconds=30)
    assert clock.now() == datetime(2026, 11, 24, 2, 0, 30, tzinfo=timezone.utc)
    assert clock.advance(timedelta(days=7)) == datetime(2026, 12, 1, 2, 0, 30, tzinfo=timezone.utc)
    assert clock.reset() == wall[0] and clock.offset == timedelta(0)
    assert len(heard) == 3
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 11, 24, 10, 0))


@pytest.mark.parametrize("text, expected", [("7d", {"days": 7}), ("90m", {"minutes": 90}), ("1d12h", {"days": 1, "hours": 12}),
                                            ("30s", {"seconds": 30})])
def test_clock_durations(text, expected):
    from datetime import timedelta

    from local.devroutes import parse_duration

    assert parse_duration(text) == timedelta(**expected)


@pytest.mark.parametrize("text", ["", "7", "d", "7x", "-1d", "1d 2"])
def test_clock_durations_refuse_anything_else(text):
    from local.devroutes import parse_duration

    with pytest.raises(ValueError):
        parse_duration(text)
