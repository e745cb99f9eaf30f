"""Gauges for the operations dashboard and the overdue alarm (names: infra/monitoring.py).

Every 15 minutes: open tickets per light and open overdue tickets, counted on the sparse deadline
index with COUNT queries (no items are returned; DynamoDB still reads the open tickets' index
entries, so the cost grows with the open tickets, which is why this is not part of the reminder
job). The light here is the next deadline's: red past it, yellow within 24 hours, else green.
Tickets the escalation sweep marked overdue at the top of their ladder are parked under ``O#<n>``
(kept out of the sweep's ``D#<n>`` reads); they are all red.
"""

from __future__ import annotations

from ..adapters.models import TicketModel
from ..domain.escalation import parked_shard
from ..observability import count, gauge
from .container import container

YELLOW_WINDOW = 86400


def open_ticket_gauges(now: float | None = None) -> dict:
    now = container.now() if now is None else now
    index = TicketModel.by_deadline
    red = yellow = green = 0
    for shard in range(container.settings.deadline_shards):
        key = f"D#{shard}"
        red += index.count(key, TicketModel.deadline_at < now)
        yellow += index.count(key, TicketModel.deadline_at.between(now, now + YELLOW_WINDOW))
        green += index.count(key, TicketModel.deadline_at > now + YELLOW_WINDOW)
        red += index.count(parked_shard(key))
    for light, value in (("red", red), ("yellow", yellow), ("green", green)):
        gauge("OpenTickets", value, light=light)
    gauge("OverdueTickets", red)
    count("GaugeRuns")
    return {"red": red, "yellow": yellow, "green": green, "overdue": red}
