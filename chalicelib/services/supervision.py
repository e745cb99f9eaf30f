"""The to-supervise list (待督办): a ticket that missed a deadline is put on the list of the unit
that missed it and of every unit above it (seed 004), by the outbox when the sweep's
``escalated``/``overdue`` entry is committed."""

from __future__ import annotations

from ..adapters.models import RegistryModel, TicketModel
from ..domain.ticket import OPEN_STATUSES
from . import views
from .container import container

SUPERVISE_PK = "supervise#"


def put(unit_id: str, ticket_id: str, code: str, data: dict, at: float) -> None:
    """One entry per (unit, ticket): a later miss of the same ticket refreshes it."""
    RegistryModel(f"{SUPERVISE_PK}{unit_id}", ticket_id, updated_at=at, data={
        "code": code, "since": int(at), "missed": data.get("missed"),
        "from_unit": data.get("from_unit"), "to_unit": data.get("to_unit")}).save()


def supervision_list(user, include_closed: bool = False) -> dict:
    """The user's unit's to-supervise list, most recent first, with each ticket's light."""
    entries = list(RegistryModel.query(f"{SUPERVISE_PK}{user.unit_id}"))
    tickets = {t.ticket_id: t for t in TicketModel.batch_get([e.sk for e in entries])}
    now = container.now()
    items = []
    for entry in sorted(entries, key=lambda e: -(e.updated_at or 0)):
        ticket = tickets.get(entry.sk)
        if ticket is None or (not include_closed and ticket.status not in OPEN_STATUSES):
            continue
        view = views.staff_ticket(ticket, now)
        view["supervision"] = entry.data
        items.append(view)
    return {"unit": user.unit_id, "items": items}
