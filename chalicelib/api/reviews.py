"""Social review (社会评议) for the dispatch center, under /v1/staff/reviews (staff authorizer)."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences, staff
from .http import request_body, request_query, route

review = lazy("chalicelib.services.review")

bp = audiences.staff


@route(bp, "/reviews", methods=["GET"], authorizer=staff.staff_authorizer,
       query="Page")
def pending_reviews():
    page = request_query(bp)
    return review.list_pending(staff.current_staff(), cursor=page.cursor, limit=page.limit)


@route(bp, "/reviews/{ticket_id}/decision", methods=["POST"],
       authorizer=staff.staff_authorizer, body="ReviewDecision")
def review_decision(ticket_id):
    return review.decide(staff.current_staff(), ticket_id, request_body(bp))
