"""Business hours of the human desk: daily hours in Shanghai, Chinese public holidays, configured extra dates."""
import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from supportdesk.errors import ConfigurationError
from supportdesk.tickets.settings import load_ticket_settings as load_settings
from supportdesk.hours import BusinessHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
DESK = BusinessHours(time(9), time(21), SHANGHAI)


def shanghai(year, month, day, hour, minute=0, second=0):
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def utc(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- an ordinary day (Monday 2026-11-23) -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "hour, minute, second, is_open",
    [(8, 59, 59, False), (9, 0, 0, True), (20, 59, 59, True), (21, 0, 0, False)],
)
def test_the_desk_is_open_from_nine_until_nine_shanghai_time(hour, minute, second, is_open):
    # Given the default desk on an ordinary Monday
    # When a customer asks at the given Shanghai time
    # Then the desk is open exactly from 09:00 (inclusive) to 21:00 (exclusive)
    assert DESK.is_open(shanghai(2026, 11, 23, hour, minute, second)) is is_open


def test_the_same_instant_in_another_time_zone_gives_the_same_answer():
    # 01:00 UTC is 09:00 in Shanghai; 00:59 UTC is 08:59
    assert DESK.is_open(utc(2026, 11, 23, 1, 0))
    assert not DESK.is_open(utc(2026, 11, 23, 0, 59))
    assert DESK.is_open(datetime(2026, 11, 23, 3, 0, tzinfo=ZoneInfo("Europe/Berlin")))  # 10:00 Shanghai


def test_a_request_at_23_utc_is_at_seven_in_the_morning_in_shanghai_and_waits_for_nine():
    # Given a request at 23:00 UTC on Monday, i.e. 07:00 Tuesday in Shanghai
    moment = utc(2026, 11, 23, 23, 0)
    # When the desk is asked
    # Then it is closed, has no closing time, and opens at 09:00 Shanghai = 01:00 UTC the same UTC night
    assert not DESK.is_open(moment)
    assert DESK.closes_at(moment) is None
    opening = DESK.next_opening(moment)
    assert opening == utc(2026, 11, 24, 1, 0)
    assert opening.tzinfo == UTC


def test_after_closing_the_next_opening_is_tomorrow_morning():
    assert DESK.next_opening(shanghai(2026, 11, 23, 21, 0)) == shanghai(2026, 11, 24, 9, 0)
    assert DESK.next_opening(shanghai(2026, 11, 23, 8, 30)) == shanghai(2026, 11, 23, 9, 0)


def test_while_open_next_opening_is_the_moment_itself_in_utc_and_closing_is_at_nine_pm():
    # Given an open desk at 10:15 Shanghai
    moment = shanghai(2026, 11, 23, 10, 15)
    # Then next_opening is that instant, expressed in UTC, and the period ends at 21:00 Shanghai
    assert DESK.next_opening(moment) == moment
    assert DESK.next_opening(moment).tzinfo == UTC
    assert DESK.closes_at(moment) == utc(2026, 11, 23, 13, 0)
    assert DESK.closes_at(moment).tzinfo == UTC


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        DESK.is_open(datetime(2026, 11, 23, 10, 0))


# --- Chinese public holidays -------------------------------------------------------------------------------------

@pytest.mark.parametrize("day", range(1, 8))
def test_the_desk_is_closed_for_the_whole_national_day_break(day):
    # Given National Day 2026: the library lists 10-01..03 and 10-05..07; Sunday 10-04 lies between two of them
    moment = shanghai(2026, 10, day, 12, 0)
    # When a customer asks at noon on any day of the break
    # Then the desk is closed
    assert DESK.is_holiday(moment.date())
    assert not DESK.is_open(moment)


def test_after_the_national_day_break_the_desk_reopens_on_october_8():
    # Given the evening before the break
    moment = shanghai(2026, 9, 30, 21, 30)
    # When the next opening is asked / Then it is 09:00 on the first working day after the break
    assert DESK.next_opening(moment) == shanghai(2026, 10, 8, 9, 0)
    assert DESK.is_open(shanghai(2026, 10, 8, 9, 0))


