"""Staff endpoints for duplicates and merging (并单), caller lookup and malicious callers."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .http import request_body, request_query, route
from .staff import current_staff, staff_authorizer

callers = lazy("chalicelib.services.callers")
duplicates = lazy("chalicelib.services.duplicates")
merging = lazy("chalicelib.services.merging")

bp = audiences.staff


def _key():
    return bp.current_request.headers.get("idempotency-key")


@route(bp, "/tickets", methods=["GET"], authorizer=staff_authorizer, query="LookupQuery")
def lookup():
    q = request_query(bp)
    return callers.lookup(current_staff(), code=q.code, phone=q.phone, limit=q.limit,
                          cursor=q.cursor)


@route(bp, "/tickets/{ticket_id}/duplicates", methods=["GET"],
       authorizer=staff_authorizer)
def candidates(ticket_id):
    return duplicates.candidates(current_staff(), ticket_id)


@route(bp, "/tickets/{ticket_id}/merge", methods=["POST"], authorizer=staff_authorizer,
       body="Merge")
def merge(ticket_id):
    return merging.merge(current_staff(), ticket_id, request_body(bp), _key())


@route(bp, "/tickets/{ticket_id}/unmerge", methods=["POST"],
       authorizer=staff_authorizer, body="Unmerge")
def unmerge(ticket_id):
    return merging.unmerge(current_staff(), ticket_id, request_body(bp), _key())


@route(bp, "/tickets/{ticket_id}/caller-flag", methods=["POST"],
       authorizer=staff_authorizer, body="CallerFlag")
def caller_flag(ticket_id):
    return callers.flag_caller(current_staff(), ticket_id, request_body(bp), _key())
