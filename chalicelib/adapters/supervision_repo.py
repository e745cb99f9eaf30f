"""The to-supervise lists (待督办) in the registry table: ``pk = "supervise#<unit id>"``,
``sk`` = ticket id, ``data`` = why the ticket is on the unit's list. When the ticket closes its
entries move to ``pk = "supervised#<unit id>"`` (the closed ones, listed with ``all=1``), so the
live list holds the unit's open overdue tickets only, however many it has had."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from . import keys
from .models import RegistryModel
from .tickets_repo import CursorCodec


@dataclass(frozen=True)
class SupervisionEntry:
    ticket_id: str
    data: dict
    updated_at: float


def _entry(item: RegistryModel) -> SupervisionEntry:
    return SupervisionEntry(item.sk, dict(item.data or {}), float(item.updated_at or 0))


def _order(entry: SupervisionEntry) -> tuple:
    """Most recent miss first, then by ticket id."""
    return (-entry.updated_at, entry.ticket_id)


class SupervisionRepository:
    def __init__(self, cursor_secret: str = ""):
        self._cursors = CursorCodec(cursor_secret)

    def put(self, unit_id: str, ticket_id: str, data: dict, at: float) -> None:
        """One entry per (unit, ticket): a later put of the same ticket replaces it."""
        RegistryModel(keys.supervise(unit_id), ticket_id, updated_at=at, data=data).save()

    def entries(self, unit_id: str) -> list[SupervisionEntry]:
        """The live list, whole: the unit's tickets still on it (closed ones moved out)."""
        return [_entry(item) for item in RegistryModel.query(keys.supervise(unit_id))]

    def archive(self, unit_ids, ticket_id: str, at: float) -> int:
        """Move a closed ticket's entries off the units' live lists (kept under the closed
        ones). Idempotent: a unit with no live entry is skipped. Returns how many moved."""
        moved = 0
        for unit_id in unit_ids:
            try:
                item = RegistryModel.get(keys.supervise(unit_id), ticket_id, consistent_read=True)
            except DoesNotExist:
                continue
            RegistryModel(keys.supervised(unit_id), ticket_id, updated_at=item.updated_at,
                          data={**dict(item.data or {}), "closed_at": int(at)}).save()
            item.delete()
            moved += 1
        return moved

    def page(self, unit_id: str, limit: int, cursor: str | None,
             include_closed: bool = False) -> tuple[list[SupervisionEntry], str | None]:
        """One page of the list, most recent miss first; with ``include_closed`` the closed
        ones follow, newest ticket first. The live list is read whole (it holds the open
        overdue tickets only) and sorted; the closed ones are paged by DynamoDB."""
        scope = f"supervision:{unit_id}:{int(include_closed)}"
        at = self._cursors.decode(cursor, scope) or {"p": "live"}
        out: list[SupervisionEntry] = []
        if at.get("p") == "live":
            live = sorted(self.entries(unit_id), key=_order)
            after = at.get("after")
            if isinstance(after, list) and len(after) == 2:
                mark = (-float(after[0]), str(after[1]))
                live = [e for e in live if _order(e) > mark]
            out = live[:limit]
            if len(live) > limit:
                last = out[-1]
                return out, self._cursors.encode(
                    {"p": "live", "after": [last.updated_at, last.ticket_id]}, scope)
            if not include_closed:
                return out, None
            if len(out) == limit:
                return out, self._cursors.encode({"p": "closed"}, scope)
            at = {"p": "closed"}
        result = RegistryModel.query(keys.supervised(unit_id), scan_index_forward=False,
                                     limit=limit - len(out),
                                     last_evaluated_key=at.get("k") or None)
        out += [_entry(item) for item in result]
        last = result.last_evaluated_key
        return out, self._cursors.encode({"p": "closed", "k": last}, scope) if last else None
