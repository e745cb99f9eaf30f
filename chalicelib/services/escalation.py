"""Keeping each open ticket's deadline timer in step with the ticket.

Any change that moves a deadline restarts the timer with a new plan (the change bumped the
ticket's ``esc_rev``, so the old execution, if it were still running, would find itself stale
and end); a ticket that leaves the open states has its timer stopped.
"""

from __future__ import annotations

import datetime as dt

from ..adapters.models import TicketModel
from ..domain.escalation import Rung, TicketSnapshot, build_plan, execution_name
from ..observability import count, logger
from .container import container
from .sla_service import calendar, policy_for, to_local

RESTART = frozenset({"submitted", "dispatched", "signed", "extended", "escalated", "reopened",
                     "returned"})
STOP = frozenset({"replied", "closed", "withdrawn", "rejected", "merged", "review"})


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def plan_for(ticket: TicketModel) -> dict | None:
    units = container.reference.units()
    rungs = [Rung(u, units[u].level, tuple(units[u].path or [u]))
             for u in (ticket.unit_path or [ticket.unit_id]) if u in units]
    policy = policy_for(ticket.region_code)
    cal = calendar()
    demo = container.settings.demo_sla

    if demo:
        def sign_period(t):
            return t + demo

        def reply_period(t):
            return t + 2 * demo
    elif ticket.emergency:
        def sign_period(t):
            return t + 60 * min(policy.emergency_minutes, 10)

        def reply_period(t):
            return t + 60 * policy.emergency_minutes
    else:
        def sign_period(t):
            return _epoch(cal.add_working_days(to_local(t), policy.sign_working_days))

        def reply_period(t):
            return _epoch(cal.add_working_days(to_local(t),
                                               policy.reply_working_days[ticket.type]))

    snapshot = TicketSnapshot(ticket.ticket_id, ticket.status, ticket.unit_id or "",
                              int(ticket.esc_rev or 0), ticket.sign_due_at, ticket.due_at)
    return build_plan(snapshot, rungs, sign_period, reply_period)


def on_change(ticket: TicketModel, kind: str) -> None:
    if not container.settings.escalation_state_machine_arn:
        return          # no timer configured (unit tests of other parts)
    rev = int(ticket.esc_rev or 0)
    if kind == "submitted" and ticket.status != "submitted":
        return          # routed at once: the "dispatched" change that follows starts the timer
    if kind in RESTART:
        plan = plan_for(ticket)
        if plan:
            container.timers.start(execution_name(ticket.ticket_id, rev), plan)
            count("EscalationTimersStarted", reason=kind)
            logger.info("escalation timer started", extra={
                "ticket_id": ticket.ticket_id, "revision": rev, "steps": len(plan["steps"])})
        if rev > 1:     # revision 0 never has a timer: a ticket's first plan is revision 1
            _stop(ticket.ticket_id, rev - 1, f"replaced: {kind}")
    elif kind in STOP:
        for r in sorted({rev, rev - 1}):
            if r >= 1:
                _stop(ticket.ticket_id, r, f"ticket {kind}")


def _stop(ticket_id: str, revision: int, cause: str) -> None:
    """Best effort: a stale execution reads the ticket's esc_rev at its next deadline and ends
    by itself, so failing to stop one costs a few state transitions, never a wrong escalation."""
    try:
        container.timers.stop(execution_name(ticket_id, revision), cause)
    except Exception as exc:  # noqa: BLE001
        logger.warning("could not stop escalation timer", extra={
            "ticket_id": ticket_id, "revision": revision, "error": repr(exc)})
        count("EscalationTimerStopFailed")
