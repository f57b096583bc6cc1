"""GET /support/contact: how to reach the desk, when it is open and how long a human takes right now.

Everything but the wait comes from deployment parameters and the business-hours calendar (no I/O); the wait is the
same estimate a customer joining the human queue would get now (position = waiting + 1), from the queue's stats
item: the route's only DynamoDB call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol

from supportdesk import i18n
from supportdesk.hours import MIDNIGHT, BusinessHours


@dataclass(frozen=True)
class Channels:
    """Addresses and handles of each channel (deployment parameters); an empty one is not offered."""

    chat_url: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    weibo: str = ""

    @classmethod
    def from_settings(cls, contact, tickets) -> "Channels":
        """From ContactSettings and, for the e-mail address, the ticket desk's SUPPORT_INBOX (TicketSettings)."""
        return cls(
            contact.support_chat_url,
            contact.support_phone,
            tickets.support_inbox,
            contact.wechat_account,
            contact.weibo_account,
        )


class QueueStatsReader(Protocol):
    """The part of the ticket desk's QueueStore this route needs (supportdesk.tickets.queue_repository)."""

    def stats(self, queue: str):  # -> supportdesk.tickets.queue.QueueStats (waiting, agents_online, handle_seconds)
        ...


class ContactDesk:
    def __init__(
        self,
        channels: Channels,
        hours: BusinessHours,
        queue_stats: QueueStatsReader,
        clock,
        estimate: Callable,
        queue: str = "general",
    ) -> None:
        self.channels = channels
        self.hours = hours
        self.queue_stats = queue_stats
        self.clock = clock
        self.estimate = estimate
        self.queue = queue

    def contact(self, language: str) -> dict:
        now = self.clock.now()
        hours = self.hours
        open_now = hours.is_open(now)
        local_today = now.astimezone(hours.timezone).date()
        stats = self.queue_stats.stats(self.queue)
        wait = self.estimate(stats.waiting + 1, stats.handle_seconds, stats.agents_online, now, hours)
        next_open = None if open_now else hours.next_opening(now)
        opens = hours.opens.strftime("%H:%M")
        closes = "24:00" if hours.closes == MIDNIGHT else hours.closes.strftime("%H:%M")
        notice = None
        if hours.is_holiday(local_today):
            name = holiday_name(hours, local_today, language)
            reopens = _local(next_open or hours.next_opening(now), hours)
            key = "help_holiday_notice" if name else "help_closed_day_notice"
            notice = i18n.message(key, language, name=name or "", reopens=reopens)
        return {
            "language": language,
            "channels": self._channels(language),
            "service_hours": {
                "opens": opens,
                "closes": closes,
                "timezone": hours.timezone.key,
                "text": i18n.message(
                    "help_service_hours", language, opens=opens, closes=closes, timezone=hours.timezone.key
                ),
            },
            "open_now": open_now,
            "closes_at": _iso(hours.closes_at(now)) if open_now else None,
            "next_open_at": _iso(next_open),
            "holiday_notice": notice,
            "human_wait": {
                "estimated_seconds": wait.seconds,
                "waiting": stats.waiting,
                "agents_online": stats.agents_online,
            },
            "as_of": _iso(now),
        }

    def _channels(self, language: str) -> list[dict]:
        c = self.channels
        listed = [
            ("online_chat", c.chat_url),
            ("phone", c.phone),
            ("email", c.email),
            ("wechat", c.wechat),
            ("weibo", c.weibo),
            ("app", i18n.message("help_channel_app_path", language)),
        ]
        return [
            {"channel": channel, "name": i18n.message(f"help_channel_{channel}", language), "address": address}
            for channel, address in listed
            if address
        ]


def holiday_name(hours: BusinessHours, day, language: str) -> str | None:
    """The public holiday's name in `language`, or None (an extra closed date, or no calendar)."""
    if not hours.country or day in hours.extra_closed:
        return None
    import holidays  # already loaded by BusinessHours when it decided the day is closed

    try:
        calendar = holidays.country_holidays(
            hours.country, years=day.year, language="zh_CN" if language == "zh-CN" else "en_US"
        )
    except (NotImplementedError, ValueError):
        return None
    name = calendar.get(day)
    return str(name).split(";")[0].strip() if name else None


def _local(moment: datetime, hours: BusinessHours) -> str:
    return moment.astimezone(hours.timezone).strftime("%Y-%m-%d %H:%M")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


__all__ = ["Channels", "ContactDesk", "QueueStatsReader", "holiday_name"]