def test_the_spring_festival_2027_closes_the_desk():
    # Given the 2027 Spring Festival days the calendar lists (02-05 eve .. 02-10)
    for day in range(5, 11):
        assert not DESK.is_open(shanghai(2027, 2, day, 12, 0)), day
    # Then the desk opens again on 02-11, and was open on 02-04
    assert DESK.is_open(shanghai(2027, 2, 4, 12, 0))
    assert DESK.next_opening(shanghai(2027, 2, 4, 22, 0)) == shanghai(2027, 2, 11, 9, 0)


def test_an_ordinary_weekend_is_open():
    # The desk works every day; only holidays close it
    assert DESK.is_open(shanghai(2026, 11, 21, 12, 0))  # Saturday
    assert DESK.is_open(shanghai(2026, 11, 22, 12, 0))  # Sunday
    assert not DESK.is_holiday(date(2026, 11, 22))


def test_without_a_holiday_country_only_extra_dates_close_the_desk():
    desk = BusinessHours(time(9), time(21), SHANGHAI, country=None)
    assert desk.is_open(shanghai(2026, 10, 1, 12, 0))


def test_an_unknown_holiday_country_is_a_configuration_error_on_first_use():
    desk = BusinessHours(time(9), time(21), SHANGHAI, country="ZZ")
    with pytest.raises(ConfigurationError, match="HOLIDAY_COUNTRY"):
        desk.is_open(shanghai(2026, 11, 23, 12, 0))


# --- extra closed and open dates ---------------------------------------------------------------------------------

def test_an_extra_closed_date_closes_an_ordinary_day():
    # Given a company event on Wednesday 2026-11-25
    desk = BusinessHours(time(9), time(21), SHANGHAI, extra_closed=frozenset({date(2026, 11, 25)}))
    # Then the desk is closed all that day and reopens on Thursday
    assert desk.is_holiday(date(2026, 11, 25))
    assert not desk.is_open(shanghai(2026, 11, 25, 12, 0))
    assert desk.next_opening(shanghai(2026, 11, 24, 21, 0)) == shanghai(2026, 11, 26, 9, 0)


def test_an_extra_open_date_overrides_a_public_holiday():
    # Given the desk staffed on National Day 2026-10-03
    desk = BusinessHours(time(9), time(21), SHANGHAI, extra_open=frozenset({date(2026, 10, 3)}))
    # Then it is open that day, and the rest of the break stays closed
    assert desk.is_open(shanghai(2026, 10, 3, 12, 0))
    assert not desk.is_open(shanghai(2026, 10, 2, 12, 0))
    assert desk.next_opening(shanghai(2026, 9, 30, 22, 0)) == shanghai(2026, 10, 3, 9, 0)


def test_a_date_cannot_be_both_extra_closed_and_extra_open():
    with pytest.raises(ValueError):
        BusinessHours(extra_closed=frozenset({date(2026, 12, 31)}), extra_open=frozenset({date(2026, 12, 31)}))


# --- open-time arithmetic ----------------------------------------------------------------------------------------

def test_open_time_that_runs_past_closing_continues_at_the_next_opening():
    # Given 20 minutes of work started at 20:50
    # Then 10 minutes are done today and the other 10 after 09:00 tomorrow
    assert DESK.add_open_time(shanghai(2026, 11, 23, 20, 50), 1200) == shanghai(2026, 11, 24, 9, 10)


def test_open_time_skips_a_holiday_break():
    assert DESK.add_open_time(shanghai(2026, 9, 30, 20, 55), 1200) == shanghai(2026, 10, 8, 9, 15)


def test_work_that_would_end_exactly_at_closing_ends_at_the_next_opening():
    assert DESK.add_open_time(shanghai(2026, 11, 23, 20, 0), 3600) == shanghai(2026, 11, 24, 9, 0)


