"""Count DynamoDB API calls at botocore's single choke point, so pynamodb's and boto3's calls are both seen. Used
by the tests that pin call counts and by `make bench`."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


@contextmanager
def dynamodb_calls(with_tables: bool = False) -> Iterator[list]:
    """Yield a live list of the DynamoDB operations made inside the block, in order: names, or
    (name, table) pairs with `with_tables` (the table is None for multi-table operations)."""
    from botocore.client import BaseClient

    calls: list = []
    original = BaseClient._make_api_call

    def counting(self, operation_name, api_params):  # noqa: ANN001
        if self.meta.service_model.service_name == "dynamodb":
            calls.append((operation_name, api_params.get("TableName")) if with_tables else operation_name)
        return original(self, operation_name, api_params)

    BaseClient._make_api_call = counting
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original
