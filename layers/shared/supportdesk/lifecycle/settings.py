"""Parameters of the lifecycle schedules and the survey (see supportdesk.settings for how a field is read from its
variable; template.yaml passes the stack parameters of the same names)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping

from supportdesk.errors import ConfigurationError
from supportdesk.hours import DEFAULT_TIMEZONE
from supportdesk.settings import load, require, settings_of, variable


@dataclass(frozen=True)
class LifecycleSettings:
    auto_close_days: int = 7  # resolved and no customer message for this long -> closed
    survey_delay_minutes: int = 60  # resolution -> satisfaction survey
    sla_wait_minutes: int = 30  # business minutes a ticket may wait for a human
    sla_reply_minutes: int = 30  # business minutes a customer of a claimed ticket may wait for the agent's answer
    retention_days: int = 365  # closed this long -> conversation purged, anonymised stub kept
    batch_size: int = 100  # tickets one run handles per job; the rest wait for the next run
    survey_secret_id: str = ""
    survey_base_url: str = ""  # the public API URL that survey links point at (<url>/survey/<token>)
    supervisors_email: str = ""  # where SLA breaches are sent (a distribution list)
    support_contact: str = ""  # named in the account-deleted confirmation
    refund_digest_overdue_hours: int = 12  # refund reviews waiting longer are named in the daily digest
    business_timezone: str = DEFAULT_TIMEZONE  # whose calendar day "once a day" means (the schedules' time zone)

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.type == "int" and getattr(self, f.name) <= 0:
                raise ConfigurationError(f"{variable(f.name)} must be positive")

    def require(self, name: str) -> str:
        return require(self, name)


def load_lifecycle_settings(environ: Mapping[str, str] | None = None) -> LifecycleSettings:
    return load(LifecycleSettings, environ)


def lifecycle_settings() -> LifecycleSettings:
    return settings_of(LifecycleSettings)
