"""Who calls: the three roles of the desk and the one `Caller` every service receives.

The API Gateway authorizer establishes the caller (account id, role, language) from the bearer token; api.caller()
reads it from the request context (never from the request body); services take a Caller and decide from its role.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SUPERVISOR = "supervisor"


STAFF = frozenset({Role.AGENT, Role.SUPERVISOR})
SUPERVISORS = frozenset({Role.SUPERVISOR})
CUSTOMERS = frozenset({Role.CUSTOMER})


@dataclass(frozen=True)
class Caller:
    account_id: str
    role: Role = Role.CUSTOMER
    language: str = "zh-CN"

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))  # a role read from a token or a test arrives as text

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR
