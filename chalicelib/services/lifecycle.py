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
    from . import duplicates
    duplicates.index_keys(ticket)   # the duplicate and phone keys (open tickets only / always)
    deadline = next_deadline(ticket)
    if deadline is None or not ticket.unit_id:
        clear_open_keys(ticket)
        return
    ticket.open_unit = ticket.unit_id
    ticket.deadline_at = int(deadline)
    ticket.deadline_shard = deadline_shard(ticket.ticket_id, container.settings.deadline_shards)


def clear_open_keys(ticket: TicketModel) -> None:
    ticket.open_unit = None
    ticket.deadline_at = None
    ticket.deadline_shard = None
    ticket.dup_cell = None          # and the duplicate indexes (services/duplicates.py): a
    ticket.dup_place = None         # ticket that is not open is nobody's duplicate candidate
