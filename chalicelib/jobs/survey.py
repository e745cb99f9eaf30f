"""The callback survey schedule (every 10 minutes; it acts only in the daytime window), which also
sends the citizen SMS held for the daytime (services/daytime_sms.py)."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy

survey = lazy("chalicelib.services.survey")
daytime_sms = lazy("chalicelib.services.daytime_sms")


bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["surveys"], name="surveys")
def run_surveys(event):
    held = daytime_sms.flush()        # citizen SMS held overnight go first (issue 15 point 9)
    return {**survey.run_due(), "held_sms": held}
