"""Admin console functions for the duty list, the category tree, units and tickets (issue 15).
Thin: the work is in services/imports.py and services/console.py; each has a sample event in
events/admin/ and a line in docs/admin.md."""

from __future__ import annotations

from chalice import Blueprint

from ..lazy import lazy
from .admin import _run

console = lazy("chalicelib.services.console")
imports = lazy("chalicelib.services.imports")

bp = Blueprint(__name__)


@bp.lambda_function(name="admin_import_duty_list")
def import_duty_list(event, context):
    return _run(imports.import_duty_list, event)


@bp.lambda_function(name="admin_import_categories")
def import_categories(event, context):
    return _run(imports.import_categories, event)


@bp.lambda_function(name="admin_unit")
def unit(event, context):
    return _run(console.edit_unit, event)


@bp.lambda_function(name="admin_reassign")
def reassign(event, context):
    return _run(console.reassign, event)


@bp.lambda_function(name="admin_pool_close_out")
def pool_close_out(event, context):
    return _run(console.close_out, event)


@bp.lambda_function(name="admin_staff")
def staff(event, context):
    return _run(console.edit_staff, event)
