"""The escalation plan (自下而上逐级): which deadline comes next, and who takes over when it passes.

Pure. The plan covers the ticket's current phase and is executed by the escalation state machine
(``statemachines/escalation.asl.json``); any change a person makes that moves a deadline (sign-in,
extension, re-dispatch, reopen, manual escalation) bumps the ticket's ``esc_rev`` and a new plan
replaces the old one.

- In the dispatch center's review queue (``submitted``/``returned``): one step that marks the
  ticket overdue if it is still unrouted at its deadline.
- Not yet signed (``dispatched``): the sign-in ladder. When the unit misses its sign-in deadline
  the ticket climbs to the parent unit, which gets its own sign-in period; at the top of the
  ladder the ticket is only marked overdue.
- Signed (``accepted``): the reply ladder. When the reply deadline passes the parent unit takes
  over with a fresh reply period, up to the top.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

UTC = dt.timezone.utc
REVIEW_STATUSES = ("submitted", "returned")
SIGN_PHASE_STATUSES = ("dispatched",)
REPLY_PHASE_STATUSES = ("dispatched", "accepted")


@dataclass(frozen=True)
class Rung:
    """A unit on the ladder: its id, level and its own path to the top."""

    unit_id: str
    level: str
    path: tuple[str, ...]


@dataclass(frozen=True)
class TicketSnapshot:
    ticket_id: str
    status: str
    unit_id: str
    esc_rev: int
    sign_due_at: int | None
    due_at: int | None


def ladder(unit_path: Sequence[str], units: Mapping[str, Rung]) -> list[Rung]:
    """The rungs from the ticket's unit to the top, skipping units we know nothing about."""
    return [units[u] for u in unit_path if u in units]


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_plan(ticket: TicketSnapshot, rungs: Sequence[Rung], sign_period: Callable[[int], int],
               reply_period: Callable[[int], int]) -> dict | None:
    """The state machine's input, or None when nothing is to be watched.

    ``sign_period(t)`` / ``reply_period(t)`` give the deadline a unit that takes over at ``t``
    gets (working days via the calendar, or demo seconds), as epoch seconds.
    """
    if ticket.status in REVIEW_STATUSES and ticket.sign_due_at:
        # the dispatch center's review queue (研判): no level above to climb to, but a ticket
        # left unrouted past its deadline is flagged overdue and its chain is told
        due = int(ticket.sign_due_at)
        return {"ticket_id": ticket.ticket_id, "revision": int(ticket.esc_rev), "steps": [{
            "at": _iso(due), "at_epoch": due, "kind": "sign",
            "open_statuses": list(REVIEW_STATUSES), "from_unit": ticket.unit_id,
            "to_unit": None, "new_due_at": int(ticket.due_at or due)}]}
    if ticket.status == "dispatched" and ticket.sign_due_at:
        kind, statuses, first_due = "sign", SIGN_PHASE_STATUSES, int(ticket.sign_due_at)
        period = sign_period
    elif ticket.status == "accepted" and ticket.due_at:
        kind, statuses, first_due = "reply", REPLY_PHASE_STATUSES, int(ticket.due_at)
        period = reply_period
    else:
        return None
    if not rungs or rungs[0].unit_id != ticket.unit_id:
        rungs = [Rung(ticket.unit_id, "unknown", (ticket.unit_id,)), *rungs[1:]]
    steps = []
    due = first_due
    reply_due = int(ticket.due_at or first_due)
    for i, rung in enumerate(rungs):
        step = {"at": _iso(due), "at_epoch": due, "kind": kind, "open_statuses": list(statuses),
                "from_unit": rung.unit_id}
        nxt = rungs[i + 1] if i + 1 < len(rungs) else None
        if nxt is None:
            step.update({"to_unit": None, "new_due_at": reply_due})
            steps.append(step)
            break
        new_due = period(due)
        if kind == "sign":
            new_sign, new_reply, new_deadline = new_due, max(reply_due, new_due), new_due
        else:
            new_sign, new_reply, new_deadline = int(ticket.sign_due_at or due), new_due, new_due
        step.update({"to_unit": nxt.unit_id, "to_level": nxt.level,
                     "to_unit_path": list(nxt.path), "new_sign_due_at": new_sign,
                     "new_due_at": new_reply, "new_deadline_at": new_deadline})
        steps.append(step)
        due, reply_due = new_deadline, new_reply
    return {"ticket_id": ticket.ticket_id, "revision": int(ticket.esc_rev), "steps": steps}


def execution_name(ticket_id: str, revision: int) -> str:
    return f"{ticket_id}-r{revision}"
