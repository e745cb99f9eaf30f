"""Social review (社会评议) for the dispatch center, under /v1/staff/reviews (staff authorizer)."""

from __future__ import annotations

from chalice import Blueprint

from ..lazy import lazy
from . import staff
from .http import body_json, query_param, route

review = lazy("chalicelib.services.review")

bp = Blueprint(__name__)


@route(bp, "/v1/staff/reviews", methods=["GET"], authorizer=staff.staff_authorizer)
def pending_reviews():
    request = bp.current_request
    return review.list_pending(staff.current_staff(), cursor=query_param(request, "cursor"),
                               limit=query_param(request, "limit"))


@route(bp, "/v1/staff/reviews/{ticket_id}/decision", methods=["POST"],
       authorizer=staff.staff_authorizer)
def review_decision(ticket_id):
    return review.decide(staff.current_staff(), ticket_id, body_json(bp.current_request))