def test_a_desk_open_until_midnight():
    desk = BusinessHours(time(0), time(0), SHANGHAI, country=None)  # 00:00-24:00
    assert desk.is_open(shanghai(2026, 11, 23, 23, 59, 59))
    assert desk.closes_at(shanghai(2026, 11, 23, 12, 0)) == shanghai(2026, 11, 24, 0, 0)
    assert desk.add_open_time(shanghai(2026, 11, 23, 23, 0), 7200) == shanghai(2026, 11, 24, 1, 0)


# --- settings ----------------------------------------------------------------------------------------------------

def test_the_default_settings_give_nine_to_nine_in_shanghai_with_chinese_holidays():
    desk = BusinessHours.from_settings(load_settings({}))
    assert desk == BusinessHours(time(9), time(21), SHANGHAI, "CN")


def test_business_hours_are_read_from_the_environment():
    desk = BusinessHours.from_settings(
        load_settings(
            {
                "BUSINESS_HOURS": "08:30-24:00",
                "BUSINESS_TIMEZONE": "Asia/Hong_Kong",
                "HOLIDAY_COUNTRY": "",
                "EXTRA_HOLIDAYS": "2026-12-24, 2026-12-25",
                "EXTRA_WORKDAYS": "2026-10-01",
            }
        )
    )
    assert (desk.opens, desk.closes) == (time(8, 30), time(0))
    assert desk.timezone == ZoneInfo("Asia/Hong_Kong")
    assert desk.country is None
    assert desk.extra_closed == {date(2026, 12, 24), date(2026, 12, 25)}
    assert desk.extra_open == {date(2026, 10, 1)}


@pytest.mark.parametrize(
    "environ, variable",
    [
        ({"BUSINESS_HOURS": "9-5"}, "BUSINESS_HOURS"),
        ({"BUSINESS_HOURS": "21:00-09:00"}, "BUSINESS_HOURS"),
        ({"BUSINESS_HOURS": "09:00-25:00"}, "BUSINESS_HOURS"),
        ({"BUSINESS_TIMEZONE": "Mars/Olympus_Mons"}, "BUSINESS_TIMEZONE"),
        ({"HOLIDAY_COUNTRY": "China"}, "HOLIDAY_COUNTRY"),
        ({"EXTRA_HOLIDAYS": "2026-13-01"}, "EXTRA_HOLIDAYS"),
        ({"EXTRA_WORKDAYS": "tomorrow"}, "EXTRA_WORKDAYS"),
        ({"EXTRA_HOLIDAYS": "2026-10-08", "EXTRA_WORKDAYS": "2026-10-08"}, "EXTRA_WORKDAYS"),
    ],
)
def test_malformed_business_hour_settings_fail_at_cold_start_naming_the_variable(environ, variable):
    with pytest.raises(ConfigurationError, match=variable):
        load_settings(environ)


def test_importing_business_hours_does_not_import_the_holiday_library():
    # Cold start: `holidays` is imported only when a holiday question is first asked
    probe = (
        "import sys; import supportdesk.hours, supportdesk.tickets.waiting, supportdesk.tickets.settings as s;"
        "s.load_ticket_settings({}); assert 'holidays' not in sys.modules, 'imported at cold start'"
    )
    repo = Path(__file__).resolve().parents[2]
    environ = dict(os.environ, PYTHONPATH=str(repo / "layers" / "shared"))
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environ, timeout=60)
    assert completed.returncode == 0, completed.stderr


def test_holiday_lookups_work_across_year_boundaries():
    # New Year's Day 2027 is closed; 2026-12-31 is open
    assert not DESK.is_open(shanghai(2027, 1, 1, 12, 0))
    assert DESK.next_opening(shanghai(2026, 12, 31, 21, 0)) == shanghai(2027, 1, 2, 9, 0)
    assert DESK.next_opening(shanghai(2026, 12, 31, 21, 0)) - shanghai(2026, 12, 31, 21, 0) == timedelta(hours=36)
