"""Keeping a ticket's derived keys right and telling the rest of the system what happened.

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


def clear_open_keys(ticket: TicketModel) -> None:
    ticket.open_unit = None
    ticket.deadline_at = None
    ticket.deadline_shard = None


def new_timer_revision(ticket: TicketModel) -> None:
    """This change moves a deadline: the ticket's escalation plan is replaced after the commit
    (``services/escalation.py`` starts ``<ticket>-r<esc_rev>``; a running older plan finds itself
    stale at its next deadline)."""
    ticket.esc_rev = int(ticket.esc_rev or 0) + 1


def after_change(ticket: TicketModel, *kinds: str) -> None:
    """Run after a change is committed: keep the deadline timer in step and publish the event.

    ``kinds`` (one change may be several steps, e.g. submitted and routed at once): submitted,
    dispatched, signed, replied, extended, returned, escalated, rejected, withdrawn, reopened,
    closed, review.
    """
    from ..observability import count, logger
    from . import escalation, events
    for kind in kinds:
        try:
            escalation.on_change(ticket, kind)
        except Exception as exc:  # noqa: BLE001 - the change is committed; alarm on the metric
            logger.exception("escalation timer update failed", extra={
                "ticket_id": ticket.ticket_id, "kind": kind, "error": repr(exc)})
            count("EscalationTimerFailed", kind=kind)
    events.on_change(ticket, *kinds)
