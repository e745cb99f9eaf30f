"""The one path by which a ticket changes.

Every writer (staff actions, the citizen, inbound SMS, the survey job, social review, intake) goes
through :func:`change` or :func:`create`: it checks the version the caller read, applies a typed
step (``domain.changes.Step``), refreshes the ticket's derived index keys, appends the timeline
entries and commits ticket + entries in one TransactWriteItems. Nothing else saves a ticket (a
test scans the code for it); the escalation sweep is the one other writer, and it too commits
ticket + timeline entry in one conditional transaction.

Nothing is sent from here: the committed timeline entries are the outbox (``services/outbox.py``
reads them from the timeline table's stream).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..adapters.tickets_repo import Marker, Ticket, TimelineEntry, new_event
from ..domain import escalation as escalation_rules
from ..domain.changes import SNAPSHOT_FIELDS, Step
from ..domain.errors import ValidationError, VersionConflict
from ..domain.ticket import OPEN_STATUSES, Actor
from ..wiring import container
from . import lifecycle

Mutation = Callable[[Ticket, float], Sequence[Step]]


@dataclass(frozen=True)
class Committed:
    """What a change wrote: the ticket as committed and its new timeline entries."""

    ticket: Ticket
    entries: list[TimelineEntry]
    now: float


def parse_version(expected) -> int | None:
    """The version a client says it read (optional): an integer or a 400."""
    if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
        raise ValidationError("version 应为整数", field="version", code="wrong_type")
    return expected


def check_version(expected, ticket: Ticket) -> None:
    """``expected``: the version the client read (optional); a stale one is a 409."""
    if parse_version(expected) is not None and expected != ticket.version:
        raise VersionConflict()


def snapshot(ticket: Ticket, version: int) -> dict:
    snap = {name: getattr(ticket, name) for name in SNAPSHOT_FIELDS}
    snap["version"] = version
    snap["emergency"] = bool(snap["emergency"])
    return {k: v for k, v in snap.items() if v is not None}


def _entries(ticket: Ticket, actor: Actor, steps: Sequence[Step], now: float,
             version: int) -> list[TimelineEntry]:
    if not steps:
        raise ValueError("a change writes at least one timeline entry")
    snap = snapshot(ticket, version)
    return [new_event(ticket, step.kind, step.actor or actor, now, text=step.text,
                      data={**step.data, "snap": snap}, channel=step.channel,
                      visible=step.visible, index=i, feed=step.feed)
            for i, step in enumerate(steps)]


def _refresh(ticket: Ticket, now: float) -> None:
    ticket.updated_at = now
    if ticket.status in OPEN_STATUSES:
        lifecycle.refresh_open_keys(ticket)
    else:
        lifecycle.clear_open_keys(ticket)


def change(ticket: Ticket, actor: Actor, mutate: Mutation, *,
           expected_version=None, marker: Marker | None = None) -> Committed:
    """Apply ``mutate`` to a ticket the caller loaded (and authorized) and commit it with its
    timeline entries, conditioned on the version it was read at (a lost race: 409); with
    ``marker``, also a submission's marker (a repeat request attached: see tickets_repo)."""
    check_version(expected_version, ticket)
    now = container.now()
    steps = list(mutate(ticket, now))
    _refresh(ticket, now)
    entries = _entries(ticket, actor, steps, now, int(ticket.version or 0) + 1)
    container.tickets.save(ticket, entries, marker=marker, now=now)
    return Committed(ticket, entries, now)


def change_together(parts: Sequence[tuple[Ticket, Actor, Mutation]], *,
                    expected_versions: Sequence | None = None) -> list[Committed]:
    """One change of several tickets (a merge: the duplicate and its primary), all committed in
    one transaction or none, each conditioned on the version it was read at."""
    now = container.now()
    done, writes = [], []
    for i, (ticket, actor, mutate) in enumerate(parts):
        check_version((expected_versions or [None] * len(parts))[i], ticket)
        steps = list(mutate(ticket, now))
        _refresh(ticket, now)
        entries = _entries(ticket, actor, steps, now, int(ticket.version or 0) + 1)
        writes.append((ticket, entries))
        done.append(Committed(ticket, entries, now))
    container.tickets.save_all(writes)
    return done


def create(ticket: Ticket, actor: Actor, steps: Sequence[Step], now: float, *,
           marker: Marker | None = None) -> Committed:
    """Write a new ticket with its first timeline entries (``marker``: see tickets_repo)."""
    _refresh(ticket, now)
    entries = _entries(ticket, actor, steps, now, 1)
    container.tickets.create(ticket, entries, marker=marker, now=now)
    return Committed(ticket, entries, now)


def replan(ticket_id: str) -> bool:
    """Store the next escalation step of a ticket the sweep has just moved (applying a step
    removes the stored one: domain/escalation.encode). Called by the outbox for the sweep's
    entries, before that next step can be due.

    Derived keys only, like the keys every change refreshes: no timeline entry (nothing happened
    to the ticket), no new version (a client holding the version keeps it). Stored only if the
    ticket is still the one read (same version and step, no step stored): a change committed
    meanwhile stored its own plan. False when there is nothing to store."""
    ticket = container.tickets.get(ticket_id)
    if (ticket is None or ticket.status not in OPEN_STATUSES or ticket.esc_plan is not None
            or ticket.esc_step is None or escalation_rules.is_parked(ticket.deadline_shard)):
        return False
    read_step = int(ticket.esc_step)
    lifecycle.refresh_open_keys(ticket)             # esc_step = 0: the stored step is step 0
    return container.tickets.store_plan(ticket, read_step)
