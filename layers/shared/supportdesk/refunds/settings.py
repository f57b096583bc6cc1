"""The settings of refunds and disputes (see supportdesk.settings for how a field is read from its variable).
Table names live in the shared Settings (the PynamoDB models resolve them there)."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.errors import ConfigurationError
from supportdesk.settings import require, settings_of

PROVIDERS = ("stripe", "simulator")


@dataclass(frozen=True)
class RefundSettings:
    evidence_bucket: str = ""
    mail_bucket: str = ""  # a dispute's ticket's files (supportdesk.inbound.attachments) count as its evidence
    refund_review_state_machine_arn: str = ""
    auto_approve_limit_cents: int = 20000  # ¥200
    four_eyes_limit_cents: int = 200000  # ¥2,000
    review_sla_seconds: int = 86400
    payment_provider: str = "stripe"  # stripe | simulator
    stripe_secret_id: str = ""
    refund_reviewers_email: str = ""
    refund_supervisors_email: str = ""

    def __post_init__(self) -> None:
        if self.payment_provider not in PROVIDERS:
            raise ConfigurationError("PAYMENT_PROVIDER must be stripe or simulator")
        if not 0 <= self.auto_approve_limit_cents <= self.four_eyes_limit_cents:
            raise ConfigurationError("AUTO_APPROVE_LIMIT_CENTS must be between 0 and FOUR_EYES_LIMIT_CENTS")
        if self.review_sla_seconds < 1:
            raise ConfigurationError("REVIEW_SLA_SECONDS must be at least 1")

    def require(self, name: str) -> str:
        return require(self, name)


def refund_settings() -> RefundSettings:
    return settings_of(RefundSettings)
