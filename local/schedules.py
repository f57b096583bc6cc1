"""Fire the template's Schedule / ScheduleV2 events (moto stores EventBridge rules and schedules but never fires
them): on demand, and on their schedule while the local stack runs.

Expressions: rate(N minute|minutes|hour|hours|day|days), cron(min hour day-of-month month day-of-week year) with
*, ?, lists, ranges, steps, month/day names and L in day-of-month, and at(yyyy-mm-ddThh:mm:ss). Day-of-week L, #
and W are not computed: such a schedule is fired only on demand (logged at start).
"""

from __future__ import annotations

import calendar
import json
import logging
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from local.lambdas import AsyncOutcome, FunctionHost
from local.template import ACCOUNT_ID, REGION, STACK_NAME, Schedule, Template

log = logging.getLogger("local.schedules")

MONTHS = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}  # AWS numbers Sunday 1


class UnsupportedExpression(ValueError):
    pass


# ---- expressions -----------------------------------------------------------------------------------------------


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """Values a cron field allows; None means any ('*' or '?')."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise UnsupportedExpression(f"{part} is outside {low}-{high}")
        if start <= end:
            values.update(range(start, end + 1, step))
        else:  # wrapping range such as FRI-MON
            values.update(
                v for i, v in enumerate(list(range(start, high + 1)) + list(range(low, end + 1))) if i % step == 0
            )
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    if not text.isdigit():
        raise UnsupportedExpression(f"cannot compute {text!r}")
    return int(text)


class Cron:
    def __init__(self, expression: str) -> None:
        parts = expression.split()
        if len(parts) != 6:
            raise UnsupportedExpression("cron needs 6 fields: minutes hours day-of-month month day-of-week year")
        minute, hour, dom, month, dow, year = parts
        if any(c in dow for c in "L#W") or "W" in dom:
            raise UnsupportedExpression(f"day-of-week {dow!r} / day-of-month {dom!r} is not computed locally")
        self.minutes = _field(minute, 0, 59) or set(range(60))
        self.hours = _field(hour, 0, 23) or set(range(24))
        self.last_day = dom.upper() == "L"
        self.days = None if self.last_day else _field(dom, 1, 31)
        self.months = _field(month, 1, 12, MONTHS)
        self.weekdays = _field(dow, 1, 7, DAYS)
        self.years = _field(year, 1970, 2199)

    def _day_matches(self, day: datetime) -> bool:
        if self.months is not None and day.month not in self.months:
            return False
        if self.years is not None and day.year not in self.years:
            return False
        if self.last_day and day.day != calendar.monthrange(day.year, day.month)[1]:
            return False
        if self.days is not None and day.day not in self.days:
            return False
        aws_weekday = (day.weekday() + 1) % 7 + 1  # Monday=0 in Python -> 2 in AWS
        return self.weekdays is None or aws_weekday in self.weekdays

    def next_after(self, moment: datetime) -> datetime | None:
        """The first matching minute strictly after `moment` (in `moment`'s timezone), within ten years."""
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * 10):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day = (day + timedelta(days=1)).replace(hour=0, minute=0)
        return None


_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")


def next_fire(expression: str, after: datetime, tz: str = "UTC", started: datetime | None = None) -> datetime | None:
    """When a schedule next fires after `after` (aware, returned in UTC); None if never again."""
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        period = timedelta(**{f"{unit}s": amount})
        origin = started or after
        elapsed = (after - origin) // period + 1
        return origin + elapsed * period
    if expression.startswith("cron(") and expression.endswith(")"):
        zone = ZoneInfo(tz)
        found = Cron(expression[5:-1]).next_after(after.astimezone(zone).replace(tzinfo=None))
        return found.replace(tzinfo=zone).astimezone(timezone.utc) if found else None
    if expression.startswith("at(") and expression.endswith(")"):
        moment = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
        return moment if moment > after else None
    raise UnsupportedExpression(f"unknown schedule expression {expression!r}")


# ---- events ----------------------------------------------------------------------------------------------------


def rule_name(schedule: Schedule) -> str:
    return schedule.name or f"{STACK_NAME}-{schedule.function}{schedule.event}"


