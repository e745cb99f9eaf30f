"""The staff API under /v1/staff/, behind a Chalice authorizer that verifies the staff JWT.

Missing or bad tokens never reach a view: API Gateway (and ``chalice local``) answer 401/403.
Views read the verified identity from the authorizer's context.
"""

from __future__ import annotations

from chalice import AuthResponse, Blueprint

from ..domain.errors import DomainError, Forbidden
from ..lazy import lazy
from ..services.staff_auth import StaffUser, verify_staff_token
from .http import body_json, json_response, query_param, route

intake = lazy("chalicelib.services.intake")
staff = lazy("chalicelib.services.staff")

bp = Blueprint(__name__)


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


def _body():
    request = bp.current_request
    return body_json(request) if (request.raw_body or b"").strip() else {}


@route(bp, "/v1/staff/queue", methods=["GET"], authorizer=staff_authorizer)
def queue():
    r = bp.current_request
    return staff.queue(current_staff(), status=query_param(r, "status"),
                       light=query_param(r, "light"), cursor=query_param(r, "cursor"),
                       unit=query_param(r, "unit"), limit=query_param(r, "limit"))


@route(bp, "/v1/staff/tickets", methods=["POST"], authorizer=staff_authorizer)
def hotline_entry():
    """A hotline agent enters a caller's request (channel ``phone``)."""
    ticket = intake.submit_for_caller(
        body_json(bp.current_request), current_staff(),
        bp.current_request.headers.get("idempotency-key"))
    return json_response(ticket, status=200 if ticket.get("attached") else 201)


@route(bp, "/v1/staff/tickets/{ticket_id}", methods=["GET"], authorizer=staff_authorizer)
def get_ticket(ticket_id):
    return staff.get_ticket(current_staff(), ticket_id)


def _action_route(action: str):
    def view(ticket_id):
        return staff.perform(current_staff(), ticket_id, action, _body(),
                             bp.current_request.headers.get("idempotency-key"))
    view.__name__ = "staff_" + action.replace("/", "_").replace("-", "_")
    route(bp, f"/v1/staff/tickets/{{ticket_id}}/{action}", methods=["POST"],
          authorizer=staff_authorizer)(view)
    return view


# The action routes, named here so that registering them does not import the services
# (services.staff.ACTIONS maps the same names to their functions; a unit test keeps them equal).
ACTION_PATHS = ("sign", "contact", "reply", "extension", "extension/decision", "return",
                "co-units", "escalate", "dispatch", "reject", "supervise", "instruction")

for _action in ACTION_PATHS:
    _action_route(_action)
