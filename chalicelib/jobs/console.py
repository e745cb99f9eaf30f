"""Admin console functions for the duty list, the category tree, units and tickets (issue 15).
Thin: the work is in services/imports.py and services/console.py; each has a sample event in
events/admin/ and a line in docs/admin.md."""

from __future__ import annotations

from chalice import Blueprint

from ..lazy import lazy
from .admin import console_function

console = lazy("chalicelib.services.console")
imports = lazy("chalicelib.services.imports")

bp = Blueprint(__name__)


import_duty_list = console_function(bp, "admin_import_duty_list", imports, "import_duty_list")
import_categories = console_function(bp, "admin_import_categories", imports,
                                     "import_categories")
unit = console_function(bp, "admin_unit", console, "edit_unit")
reassign = console_function(bp, "admin_reassign", console, "reassign")
pool_close_out = console_function(bp, "admin_pool_close_out", console, "close_out")
staff = console_function(bp, "admin_staff", console, "edit_staff")
