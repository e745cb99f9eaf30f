"""The public API (三公开, tracking by code) under /v1/public: no login.

GET answers carry ``Cache-Control: public, max-age=...`` and are cached by API Gateway (infra:
``CACHED_GETS`` below, each with the query parameters that are part of its cache key), so a
repeated view of a public page costs no DynamoDB read.
"""

from __future__ import annotations

from ..lazy import lazy
from ..wiring import container
from . import audiences
from .http import json_response, request_body, request_query, route
from .staff import current_staff, staff_authorizer

public = lazy("chalicelib.services.public")

bp = audiences.public
staff_bp = audiences.staff

LIST_PARAMS = ("category", "township", "status", "from", "to", "limit", "cursor")
# path -> the query parameters that are part of its cache key (infra/stack.py reads this)
CACHED_GETS: dict[str, tuple[str, ...]] = {
    "/v1/public/tickets": LIST_PARAMS,
    "/v1/public/tickets/{code}": (),
}


def cache_headers() -> dict:
    return {"Cache-Control": f"public, max-age={container.settings.public_cache_seconds}"}


def client_ip(request) -> str | None:
    identity = (request.context or {}).get("identity") or {}
    return identity.get("sourceIp")


@route(bp, "/tickets", methods=["GET"], query="PublicListQuery")
def list_tickets():
    q = request_query(bp).model_dump(by_alias=True)
    params = {name: q[name] for name in LIST_PARAMS}
    return json_response(public.list_disclosed(params), headers=cache_headers())


@route(bp, "/tickets/{code}", methods=["GET"])
def get_ticket(code):
    return json_response(public.get_disclosed(code), headers=cache_headers())


@route(bp, "/track", methods=["POST"], body="Track")
def track():
    request = bp.current_request
    return json_response(public.track(request_body(bp), client_ip(request)),
                         headers={"Cache-Control": "no-store"})


@route(staff_bp, "/tickets/{ticket_id}/withhold", methods=["POST"],
       authorizer=staff_authorizer, body="Withhold")
def withhold(ticket_id):
    return public.withhold(current_staff(), ticket_id, request_body(bp))