def scheduled_event(schedule: Schedule, now: datetime | None = None) -> dict:
    """What the function receives: the Input when the template sets one, else the scheduled event (EventBridge rule
    or EventBridge Scheduler)."""
    now = now or datetime.now(timezone.utc)
    if schedule.kind == "ScheduleV2":
        resource = f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{rule_name(schedule)}"
    else:
        resource = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name(schedule)}"
    time_text = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if schedule.input is not None:
        text = schedule.input
        if schedule.kind == "ScheduleV2":  # EventBridge Scheduler's context keywords
            for keyword, value in (
                ("schedule-arn", resource),
                ("scheduled-time", time_text),
                ("execution-id", uuid.uuid4().hex[:16]),
                ("attempt-number", "1"),
            ):
                text = text.replace(f"<aws.scheduler.{keyword}>", value)
        return json.loads(text)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler" if schedule.kind == "ScheduleV2" else "aws.events",
        "account": ACCOUNT_ID,
        "time": time_text,
        "region": REGION,
        "resources": [resource],
        "detail": {},
    }


# ---- the scheduler ---------------------------------------------------------------------------------------------


class Scheduler:
    def __init__(
        self, template: Template, host: FunctionHost, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    ) -> None:
        self.template = template
        self.host = host
        self.clock = clock
        self.schedules = template.schedules()
        self._stop = threading.Event()
        self._wakeup = threading.Event()
        self._thread: threading.Thread | None = None
        self.fired: list[dict] = []

    def find(self, name: str) -> list[Schedule]:
        """Schedules named by function logical ID, event name, or rule/schedule name."""
        return [s for s in self.schedules if name in (s.function, s.event, rule_name(s))]

    def fire(self, schedule: Schedule) -> AsyncOutcome:
        outcome = self.host.invoke_async(schedule.function, scheduled_event(schedule, self.clock()))
        self.fired.append({"function": schedule.function, "event": schedule.event, **outcome.as_dict()})
        return outcome

    def plan(self, after: datetime, started: datetime) -> list[tuple[datetime, Schedule]]:
        plan = []
        for schedule in self.schedules:
            if not schedule.enabled:
                continue
            try:
                when = next_fire(schedule.expression, after, schedule.timezone, started)
            except UnsupportedExpression:
                continue
            if when is not None:
                plan.append((when, schedule))
        return sorted(plan, key=lambda item: item[0])

    def start(self) -> list[str]:
        """Run due schedules in a background thread; returns notes on schedules fired only on demand."""
        notes = []
        for schedule in self.schedules:
            if not schedule.enabled:
                notes.append(f"{schedule.function}.{schedule.event} is disabled in the template: fired only on demand")
                continue
            try:
                next_fire(schedule.expression, self.clock(), schedule.timezone)
            except UnsupportedExpression as error:
                notes.append(
                    f"{schedule.function}.{schedule.event} {schedule.expression}: {error}; fired only on demand"
                )
        for note in notes:
            log.warning(note)
        self._thread = threading.Thread(target=self._run, name="local-scheduler", daemon=True)
        self._thread.start()
        return notes

    def wake(self) -> None:
        """Re-plan now (the stack's clock was moved): what became due fires at once."""
        self._wakeup.set()

    def _run(self) -> None:
        started = self.clock()
        after = started
        while not self._stop.is_set():
            now = self.clock()
            after = min(after, now)  # the clock was set back: plan from the new present
            plan = self.plan(after, started)
            if not plan:
                return
            when = plan[0][0]
            wait = (when - now).total_seconds()
            if wait > 0:
                self._wakeup.wait(min(wait, 60))
                self._wakeup.clear()
                continue  # re-plan: the time may have been reached, or the clock moved
            for due, schedule in plan:
                if due == when:
                    try:
                        self.fire(schedule)
                    except Exception:  # noqa: BLE001 - a broken schedule must not stop the others
                        log.exception("schedule %s.%s failed", schedule.function, schedule.event)
            # A clock moved far ahead fires each due schedule once, not once per period skipped (as EventBridge does
            # not backfill the periods a disabled rule missed).
            after = max(when, self.clock())

    def stop(self) -> None:
        self._stop.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
