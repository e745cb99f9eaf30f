"""When a deadline passes (events from the escalation state machine): tell every level of the
ticket's chain and put the ticket on each one's to-supervise list (待督办)."""

from __future__ import annotations

from ..adapters.models import RegistryModel, TicketModel
from ..domain.ticket import OPEN_STATUSES
from ..observability import count
from . import notify, views
from .container import container
from .idempotency import run_once

SUPERVISE_PK = "supervise#"


def _dedupe_key(detail_type: str, detail: dict) -> str:
    return (f"{detail_type}.{detail['ticket_id']}.r{detail.get('revision', 0)}"
            f".s{detail.get('step', 0)}")


def chain_for(detail: dict, ticket: TicketModel) -> list[str]:
    """The unit that missed the deadline and every unit above it."""
    units = container.reference.units()
    start = detail.get("from_unit") or ticket.unit_id
    path = list(units[start].path) if start in units else list(ticket.unit_path or [])
    for unit_id in ticket.unit_path or []:
        if unit_id not in path:
            path.append(unit_id)
    return path


def handle_overdue(detail: dict) -> dict:
    """SMS to the handlers at every level; a to-supervise entry for each. Once per event."""
    return run_once("event", "overdue", _dedupe_key("TicketOverdue", detail), detail,
                    lambda: _overdue(detail))


def _overdue(detail: dict) -> dict:
    ticket = container.tickets.get(detail["ticket_id"])
    if ticket is None:
        return {"skipped": "no such ticket"}
    now = container.now()
    units = container.reference.units()
    chain = chain_for(detail, ticket)
    missed = "签收" if detail.get("kind") == "sign" else "答复"
    late = units.get(detail.get("from_unit") or ticket.unit_id)
    where = late.name if late else ""
    for unit_id in chain:
        unit = units.get(unit_id)
        if unit is None:
            continue
        RegistryModel(f"{SUPERVISE_PK}{unit_id}", ticket.ticket_id, updated_at=now, data={
            "code": ticket.code, "since": int(now), "missed": detail.get("kind"),
            "from_unit": detail.get("from_unit"), "to_unit": detail.get("to_unit"),
            "revision": detail.get("revision")}).save()
        notify.send(unit.duty_phone,
                    f"{notify.PREFIX}工单{ticket.code}在{where}已超过{missed}期限，"
                    f"已列入待督办，请督促办理。", kind="overdue")
    count("TicketsOverdue", missed=str(detail.get("kind")))
    return {"notified": chain}


def handle_escalated(detail: dict) -> dict:
    """The unit that takes over is told at once, like a new dispatch."""
    return run_once("event", "escalated", _dedupe_key("TicketEscalated", detail), detail,
                    lambda: _escalated(detail))


def _escalated(detail: dict) -> dict:
    ticket = container.tickets.get(detail["ticket_id"])
    unit = container.reference.unit(detail.get("to_unit") or "")
    if ticket is None or unit is None:
        return {"skipped": True}
    notify.send(unit.duty_phone,
                f"{notify.PREFIX}工单{ticket.code}因下级超期已提级至贵单位，"
                f"请于{notify._date(ticket.deadline_at)}前办理。", kind="escalated")
    count("TicketsEscalated", how="timer")
    return {"notified": unit.unit_id}


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
