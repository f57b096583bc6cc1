"""Parameters of the lifecycle schedules, read once per cold start from the function's environment (template.yaml
passes the stack parameters of the same names). Kept beside the jobs so the shared settings module never imports a
domain."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Mapping

from supportdesk.runtime import component
from supportdesk.settings import ConfigurationError


@dataclass(frozen=True)
class LifecycleSettings:
    auto_close_days: int = 7  # resolved and no customer message for this long -> closed
    survey_delay_minutes: int = 60  # resolution -> satisfaction survey
    survey_link_days: int = 7  # a survey link works this long (the rating window of a resolution)
    sla_wait_minutes: int = 30  # business minutes a ticket may wait for a human
    retention_days: int = 365  # closed this long -> messages purged, anonymised stub kept
    audit_retention_days: int = 1095  # staff audit entries expire (TTL) after this long
    batch_size: int = 100  # tickets one run handles per job; the rest wait for the next run
    survey_secret_id: str = ""
    survey_base_url: str = ""  # the public API URL that survey links point at (…/survey/<token>)
    supervisors_email: str = ""  # where SLA breaches are sent (a distribution list)

    def require(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            raise ConfigurationError(f"setting {name} ({name.upper()}) is not configured for this function")
        return value


def load_lifecycle_settings(environ: Mapping[str, str] | None = None) -> LifecycleSettings:
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(LifecycleSettings):
        raw = env.get(f.name.upper())
        if raw in (None, ""):
            continue
        if f.type == "int":
            try:
                values[f.name] = int(raw)
            except ValueError as exc:
                raise ConfigurationError(f"{f.name.upper()} must be an integer, got {raw!r}") from exc
            if values[f.name] <= 0:
                raise ConfigurationError(f"{f.name.upper()} must be positive, got {raw!r}")
        else:
            values[f.name] = raw
    return LifecycleSettings(**values)


@component  # once per container; reset_runtime() forgets it with the other adapters
def lifecycle_settings() -> LifecycleSettings:
    return load_lifecycle_settings()
