"""The operations dashboard's gauges and the overdue alarm's metric, on a schedule. Thin."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy

stats = lazy("chalicelib.services.stats")

bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["gauges"], name="gauges")
def gauges(event):
    stats.open_ticket_gauges()
