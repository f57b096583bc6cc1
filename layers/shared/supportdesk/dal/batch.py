"""One strongly consistent BatchGetItem across tables (e.g. a ticket with its queue's stats, a refund with its
order)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from pynamodb.connection import Connection

if TYPE_CHECKING:
    from pynamodb.models import Model

MAX_BATCH_GET = 100  # DynamoDB's limit of keys per BatchGetItem


def batch_get(keys: Iterable[tuple[type[Model], str]]) -> dict[tuple[type[Model], str], Model]:
    """Items of several tables (pynamodb models keyed by a string hash key only), by (model, key); a missing item is
    simply absent. Keys DynamoDB leaves unprocessed (throttling) are asked for again."""
    wanted = list(dict.fromkeys(keys))  # DynamoDB rejects a batch that names a key twice
    if len(wanted) > MAX_BATCH_GET:
        raise ValueError(f"{len(wanted)} keys: one BatchGetItem reads at most {MAX_BATCH_GET}")
    models = {model.Meta.table_name: model for model, _ in wanted}
    request: dict[str, dict] = {}
    for model, key in wanted:
        table = request.setdefault(model.Meta.table_name, {"Keys": [], "ConsistentRead": True})
        table["Keys"].append({model._hash_key_attribute().attr_name: {"S": key}})
    found: dict[tuple[type[Model], str], Model] = {}
    connection = Connection()
    while request:
        response = connection.dispatch("BatchGetItem", {"RequestItems": request})
        for table_name, items in response.get("Responses", {}).items():
            model = models[table_name]
            key_name = model._hash_key_attribute().attr_name
            for raw in items:
                found[(model, raw[key_name]["S"])] = model.from_raw_data(raw)
        request = response.get("UnprocessedKeys") or {}
    return found
