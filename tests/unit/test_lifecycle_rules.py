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
