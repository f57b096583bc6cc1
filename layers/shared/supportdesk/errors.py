"""Typed domain errors. Each carries a stable machine-readable code; api.py is the one place that turns them
into HTTP responses, with the message for the code looked up in i18n (zh-CN and en)."""

from __future__ import annotations

from typing import Any


class ConfigurationError(RuntimeError):
    """A required environment variable is missing or malformed (a deployment bug, never the caller's fault): not a
    DomainError, so it reaches the one 500 path of api.py and fails the cold start loudly."""


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, code: str | None = None, *, details: dict[str, Any] | None = None, **params: Any) -> None:
        self.code = code or type(self).code
        self.details = details or {}
        # Values interpolated into the localized message (never secrets: they may reach the caller).
        self.params = params
        super().__init__(self.code)


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, code: str | None = None, **kwargs: Any) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(code, **kwargs)
