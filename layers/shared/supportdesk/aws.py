"""Lazily created boto3 clients, one per service per container. boto3 is imported on first use, not at cold start."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from supportdesk.settings import container_key


def client(service: str) -> Any:
    return _client(service, container_key())


@lru_cache(maxsize=None)
def _client(service: str, container: str) -> Any:
    import boto3  # deferred: ~0.2 s that only the functions calling AWS beyond DynamoDB pay, and only once

    return boto3.session.Session().client(service)


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints and credentials)."""
    _client.cache_clear()
