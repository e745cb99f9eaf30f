"""Escalation as a sweep: the plan a ticket carries, and starting the sweep that applies it.

Nothing runs per ticket. ``lifecycle.refresh_open_keys`` stores each open ticket's plan
(``plan_for``) when the app writes it; once a minute the schedule (``jobs/escalation.py``) calls
``start_sweep``, one StartExecution of ``statemachines/sweep.asl.json``, which queries the deadline
index for what is due and applies each due ticket's next step with one conditioned transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from ..adapters.tickets_repo import Ticket, iso_ms
from ..domain.escalation import TicketState, build_plan
from ..domain.sla import compute_deadlines
from ..observability import count, logger
from ..wiring import container
from .sla_service import calendar, policy_for, to_local


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def plan_for(ticket: Ticket, shard: str) -> list[dict]:
    """The ticket's escalation continuation from its current state (see domain/escalation)."""
    units = container.reference.units()
    policy = policy_for(ticket.region_code)
    cal = calendar()
    demo = container.settings.demo_sla

    def deadlines(at: int) -> tuple[int, int]:
        d = compute_deadlines(policy, cal, ticket.type, bool(ticket.emergency), to_local(at),
                              demo)
        return _epoch(d.sign_due_at), _epoch(d.reply_due_at)

    state = TicketState(
        ticket_id=ticket.ticket_id, code=ticket.code, status=ticket.status,
        unit_id=ticket.unit_id or "", level=ticket.level,
        unit_path=tuple(ticket.unit_path or [ticket.unit_id]),
        sign_due_at=ticket.sign_due_at, due_at=ticket.due_at, type=ticket.type,
        category=ticket.category, channel=ticket.channel, region_code=ticket.region_code,
        emergency=bool(ticket.emergency), contact_due_at=ticket.contact_due_at,
        contacted=ticket.contacted_at is not None, contact_missed=ticket.contact_missed)
    levels = {u: units[u].level for u in state.unit_path if u in units}
    return build_plan(state, levels, deadlines, shard)


@dataclass
class SweepReport:
    execution_arn: str
    status: str = "RUNNING"
    escalated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    error: str | None = None


def sweep_input(now: float) -> dict:
    s = container.settings
    return {"now": int(now), "now_iso": iso_ms(int(now)),
            "shards": [f"D#{i}" for i in range(s.deadline_shards)],
            "limit": s.sweep_page_size, "pages": s.sweep_max_pages}


def start_sweep(now: float | None = None) -> str | None:
    """One StartExecution; the app clock decides what is due (ASL has no clock of its own that
    tests could set). Returns the execution ARN, or None when no sweep machine is configured."""
    sweeps = container.sweeps
    if not sweeps.configured:
        return None
    now = container.now() if now is None else now
    name = f"sweep-{int(now)}-{uuid.uuid4().hex[:12]}"
    arn = sweeps.start(name, sweep_input(now))
    count("EscalationSweepsStarted")
    logger.info("escalation sweep started", extra={"execution": name, "now": int(now)})
    return arn


def _flatten(value, out: list) -> None:
    if isinstance(value, list):
        for v in value:
            _flatten(v, out)
    elif isinstance(value, dict):
        if "r" in value:
            out.append(value)
        else:
            _flatten(list(value.values()), out)


def report(execution_arn: str, described: dict) -> SweepReport:
    rep = SweepReport(execution_arn, described["status"], error=described.get("error"))
    results: list[dict] = []
    _flatten(json.loads(described.get("output") or "[]"), results)
    for r in results:
        (rep.escalated if r["r"] == "escalated" else rep.skipped).append(r["t"])
    return rep


def sweep_now(now: float | None = None, timeout: float = 60.0) -> SweepReport:
    """Start a sweep and wait for it (tests, the admin function)."""
    arn = start_sweep(now)
    if arn is None:
        raise RuntimeError("no sweep state machine configured (MINYI_SWEEP_SM_ARN)")
    return report(arn, container.sweeps.wait(arn, timeout))
