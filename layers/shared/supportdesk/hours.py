"""Business hours of the human desk: when agents answer tickets, and open-time arithmetic across closed periods.

The desk opens every day from `opens` to `closes` (wall-clock time in `timezone`; default 09:00-21:00 Asia/Shanghai,
the DEFAULT_* values below, which the ticket settings use too),
except on closed days:

- the public holidays of `country` from the `holidays` library (for CN these include the official substitute days
  off, "调休"), plus weekend days sandwiched between two holidays (the library lists only the weekdays of a break:
  for National Day 2026 it lists 10-01..03 and 10-05..07 but not Sunday 10-04, which is part of the break);
  a break that begins or ends on a weekend day the library does not list (Spring Festival 2026 began on Sunday
  02-15) needs that day in `extra_closed`;
- `extra_closed` dates (EXTRA_HOLIDAYS);
- but never `extra_open` dates (EXTRA_WORKDAYS), which override both of the above.

`closes` may be midnight ("24:00" or "00:00" in BUSINESS_HOURS) for a desk that works until the end of the day;
periods that cross midnight are not supported. `holidays` is imported on first use and its calendar is cached per
country and year, because importing it costs a noticeable part of a cold start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from datetime import timezone as _timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from supportdesk.errors import ConfigurationError

UTC = _timezone.utc
MIDNIGHT = time(0)
# The one place of the desk's defaults (BusinessHours() and the BUSINESS_* settings both start from these).
DEFAULT_OPENS = time(9)
DEFAULT_CLOSES = time(21)
DEFAULT_HOURS = f"{DEFAULT_OPENS:%H:%M}-{DEFAULT_CLOSES:%H:%M}"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_COUNTRY = "CN"
_SEARCH_DAYS = 2 * 366  # a desk closed for two years in a row is a configuration error, not a wait
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class BusinessHours:
    opens: time = DEFAULT_OPENS
    closes: time = DEFAULT_CLOSES  # midnight = until the end of the day
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    country: str | None = DEFAULT_COUNTRY
    extra_closed: frozenset[date] = frozenset()
    extra_open: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening and closing times are wall-clock times without a time zone")
        if self.closes != MIDNIGHT and self.closes <= self.opens:
            raise ValueError("the desk must close after it opens on the same day")
        both = self.extra_closed & self.extra_open
        if both:
            raise ValueError(f"dates cannot be both closed and open: {sorted(both)}")
        object.__setattr__(self, "country", (self.country or "").strip().upper() or None)
        object.__setattr__(self, "extra_closed", frozenset(self.extra_closed))
        object.__setattr__(self, "extra_open", frozenset(self.extra_open))

    # --- queries --------------------------------------------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        """True when the desk stays closed all of `day` (a local calendar date)."""
        if day in self.extra_open:
            return False
        if day in self.extra_closed:
            return True
        return bool(self.country) and day in _public_closed_days(self.country, day.year)

    def is_open(self, moment: datetime) -> bool:
        instant = _utc(moment)
        period = self._period(instant.astimezone(self.timezone).date())
        return period is not None and period[0] <= instant < period[1]

    def closes_at(self, moment: datetime) -> datetime | None:
        """End of the open period `moment` falls in (UTC), or None when the desk is closed at `moment`."""
        instant = _utc(moment)
        period = self._period(instant.astimezone(self.timezone).date())
        if period is not None and period[0] <= instant < period[1]:
            return period[1]
        return None

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself (in UTC) when the desk is open then, otherwise the start of the next open period."""
        instant = _utc(moment)
        day = instant.astimezone(self.timezone).date()
        for offset in range(_SEARCH_DAYS):
            period = self._period(day + timedelta(days=offset))
            if period is None or period[1] <= instant:
                continue
            return max(period[0], instant)
        raise ConfigurationError(f"the desk has no open day within {_SEARCH_DAYS} days of {instant.date()}")

    def add_open_time(self, moment: datetime, seconds: float) -> datetime:
        """The moment (UTC) after `seconds` of open time counted from `moment`, skipping closed periods.

        Work that would end exactly at closing time ends at the next opening instead: nobody picks up a ticket as
        the desk closes.
        """
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        start = self.next_opening(moment)
        remaining = timedelta(seconds=seconds)
        while True:
            end = self.closes_at(start)
            assert end is not None  # next_opening returns an open moment
            if start + remaining < end:
                return start + remaining
            remaining -= end - start
            start = self.next_opening(end)

    def _period(self, day: date) -> tuple[datetime, datetime] | None:
        """The open period of a local calendar day as UTC instants, or None on a closed day."""
        if self.is_holiday(day):
            return None
        start = datetime.combine(day, self.opens, tzinfo=self.timezone)
        end_day = day + timedelta(days=1) if self.closes == MIDNIGHT else day
        end = datetime.combine(end_day, self.closes, tzinfo=self.timezone)
        return start.astimezone(UTC), end.astimezone(UTC)

    # --- configuration --------------------------------------------------------------------------------------------

    @classmethod
    def from_settings(cls, settings) -> "BusinessHours":
        """Business hours from BUSINESS_HOURS, BUSINESS_TIMEZONE, HOLIDAY_COUNTRY, EXTRA_HOLIDAYS, EXTRA_WORKDAYS."""
        opens, closes = parse_opening_hours(settings.business_hours)
        try:
            zone = ZoneInfo(settings.business_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(
                f"BUSINESS_TIMEZONE must be an IANA time zone such as Asia/Shanghai, got {settings.business_timezone!r}"
            ) from exc
        country = (settings.holiday_country or "").strip().upper() or None
        if country is not None and not _COUNTRY.match(country):
            raise ConfigurationError(
                f"HOLIDAY_COUNTRY must be an ISO 3166 two-letter code such as CN (or empty), got {country!r}"
            )
        extra_closed = parse_dates(settings.extra_holidays, "EXTRA_HOLIDAYS")
        extra_open = parse_dates(settings.extra_workdays, "EXTRA_WORKDAYS")
        both = extra_closed & extra_open
        if both:
            listed = ", ".join(day.isoformat() for day in sorted(both))
            raise ConfigurationError(f"EXTRA_HOLIDAYS and EXTRA_WORKDAYS both list {listed}")
        return cls(opens, closes, zone, country, extra_closed, extra_open)


def parse_opening_hours(text: str) -> tuple[time, time]:
    """ "09:00-21:00" -> (09:00, 21:00); a closing time of "24:00" or "00:00" means midnight at the end of the day."""
    match = _HOURS.match(text or "")
    problem = f"BUSINESS_HOURS must look like 09:00-21:00 (opening before closing, same day), got {text!r}"
    if not match:
        raise ConfigurationError(problem)
    open_hour, open_minute, close_hour, close_minute = (int(part) for part in match.groups())
    if (
        open_hour > 23
        or open_minute > 59
        or close_minute > 59
        or close_hour > 24
        or (close_hour == 24 and close_minute)
    ):
        raise ConfigurationError(problem)
    opens = time(open_hour, open_minute)
    closes = MIDNIGHT if close_hour == 24 else time(close_hour, close_minute)
    if closes != MIDNIGHT and closes <= opens:
        raise ConfigurationError(problem)
    return opens, closes


def parse_dates(text: str, variable: str) -> frozenset[date]:
    """Comma-separated ISO dates ("2026-10-08,2026-12-31"); empty means none."""
    days = set()
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            days.add(date.fromisoformat(item))
        except ValueError as exc:
            raise ConfigurationError(f"{variable} must list ISO dates such as 2026-10-08, got {item!r}") from exc
    return frozenset(days)


@lru_cache(maxsize=32)
def _public_closed_days(country: str, year: int) -> frozenset[date]:
    """Public holidays of `country` in `year`, with weekend days between two holidays filled in."""
    import holidays  # slow to import; only needed once a desk question is asked

    try:
        calendar = holidays.country_holidays(country, years=(year - 1, year, year + 1))
    except NotImplementedError as exc:
        raise ConfigurationError(f"HOLIDAY_COUNTRY {country!r} has no holiday calendar") from exc
    listed = set(calendar.keys())
    closed = set(listed)
    for day in listed:
        for gap in (1, 2):
            between = [day + timedelta(days=step) for step in range(1, gap + 1)]
            if day + timedelta(days=gap + 1) in listed and all(
                other not in listed and other.weekday() >= 5 for other in between
            ):
                closed.update(between)
    return frozenset(day for day in closed if day.year == year)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business hours need an aware datetime")
    return moment.astimezone(UTC)


__all__ = [
    "DEFAULT_COUNTRY",
    "DEFAULT_HOURS",
    "DEFAULT_TIMEZONE",
    "BusinessHours",
    "parse_dates",
    "parse_opening_hours",
]
