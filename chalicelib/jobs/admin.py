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


def console_function(blueprint: Blueprint, lambda_name: str, service, operation: str,
                     doc: str | None = None):
    """One admin Lambda function (the cloud console is the admin's tool, docs/admin.md): its
    event goes to ``service.operation``; a domain error comes back as ``{"ok": false,
    "error": ...}``, not as a failed invocation. Registered under ``lambda_name`` and kept as
    this module's attribute named after it without ``admin_`` (Chalice's handler string)."""
    def handler(event, context):
        return _run(getattr(service, operation), event)
    handler.__name__ = handler.__qualname__ = lambda_name.removeprefix("admin_")
    handler.__doc__ = doc
    return blueprint.lambda_function(name=lambda_name)(handler)


calendar_override = console_function(bp, "admin_calendar_override", admin,
                                     "set_calendar_override")
sla_policy = console_function(bp, "admin_sla_policy", admin, "set_sla_policy")
load_reference = console_function(bp, "admin_load_reference", admin, "load_reference")
holiday_notice = console_function(
    bp, "admin_holiday_notice", calendar_notice, "apply_notice",
    """``{"text": "<国务院办公厅关于2027年部分节假日安排的通知>", "apply": false}``: a dry run
    shows the days and the tickets it would change; ``"apply": true`` applies it.""")
open311_client = console_function(bp, "admin_open311_client", open311, "register_client")
qr_codes = console_function(bp, "admin_qr_codes", places, "qr_codes",
                            "码上反映: save places below the village and print their QR codes "
                            "(PNG and SVG).")
erase_citizen = console_function(bp, "admin_erase_citizen", retention, "erase_citizen",
                                 "个人信息保护法: erase a citizen's data on a lawful request "
                                 "(``dry_run`` first).")


@bp.schedule(SCHEDULES["retention"], name="retention")
def retention_job(event):
    return retention.anonymize_due()
