"""The mini-program's API (citizens), under /v1."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .http import bearer_token, json_response, request_body, request_query, route

auth = lazy("chalicelib.services.auth")
citizen = lazy("chalicelib.services.citizen")
idempotency = lazy("chalicelib.services.idempotency")
intake = lazy("chalicelib.services.intake")

bp = audiences.citizen


def current_citizen() -> str:
    """The citizen id (``wx:<openid>``) of the current request's bearer token, or a 401."""
    return auth.verify_citizen_token(bearer_token(bp.current_request))


def post_on_own_ticket(action, ticket_id: str):
    """A citizen's POST on their ticket (``action(citizen_id, ticket_id, body, idempotency
    key)``): the ticket as changed, 201."""
    key = bp.current_request.headers.get("idempotency-key")
    return json_response(action(current_citizen(), ticket_id, request_body(bp), key),
                         status=201)


def _channel(request) -> str:
    # 码上反映: the QR code opens the mini-program with the place pre-filled and says so
    return "qr" if (request.headers.get("x-minyi-entry") or "").lower() == "qr" else "wechat"


@route(bp, "/auth/wechat", methods=["POST"], body="Login")
def login():
    return auth.login_wechat(request_body(bp).code)


@route(bp, "/tickets", methods=["POST"], body="SubmissionBody")
def submit_ticket():
    request = bp.current_request
    citizen_id = current_citizen()
    key = idempotency.check_key(request.headers.get("idempotency-key"))
    submission = request_body(bp).to_domain()
    ticket = intake.submit(submission, citizen_id=citizen_id, channel=_channel(request),
                           idempotency_key=key)
    return json_response(ticket, status=200 if ticket.get("attached") else 201)


@route(bp, "/tickets/{ticket_id}", methods=["GET"])
def get_ticket(ticket_id):
    return citizen.get_ticket(current_citizen(), ticket_id)


@route(bp, "/me/tickets", methods=["GET"], query="Page")
def my_tickets():
    citizen_id = current_citizen()
    page = request_query(bp)
    return citizen.list_tickets(citizen_id, page.limit, page.cursor)


@route(bp, "/tickets/{ticket_id}/supplements", methods=["POST"], body="SupplementBody")
def add_supplement(ticket_id):
    return post_on_own_ticket(citizen.add_supplement, ticket_id)


@route(bp, "/tickets/{ticket_id}/withdraw", methods=["POST"], body="WithdrawBody")
def withdraw(ticket_id):
    citizen_id = current_citizen()
    return citizen.withdraw(citizen_id, ticket_id, request_body(bp))


@route(bp, "/attachments", methods=["POST"], body="AttachmentBody")
def new_attachment():
    citizen_id = current_citizen()
    return json_response(citizen.presign_upload(citizen_id, request_body(bp)), status=201)
