"""The staff API under /v1/staff/, behind a Chalice authorizer that verifies the staff JWT.

Missing or bad tokens never reach a view: API Gateway (and ``chalice local``) answer 401/403.
Views read the verified identity from the authorizer's context.
"""

from __future__ import annotations

from chalice import AuthResponse

from ..domain.errors import DomainError, Forbidden
from ..lazy import lazy
from ..services.staff_auth import StaffUser, verify_staff_token
from . import audiences
from .http import json_response, request_body, request_query, route

idempotency = lazy("chalicelib.services.idempotency")
intake = lazy("chalicelib.services.intake")
staff = lazy("chalicelib.services.staff")

bp = audiences.staff


@bp.authorizer(ttl_seconds=0)
def staff_authorizer(auth_request):
    scheme, _, token = (auth_request.token or "").partition(" ")
    try:
        if scheme.lower() != "bearer" or not token:
            raise DomainError()
        user = verify_staff_token(token.strip())
    except DomainError:
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(routes=["*"], principal_id=user.user, context=user.to_context())


def current_staff() -> StaffUser:
    """The verified staff identity the authorizer put on the current request."""
    context = (bp.current_request.context or {}).get("authorizer") or {}
    if "user" not in context:       # only reachable if the route lost its authorizer
        raise Forbidden()
    return StaffUser.from_context(context)


@route(bp, "/queue", methods=["GET"], authorizer=staff_authorizer, query="QueueQuery")
def queue():
    q = request_query(bp)
    return staff.queue(current_staff(), status=q.status, light=q.light, cursor=q.cursor,
                       unit=q.unit, limit=q.limit)


@route(bp, "/tickets", methods=["POST"], authorizer=staff_authorizer,
       body="SubmissionBody")
def hotline_entry():
    """A hotline agent enters a caller's request (channel ``phone``)."""
    agent = current_staff()
    intake.check_agent(agent)               # the role, then the key, then the body
    key = idempotency.check_key(bp.current_request.headers.get("idempotency-key"))
    ticket = intake.submit_for_caller(request_body(bp).to_domain(), agent, key)
    return json_response(ticket, status=200 if ticket.get("attached") else 201)


@route(bp, "/tickets/{ticket_id}", methods=["GET"], authorizer=staff_authorizer)
def get_ticket(ticket_id):
    return staff.get_ticket(current_staff(), ticket_id)


def _action_route(action: str):
    def view(ticket_id):
        return staff.perform(current_staff(), ticket_id, action, request_body(bp),
                             bp.current_request.headers.get("idempotency-key"))
    view.__name__ = "staff_" + action.replace("/", "_").replace("-", "_")
    route(bp, f"/tickets/{{ticket_id}}/{action}", methods=["POST"],
          authorizer=staff_authorizer, body=ACTION_MODELS[action])(view)
    return view


# The action routes, named here so that registering them does not import the services
# (services.staff.ACTIONS maps the same names to their functions; a unit test keeps them equal).
ACTION_PATHS = ("sign", "contact", "reply", "extension", "extension/decision", "return",
                "co-units", "escalate", "dispatch", "reject", "supervise", "instruction",
                "handoff")
# each action's request model in api/models.py (``models.ACTIONS``; a unit test keeps them equal)
ACTION_MODELS = {
    "sign": "Sign", "contact": "Contact", "reply": "Reply", "extension": "Extension",
    "extension/decision": "ExtensionDecision", "return": "Reasoned", "co-units": "CoUnits",
    "escalate": "Reasoned", "dispatch": "Dispatch", "reject": "Reject", "supervise": "Supervise",
    "instruction": "Note", "handoff": "HandOff",
}

for _action in ACTION_PATHS:
    _action_route(_action)
