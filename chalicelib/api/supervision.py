"""A unit's to-supervise list (待督办): overdue tickets in its chain."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .http import query_param, route
from .staff import current_staff, staff_authorizer

supervision_service = lazy("chalicelib.services.supervision")

bp = audiences.staff


@route(bp, "/supervision", methods=["GET"], authorizer=staff_authorizer,
       query="SupervisionQuery")
def supervision():
    request = bp.current_request
    include_closed = query_param(request, "all") in ("1", "true")
    return supervision_service.supervision_list(
        current_staff(), include_closed=include_closed, limit=query_param(request, "limit"),
        cursor=query_param(request, "cursor"))
