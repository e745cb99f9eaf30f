"""The callback survey schedule (every 10 minutes; it acts only in the daytime window)."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy

survey = lazy("chalicelib.services.survey")


bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["surveys"], name="surveys")
def run_surveys(event):
    return survey.run_due()
