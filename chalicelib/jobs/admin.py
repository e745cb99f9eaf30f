"""Admin Lambda functions: thin; the work is in services.admin."""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import SCHEDULES
from ..domain.errors import DomainError
from ..lazy import lazy

admin = lazy("chalicelib.services.admin")
calendar_notice = lazy("chalicelib.services.calendar_notice")
open311 = lazy("chalicelib.services.open311")
places = lazy("chalicelib.services.places")
retention = lazy("chalicelib.services.retention")


bp = Blueprint(__name__)


def _run(operation, event):
    try:
        return {"ok": True, "result": operation(event)}
    except DomainError as exc:
        return {"ok": False, "error": exc.to_dict()}


@bp.lambda_function(name="admin_calendar_override")
def calendar_override(event, context):
    return _run(admin.set_calendar_override, event)


@bp.lambda_function(name="admin_sla_policy")
def sla_policy(event, context):
    return _run(admin.set_sla_policy, event)


@bp.lambda_function(name="admin_load_reference")
def load_reference(event, context):
    return _run(admin.load_reference, event)


@bp.lambda_function(name="admin_holiday_notice")
def holiday_notice(event, context):
    """``{"text": "<国务院办公厅关于2027年部分节假日安排的通知>", "apply": false}``: a dry run
    shows the days and the tickets it would change; ``"apply": true`` applies it."""
    return _run(calendar_notice.apply_notice, event)


@bp.lambda_function(name="admin_open311_client")
def open311_client(event, context):
    return _run(open311.register_client, event)


@bp.lambda_function(name="admin_qr_codes")
def qr_codes(event, context):
    """码上反映: save places below the village and print their QR codes (PNG and SVG)."""
    return _run(places.qr_codes, event)


@bp.lambda_function(name="admin_erase_citizen")
def erase_citizen(event, context):
    """个人信息保护法: erase a citizen's data on a lawful request (``dry_run`` first)."""
    return _run(retention.erase_citizen, event)


@bp.schedule(SCHEDULES["retention"], name="retention")
def retention_job(event):
    return retention.anonymize_due()
