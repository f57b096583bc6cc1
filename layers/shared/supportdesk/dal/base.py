from __future__ import annotations

from supportdesk.settings import get_settings


class TableName:
    """Meta.table_name resolved from Settings on access (PynamoDB re-reads it, so tests may change it)."""

    def __init__(self, setting: str) -> None:
        self.setting = setting

    def __get__(self, instance: object, owner: type) -> str:
        return get_settings().require(self.setting)
