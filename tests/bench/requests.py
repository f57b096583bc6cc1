"""DynamoDB round trips and Python memory peak of each API request, on moto in-process with the template's tables.

Each scenario performs one request through the real Lambda handler (and, for protected routes, the authorizer
first, as API Gateway does). Calls are counted at botocore's single choke point, so every path (pynamodb, boto3)
is seen. A Scan anywhere is reported as a budget failure."""
from __future__ import annotations

import tracemalloc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import botocore.client

_calls: Counter = Counter()
_original = botocore.client.BaseClient._make_api_call


def _counting(self, operation_name, api_params):  # noqa: ANN001
    if self.meta.service_model.service_name == "dynamodb":
        _calls[operation_name] += 1
    return _original(self, operation_name, api_params)


@contextmanager
def counting() -> Iterator[Counter]:
    _calls.clear()
    botocore.client.BaseClient._make_api_call = _counting
    try:
        yield _calls
    finally:
        botocore.client.BaseClient._make_api_call = _original


@dataclass
class Measurement:
    name: str
    calls: dict[str, int]
    status: int
    peak_kib: float

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def measure(name: str, request: Callable[[], int]) -> Measurement:
    tracemalloc.start()
    with counting() as calls:
        status = request()
        snapshot = dict(calls)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measurement(name, snapshot, status, peak / 1024)
