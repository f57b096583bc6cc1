"""DynamoDB round trips and Python memory peak of each API request, on moto in-process with the template's tables.

Each scenario performs one request through the real Lambda handler; for protected routes the authorizer has already
run (it is measured as its own row). A Scan anywhere is reported as a budget failure."""
from __future__ import annotations

import tracemalloc
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from tests.dynamodb_calls import dynamodb_calls


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
    with dynamodb_calls() as calls:
        status = request()
    snapshot = dict(Counter(calls))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measurement(name, snapshot, status, peak / 1024)
