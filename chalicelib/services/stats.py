"""Gauges for the operations dashboard and the overdue alarm (names: infra/monitoring.py).

Every 15 minutes: open tickets that are red (past their next deadline, = open overdue tickets)
and yellow (due within 24 hours), counted on the sparse deadline index with COUNT queries over
those two windows only. DynamoDB reads every index entry a COUNT query matches, so counting the
green tickets too read every open ticket on each run, a cost that grew with the backlog, not with
the work; the green count is left to a counter kept by the ticket change stream (issue 9).
Tickets the escalation sweep marked overdue at the top of their ladder are parked under ``O#<n>``
(kept out of the sweep's ``D#<n>`` reads); they are all red.
"""

from __future__ import annotations

from ..domain.escalation import parked_shard
from ..observability import count, gauge
from ..wiring import container

YELLOW_WINDOW = 86400


def open_ticket_gauges(now: float | None = None) -> dict:
    now = container.now() if now is None else now
    tickets = container.tickets
    red = yellow = 0
    for shard in range(container.settings.deadline_shards):
        key = f"D#{shard}"
        red += tickets.count_due(key, before=now)
        yellow += tickets.count_due(key, between=(now, now + YELLOW_WINDOW))
        red += tickets.count_due(parked_shard(key))
    for light, value in (("red", red), ("yellow", yellow)):
        gauge("OpenTickets", value, light=light)
    gauge("OverdueTickets", red)
    count("GaugeRuns")
    return {"red": red, "yellow": yellow, "overdue": red}
