"""Other platforms' API (12345 national, 人民网留言板, 信访), under /v1/partners: HMAC-signed
requests (``domain/partners.py``), checked before the body is parsed."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .http import json_response, request_body, route

partners = lazy("chalicelib.services.partners")

bp = audiences.partners


def _partner(source: str, path: str) -> dict:
    request = bp.current_request
    return partners.authenticate(source, request.headers, request.method,
                                 bp.url_prefix + path, request.raw_body or b"")


@route(bp, "/{source}/tickets", methods=["POST"], body="PartnerTicketBody")
def partner_ticket(source):
    partner = _partner(source, f"/{source}/tickets")
    body = request_body(bp)
    return json_response(partners.submit(partner, body.source_id, body.to_domain()),
                         status=201)


@route(bp, "/{source}/tickets/{source_id}", methods=["GET"])
def partner_ticket_status(source, source_id):
    partner = _partner(source, f"/{source}/tickets/{source_id}")
    return partners.get(partner, source_id)
