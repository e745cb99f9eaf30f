"""The knowledge base's daily job: units are reminded of entries past their date."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..lazy import lazy

kb = lazy("chalicelib.services.kb")


bp = Blueprint(__name__)


@bp.schedule(SCHEDULES["kb_expiry"], name="kb_expiry")
def kb_expiry(event):
    return kb.remind_expired()
