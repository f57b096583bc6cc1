"""GET /support/contact's content without AWS: channels from deployment parameters, open now or the next opening
(holidays included), the holiday notice and the current wait estimate, from a fake queue-stats reader."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from supportdesk.clock import FixedClock
from supportdesk.help.contact import Channels, ContactDesk
from supportdesk.hours import BusinessHours
from supportdesk.tickets.queue import QueueStats
from supportdesk.tickets.waiting import estimate_wait

CHANNELS = Channels(chat_url="https://shop.example.com/chat", phone="400-000-0000", email="help@example.com",
                    wechat="ExampleShop", weibo="@ExampleShop")


class FakeQueueStats:
    def __init__(self, stats: QueueStats) -> None:
        self.value = stats
        self.asked: list[str] = []

    def stats(self, queue: str) -> QueueStats:
        self.asked.append(queue)
        return self.value


def desk_at(moment: datetime, channels: Channels = CHANNELS, waiting: int = 4, agents: int = 2) -> ContactDesk:
    stats = FakeQueueStats(QueueStats("general", waiting=waiting, agents_online=agents, avg_handle_seconds=300.0))
    return ContactDesk(channels, BusinessHours(), stats, FixedClock(moment), estimate_wait)


def test_open_desk_lists_every_channel_and_the_current_wait():
    # Given Tuesday 24 Nov 2026, 10:00 in Shanghai, 4 customers waiting and 2 agents online
    view = desk_at(datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)).contact("zh-CN")
    assert [c["channel"] for c in view["channels"]] == ["online_chat", "phone", "email", "wechat", "weibo", "app"]
    assert view["channels"][1] == {"channel": "phone", "name": "客服电话", "address": "400-000-0000"}
    assert view["channels"][-1]["address"] == "App「我的」→「客服中心」"
    assert view["open_now"] is True and view["next_open_at"] is None and view["closes_at"] == "2026-11-24T13:00:00Z"
    assert view["service_hours"] == {"opens": "09:00", "closes": "21:00", "timezone": "Asia/Shanghai",
                                     "text": "人工客服每天 09:00-21:00(Asia/Shanghai)"}
    assert view["holiday_notice"] is None
    # a newcomer is 5th: 4 ahead, 2 agents, 300 s each -> 600 s
    assert view["human_wait"] == {"estimated_seconds": 600, "waiting": 4, "agents_online": 2}


def test_closed_at_night_gives_the_next_opening_and_the_wait_counts_from_it():
    view = desk_at(datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc), waiting=0).contact("en")  # 22:00 Shanghai
    assert view["open_now"] is False and view["closes_at"] is None
    assert view["next_open_at"] == "2026-11-25T01:00:00Z"
    assert view["human_wait"]["estimated_seconds"] == 11 * 3600  # until 09:00
    assert view["channels"][0]["name"] == "Live chat"


@pytest.mark.parametrize(("language", "name"), [("zh-CN", "国庆节"), ("en", "National Day")])
def test_a_public_holiday_closes_the_desk_with_a_notice_naming_it_and_the_reopening(language, name):
    # Given 1 October 2026 (National Day), 10:00 in Shanghai; the break ends on Wednesday 7 October
    view = desk_at(datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc)).contact(language)
    assert view["open_now"] is False
    assert view["next_open_at"] == "2026-10-08T01:00:00Z"
    assert name in view["holiday_notice"] and "2026-10-08 09:00" in view["holiday_notice"]


def test_an_extra_closed_date_gets_a_notice_without_a_holiday_name():
    hours = BusinessHours(country=None, extra_closed=frozenset({datetime(2026, 12, 31).date()}))
    stats = FakeQueueStats(QueueStats("general"))
    desk = ContactDesk(CHANNELS, hours, stats, FixedClock(datetime(2026, 12, 31, 2, 0, tzinfo=timezone.utc)),
                       estimate_wait)
    view = desk.contact("zh-CN")
    assert view["holiday_notice"].startswith("今天人工客服休息") and "2027-01-01 09:00" in view["holiday_notice"]
    assert stats.asked == ["general"]  # one read of the queue's stats, nothing else


def test_a_channel_without_an_address_is_not_offered():
    view = desk_at(datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc), Channels(email="help@example.com")).contact("en")
    assert [c["channel"] for c in view["channels"]] == ["email", "app"]
