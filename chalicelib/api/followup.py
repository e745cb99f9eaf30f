"""Issue 15's follow-up work on a ticket (staff): supervision orders (督办) answered and closed
out, instructions (批示) followed up and listed per level, co-unit tasks (协办), dispatch
objections (派单异议) and the duty-list change proposals they raise."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .http import query_param, request_body, route
from .staff import current_staff, staff_authorizer

orders = lazy("chalicelib.services.orders")
co_units = lazy("chalicelib.services.co_units")
objections = lazy("chalicelib.services.objections")

bp = audiences.staff


def _action(path: str, model: str, handler):
    def view(ticket_id):
        return handler()(current_staff(), ticket_id, request_body(bp))
    view.__name__ = "followup_" + path.replace("/", "_").replace("-", "_")
    route(bp, f"/tickets/{{ticket_id}}/{path}", methods=["POST"], authorizer=staff_authorizer,
          body=model)(view)


_action("supervision/response", "WrittenAnswer", lambda: orders.respond)
_action("supervision/close", "OrderClose", lambda: orders.close)
_action("instruction/follow-up", "FollowUp", lambda: orders.follow_up)
_action("co-units/sign", "CoSign", lambda: co_units.sign)
_action("co-units/reply", "WrittenAnswer", lambda: co_units.reply)
_action("co-units/rating", "CoRate", lambda: co_units.rate)
_action("objection", "Objection", lambda: objections.object_to)
_action("objection/decision", "ObjectionDecision", lambda: objections.decide)


@route(bp, "/instructions", methods=["GET"], authorizer=staff_authorizer, query="LevelQuery")
def instructions():
    return orders.instruction_list(current_staff(), query_param(bp.current_request, "level"))


@route(bp, "/objections", methods=["GET"], authorizer=staff_authorizer)
def objection_list():
    return objections.pending(current_staff())


@route(bp, "/duty-proposals", methods=["GET"], authorizer=staff_authorizer)
def duty_proposals():
    return objections.proposals(current_staff())


@route(bp, "/co-units/idle", methods=["GET"], authorizer=staff_authorizer, query="UnitQuery")
def idle_co_units():
    return co_units.idle(current_staff(), query_param(bp.current_request, "unit"))
