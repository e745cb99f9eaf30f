"""The to-supervise list (待督办): a ticket that missed a deadline is put on the list of the unit
that missed it and of every unit above it (seed 004), by the outbox when the sweep's
``escalated``/``overdue`` entry is committed."""

from __future__ import annotations

from ..domain.ticket import OPEN_STATUSES
from ..wiring import container
from . import views


def put(unit_id: str, ticket_id: str, code: str, data: dict, at: float) -> None:
    """One entry per (unit, ticket): a later miss of the same ticket refreshes it."""
    container.supervision.put(unit_id, ticket_id, {
        "code": code, "since": int(at), "missed": data.get("missed"),
        "from_unit": data.get("from_unit"), "to_unit": data.get("to_unit")}, at)


def supervision_list(user, include_closed: bool = False) -> dict:
    """The user's unit's to-supervise list, most recent first, with each ticket's light."""
    entries = container.supervision.entries(user.unit_id)
    tickets = container.tickets.get_many(e.ticket_id for e in entries)
    now = container.now()
    items = []
    for entry in sorted(entries, key=lambda e: -e.updated_at):
        ticket = tickets.get(entry.ticket_id)
        if ticket is None or (not include_closed and ticket.status not in OPEN_STATUSES):
            continue
        view = views.staff_ticket(ticket, now)
        view["supervision"] = entry.data
        items.append(view)
    return {"unit": user.unit_id, "items": items}
