"""Queries behind duplicates, repeat requests and caller lookup (docs/data-model.md):

- neighbours: ``Query tickets.by_dup_cell (dup_cell = :k AND created_at >= :since)`` per cell of
  the k-ring, ``Query tickets.by_dup_place`` for the village; open tickets only (a filter);
- a caller's tickets: ``Query tickets.by_phone (phone_key = :k)``, newest first, paged;
- the malicious-caller flag: ``registry (pk = "caller#malicious", sk = <phone key>)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pynamodb.exceptions import DoesNotExist

from ..domain.ticket import OPEN_STATUSES
from . import keys
from .models import RegistryModel, TicketModel
from .tickets_repo import CursorCodec, full_tickets

MALICIOUS_PK = keys.MALICIOUS_CALLER


def _open_since(index, key: str, since: float) -> Iterator[TicketModel]:
    """Open tickets of one partition created since ``since``: the keys-only index gives the
    ids, the tickets are read by id and the closed ones left out."""
    entries = index.query(key, TicketModel.created_at >= int(since))
    return (t for t in full_tickets(entries) if t.status in OPEN_STATUSES)


def open_near(cell_keys: Iterable[str], place_key: str | None,
              since: float) -> Iterator[TicketModel]:
    """Open tickets created since ``since`` in the given (category, cell) partitions and the
    (category, village) partition: one query each."""
    for key in cell_keys:
        yield from _open_since(TicketModel.by_dup_cell, key, since)
    if place_key:
        yield from _open_since(TicketModel.by_dup_place, place_key, since)


def by_phone(phone_key: str, limit: int, cursor: str | None, codec: CursorCodec):
    scope = f"phone:{phone_key}"
    start = codec.decode(cursor, scope)
    result = TicketModel.by_phone.query(phone_key, scan_index_forward=False, limit=limit,
                                        last_evaluated_key=start)
    items = full_tickets(result)
    return items, codec.encode(result.last_evaluated_key, scope)


def malicious_flag(phone_key: str) -> dict | None:
    try:
        item = RegistryModel.get(MALICIOUS_PK, phone_key, consistent_read=True)
    except DoesNotExist:
        return None
    return dict(item.data or {})


def set_malicious_flag(phone_key: str, data: dict | None, now: float) -> None:
    if data is None:
        RegistryModel(MALICIOUS_PK, phone_key).delete()
    else:
        RegistryModel(MALICIOUS_PK, phone_key, data=data, updated_at=now).save()
