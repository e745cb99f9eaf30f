"""The escalation sweep's schedule: every minute, start one sweep execution with the app's clock
(the state machine has no settable clock; ``now`` comes from here)."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy

escalation = lazy("chalicelib.services.escalation")


bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["escalation"], name="escalation_sweep")
def start_escalation_sweep(event):
    return {"execution": escalation.start_sweep()}
