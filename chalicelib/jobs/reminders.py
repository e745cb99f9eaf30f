"""The deadline reminders' schedule (5 and 3 days before, seed 000). Thin."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy

reminders = lazy("chalicelib.services.reminders")

bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["reminders"], name="reminders")
def remind(event):
    reminders.run()
