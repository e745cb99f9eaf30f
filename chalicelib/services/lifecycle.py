"""Keeping a ticket's derived keys right (called by services/changes.py on every change).

The sparse index keys (``open_unit``, ``deadline_at``, ``deadline_shard``) exist only while a ticket
is open, so the unit queue and the city-wide deadline index hold open tickets and nothing else.
"""

from __future__ import annotations

from ..adapters.tickets_repo import Ticket
from ..domain import escalation as plan
from ..domain.ticket import OPEN_STATUSES, deadline_shard
from ..wiring import container


def next_deadline(ticket: Ticket) -> float | None:
    """The deadline that matters now: review/sign-in until signed, then the reply deadline."""
    if ticket.status not in OPEN_STATUSES:
        return None
    return plan.current_deadline(ticket.status, ticket.sign_due_at, ticket.due_at)


def refresh_open_keys(ticket: Ticket) -> None:
    """Recompute, from the ticket as it is now, its index keys and its escalation continuation
    (``esc_plan``, ``esc_step`` = 0, ``deadline_at`` = the first step's deadline). Called on every
    app write of a ticket; the sweep's own writes advance ``esc_step`` instead."""
    from . import duplicates
    duplicates.index_keys(ticket)   # the duplicate and phone keys (open tickets only / always)
    deadline = next_deadline(ticket)
    if deadline is None or not ticket.unit_id:
        clear_open_keys(ticket)
        return
    from . import escalation
    shard = deadline_shard(ticket.ticket_id, container.settings.deadline_shards)
    steps = escalation.plan_for(ticket, shard)
    ticket.open_unit = ticket.unit_id
    ticket.esc_step = 0
    if plan.is_parked(ticket.deadline_shard) and plan.stays_parked(steps, ticket.deadline_at):
        ticket.esc_plan = plan.encode([])   # already marked overdue at the top for this deadline
        ticket.status_deadline = plan.status_deadline_key(ticket.status, int(ticket.deadline_at))
        return
    ticket.esc_plan = plan.encode(steps)
    ticket.deadline_at = int(steps[0]["at"]) if steps else int(deadline)
    ticket.deadline_shard = shard
    ticket.status_deadline = plan.status_deadline_key(ticket.status, int(ticket.deadline_at))


def clear_open_keys(ticket: Ticket) -> None:
    ticket.open_unit = None
    ticket.deadline_at = None
    ticket.deadline_shard = None
    ticket.dup_cell = None          # and the duplicate indexes (services/duplicates.py): a
    ticket.dup_place = None         # ticket that is not open is nobody's duplicate candidate
    ticket.esc_plan = None
    ticket.esc_step = None
    ticket.status_deadline = None


