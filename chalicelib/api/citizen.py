"""The mini-program's API (citizens), under /v1."""

from __future__ import annotations

from chalice import Blueprint

from ..lazy import lazy
from .http import bearer_token, body_json, json_response, query_param, route

auth = lazy("chalicelib.services.auth")
citizen = lazy("chalicelib.services.citizen")
intake = lazy("chalicelib.services.intake")

bp = Blueprint(__name__)


def current_citizen() -> str:
    """The citizen id (``wx:<openid>``) of the current request's bearer token, or a 401."""
    return auth.verify_citizen_token(bearer_token(bp.current_request))


def _channel(request) -> str:
    # 码上反映: the QR code opens the mini-program with the place pre-filled and says so
    return "qr" if (request.headers.get("x-minyi-entry") or "").lower() == "qr" else "wechat"


@route(bp, "/v1/auth/wechat", methods=["POST"])
def login():
    return auth.login_wechat(body_json(bp.current_request))


@route(bp, "/v1/tickets", methods=["POST"])
def submit_ticket():
    request = bp.current_request
    citizen_id = current_citizen()
    body = body_json(request)
    ticket = intake.submit(body, citizen_id=citizen_id, channel=_channel(request),
                           idempotency_key=request.headers.get("idempotency-key"))
    return json_response(ticket, status=200 if ticket.get("attached") else 201)


@route(bp, "/v1/tickets/{ticket_id}", methods=["GET"])
def get_ticket(ticket_id):
    return citizen.get_ticket(current_citizen(), ticket_id)


@route(bp, "/v1/me/tickets", methods=["GET"])
def my_tickets():
    request = bp.current_request
    return citizen.list_tickets(current_citizen(), query_param(request, "limit"),
                                query_param(request, "cursor"))


@route(bp, "/v1/tickets/{ticket_id}/supplements", methods=["POST"])
def add_supplement(ticket_id):
    request = bp.current_request
    citizen_id = current_citizen()
    ticket = citizen.add_supplement(citizen_id, ticket_id, body_json(request),
                                    request.headers.get("idempotency-key"))
    return json_response(ticket, status=201)


@route(bp, "/v1/tickets/{ticket_id}/withdraw", methods=["POST"])
def withdraw(ticket_id):
    request = bp.current_request
    citizen_id = current_citizen()
    body = body_json(request) if (request.raw_body or b"").strip() else {}
    return citizen.withdraw(citizen_id, ticket_id, body)


@route(bp, "/v1/attachments", methods=["POST"])
def new_attachment():
    citizen_id = current_citizen()
    return json_response(citizen.presign_upload(citizen_id, body_json(bp.current_request)),
                         status=201)
