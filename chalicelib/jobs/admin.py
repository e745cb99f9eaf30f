"""Admin Lambda functions: thin; the work is in services.admin."""

from __future__ import annotations

from chalice import Blueprint

from ..domain.errors import DomainError
from ..lazy import lazy

admin = lazy("chalicelib.services.admin")


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
