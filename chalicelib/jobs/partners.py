"""Partner platforms' callbacks (issue 15): the retry schedule and the admin functions. Thin;
the work is in services/partners.py."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy
from .admin import _run

partners = lazy("chalicelib.services.partners")

bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["partner_callbacks"], name="partner_callbacks")
def retry_callbacks(event):
    return partners.retry_due()


@bp.lambda_function(name="admin_partner")
def partner(event, context):
    """Add or edit a partner platform (its callback URL and its secret's id)."""
    return _run(partners.register, event)


@bp.lambda_function(name="admin_partner_deliveries")
def deliveries(event, context):
    """The callbacks not delivered yet (stuck first); ``{"retry_stuck": true}`` retries."""
    return _run(partners.deliveries_report, event)
