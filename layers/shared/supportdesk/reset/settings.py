"""The password reset's settings (see supportdesk.settings for how a field is read from its variable)."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.settings import require, settings_of


@dataclass(frozen=True)
class ResetSettings:
    reset_code_secret_id: str = ""  # the HMAC key for codes (Secrets Manager)
    reset_response_floor_ms: int = 1500  # the constant response time of a code request
    support_contact: str = ""  # named in the password-changed notice

    def require(self, name: str) -> str:
        return require(self, name)


def reset_settings() -> ResetSettings:
    return settings_of(ResetSettings)
