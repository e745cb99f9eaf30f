"""What issue 15's follow-up work adds to the staff ticket view: the supervision order and the
instructions (services/orders.py), the co-units' tasks (services/co_units.py), the dispatch
objection (services/objections.py)."""

from __future__ import annotations

from ..wiring import container
from . import co_units, orders
from .sla_service import iso_local


def staff_view_extra(ticket) -> dict:
    extra = orders.staff_view_extra(ticket)
    extra["co_unit_tasks"] = co_units.task_views(ticket, container.now())
    objection = ticket.objection
    extra["objection"] = {**objection, "at": iso_local(objection["at"]),
                          "decide_by": iso_local(objection["decide_by"])} if objection else None
    return extra
