"""The to-supervise list (待督办): a ticket that missed a deadline is put on the list of the unit
that missed it and of every unit above it (seed 004), by the outbox when the sweep's
``escalated``/``overdue`` entry is committed."""

from __future__ import annotations

from ..domain.paging import page_size
from ..domain.ticket import OPEN_STATUSES
from ..wiring import container
from . import views


def put(unit_id: str, ticket_id: str, code: str, data: dict, at: float) -> None:
    """One entry per (unit, ticket): a later miss of the same ticket refreshes it."""
    container.supervision.put(unit_id, ticket_id, {
        "code": code, "since": int(at), "missed": data.get("missed"),
        "from_unit": data.get("from_unit"), "to_unit": data.get("to_unit")}, at)


def supervision_list(user, include_closed: bool = False, limit: str | None = None,
                     cursor: str | None = None) -> dict:
    """A page of the user's unit's to-supervise list, most recent miss first, with each
    ticket's light; ``include_closed``: the closed ones follow. Only the page's tickets are
    read."""
    entries, next_cursor = container.supervision.page(user.unit_id, page_size(limit), cursor,
                                                      include_closed)
    tickets = container.tickets.get_many(e.ticket_id for e in entries)
    now = container.now()
    items = []
    for entry in entries:
        ticket = tickets.get(entry.ticket_id)
        if ticket is None or (not include_closed and ticket.status not in OPEN_STATUSES):
            continue
        view = views.staff_ticket(ticket, now)
        view["supervision"] = entry.data
        items.append(view)
    return {"unit": user.unit_id, "items": items, "cursor": next_cursor}


def forget(ticket_id: str, at: float) -> int:
    """The ticket closed: off the live list of every unit it was put on (the units of the
    chains its sweep entries named), onto their closed ones."""
    units: list[str] = []
    for item in container.tickets.timeline(ticket_id):
        data = item.data or {}
        if item.kind in ("escalated", "overdue") and not data.get("manual"):
            units += [u for u in data.get("chain") or [] if u not in units]
        if item.kind == "supervision_stepped_up" and data.get("to_unit") not in (None, *units):
            units.append(data["to_unit"])     # a missed supervision order's new holder
    return container.supervision.archive(units, ticket_id, at) if units else 0
