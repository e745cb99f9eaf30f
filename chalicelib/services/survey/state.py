"""The survey of a ticket's current reply, and the one open survey per number (so an
inbound "4" maps to the right ticket)."""

from __future__ import annotations

from ...adapters.tickets_repo import Ticket
from ...domain import survey as rules
from ...domain.ticket import REPLIED
from ...wiring import container


def window() -> rules.Window:
    """The daytime window of surveys (and of citizen SMS: services/daytime_sms.py); a local demo
    with ``DEMO_CALLBACK_SECONDS`` ignores it (the whole day)."""
    s = container.settings
    if s.demo_callback:
        return rules.Window(0, 24)
    return rules.Window(s.survey_start_hour, s.survey_end_hour)


def _round(ticket: Ticket) -> int:
    return int(ticket.replied_at or 0)


def current_survey(ticket: Ticket) -> dict:
    """The survey of the ticket's current reply (a new reply starts a new one)."""
    state = dict(ticket.survey or {})
    if state.get("round") != _round(ticket):
        state = {"round": _round(ticket), "attempts": 0, "open": False}
    return state


def survey_open(ticket: Ticket | None) -> bool:
    return bool(ticket is not None and ticket.status == REPLIED
                and (ticket.survey or {}).get("round") == _round(ticket)
                and (ticket.survey or {}).get("open"))


def open_survey_ticket(phone: str) -> Ticket | None:
    """The ticket whose survey is open for this number, if any (a stale pointer is removed)."""
    item = container.survey_registry.open_for(phone)
    if item is None:
        return None
    ticket = container.tickets.get(item.ticket_id)
    if not survey_open(ticket):
        container.survey_registry.remove(item)
        return None
    return ticket


def claim(phone: str, ticket_id: str, now: float) -> bool:
    """Point the number's open survey at this ticket, unless another ticket's survey is open
    for it (one open survey per number, so an answer maps to one ticket)."""
    registry = container.survey_registry
    for _ in range(3):
        item = registry.open_for(phone)
        if item is not None:
            if item.ticket_id == ticket_id:
                return True              # ours already (a second attempt, or a racing run)
            if survey_open(container.tickets.get(item.ticket_id)):
                return False
        if registry.point(phone, ticket_id, now, replacing=item):
            return True
        # someone wrote it meanwhile: look again
    return False


def release(phone: str | None, ticket_id: str) -> None:
    if not phone:
        return
    item = container.survey_registry.open_for(phone)
    if item is not None and item.ticket_id == ticket_id:
        container.survey_registry.remove(item)


def clear_callback(ticket: Ticket) -> None:
    ticket.callback_at = None
    ticket.callback_shard = None
