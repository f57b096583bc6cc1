"""The ticket operation's settings (see supportdesk.settings for how a field is read from its variable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from supportdesk.hours import DEFAULT_COUNTRY, DEFAULT_HOURS, DEFAULT_TIMEZONE, BusinessHours
from supportdesk.settings import load, require, settings_of


@dataclass(frozen=True)
class TicketSettings:
    # Business hours of the human desk: daily hours, their time zone, the holiday calendar (ISO country code of the
    # `holidays` library; set but empty, or "none" = no public holidays) and extra dates
    business_hours: str = DEFAULT_HOURS
    business_timezone: str = DEFAULT_TIMEZONE
    holiday_country: str = field(default=DEFAULT_COUNTRY, metadata={"if_empty": ""})
    extra_holidays: str = ""  # comma-separated ISO dates on which the desk stays closed
    extra_workdays: str = ""  # comma-separated ISO dates on which the desk opens even on a holiday
    # Inbound mail (tickets by e-mail): the bucket SES stores raw messages in, and where customers write to open or
    # answer a ticket by e-mail (the SES receipt rule's recipient)
    mail_bucket: str = ""
    support_inbox: str = ""
    # Staff audit entries expire (DynamoDB TTL on expires_at) this many days after the look
    audit_retention_days: int = 1095

    def __post_init__(self) -> None:
        if self.holiday_country.strip().lower() == "none":
            object.__setattr__(self, "holiday_country", "")
        BusinessHours.from_settings(self)  # raises ConfigurationError naming the malformed variable

    def require(self, name: str) -> str:
        return require(self, name)


def load_ticket_settings(environ: Mapping[str, str] | None = None) -> TicketSettings:
    return load(TicketSettings, environ)


def ticket_settings() -> TicketSettings:
    return settings_of(TicketSettings)
