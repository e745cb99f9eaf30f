"""Keeping a ticket's derived keys right (called by services/changes.py on every change).

The sparse index keys (``open_unit``, ``deadline_at``, ``deadline_shard``) exist only while a ticket
is open, so the unit queue and the city-wide deadline index hold open tickets and nothing else.
"""

from __future__ import annotations

from ..adapters.models import TicketModel
from ..domain.ticket import ACCEPTED, OPEN_STATUSES, deadline_shard
from .container import container


def next_deadline(ticket: TicketModel) -> float | None:
    """The deadline that matters now: sign-in until signed, then the reply deadline."""
    if ticket.status not in OPEN_STATUSES:
        return None
    if ticket.status == ACCEPTED or ticket.signed_at:
        return ticket.due_at
    candidates = [d for d in (ticket.sign_due_at, ticket.due_at) if d]
    return min(candidates) if candidates else None


def refresh_open_keys(ticket: TicketModel) -> None:
    deadline = next_deadline(ticket)
    if deadline is None or not ticket.unit_id:
        clear_open_keys(ticket)
        return
    ticket.open_unit = ticket.unit_id
    ticket.deadline_at = int(deadline)
    ticket.deadline_shard = deadline_shard(ticket.ticket_id, container.settings.deadline_shards)
    ticket.status_deadline = status_deadline_key(ticket.status, int(deadline))


def clear_open_keys(ticket: TicketModel) -> None:
    ticket.open_unit = None
    ticket.deadline_at = None
    ticket.deadline_shard = None
    ticket.status_deadline = None


def status_deadline_key(status: str, deadline: int) -> str:
    """The by_unit_status sort key: a status, then the deadline in sortable digits."""
    return f"{status}#{int(deadline):010d}"
