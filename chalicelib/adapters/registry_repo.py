"""Small long-lived records kept in the ``registry`` table by kind (``pk``): Open311 clients,
knowledge-base entries, suggestion campaigns. Each record is a JSON ``data`` blob under
``(kind, id)``; a kind's records are one partition, read with one Query."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from .markers import condition_failed
from .models import RegistryModel


class RecordExists(Exception):
    pass


class RegistryRepository:
    def get(self, kind: str, item_id: str) -> dict | None:
        try:
            item = RegistryModel.get(kind, item_id, consistent_read=True)
        except DoesNotExist:
            return None
        return dict(item.data or {})

    def put(self, kind: str, item_id: str, data: dict, now: float, *, new: bool = False) -> None:
        item = RegistryModel(kind, item_id, data=data, updated_at=int(now))
        try:
            item.save(condition=RegistryModel.sk.does_not_exist() if new else None)
        except PutError as exc:
            if new and condition_failed(exc):
                raise RecordExists(item_id) from exc
            raise

    def all(self, kind: str) -> list[tuple[str, dict]]:
        return [(item.sk, dict(item.data or {})) for item in RegistryModel.query(kind)]

    def delete(self, kind: str, item_id: str) -> None:
        RegistryModel(kind, item_id).delete()
