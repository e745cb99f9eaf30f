"""Partner platforms' callbacks (issue 15): the retry schedule and the admin functions. Thin;
the work is in services/partners.py."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy
from .admin import console_function

partners = lazy("chalicelib.services.partners")

bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["partner_callbacks"], name="partner_callbacks")
def retry_callbacks(event):
    return partners.retry_due()


partner = console_function(bp, "admin_partner", partners, "register",
                           "Add or edit a partner platform (its callback URL and its secret's "
                           "id).")
partner_deliveries = console_function(
    bp, "admin_partner_deliveries", partners, "deliveries_report",
    """The callbacks not delivered yet (stuck first); ``{"retry_stuck": true}`` retries.""")
