"""The to-supervise lists (待督办) in the registry table: ``pk = "supervise#<unit id>"``,
``sk`` = ticket id, ``data`` = why the ticket is on the unit's list."""

from __future__ import annotations

from dataclasses import dataclass

from . import keys
from .models import RegistryModel


@dataclass(frozen=True)
class SupervisionEntry:
    ticket_id: str
    data: dict
    updated_at: float


class SupervisionRepository:
    def put(self, unit_id: str, ticket_id: str, data: dict, at: float) -> None:
        """One entry per (unit, ticket): a later put of the same ticket replaces it."""
        RegistryModel(keys.supervise(unit_id), ticket_id, updated_at=at, data=data).save()

    def entries(self, unit_id: str) -> list[SupervisionEntry]:
        return [SupervisionEntry(item.sk, dict(item.data or {}), float(item.updated_at or 0))
                for item in RegistryModel.query(keys.supervise(unit_id))]
