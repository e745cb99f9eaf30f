"""The citizen's evaluation in the mini-program: ``POST /v1/tickets/{id}/evaluation``."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .citizen import current_citizen
from .http import json_response, request_body, route

survey = lazy("chalicelib.services.survey")

bp = audiences.citizen


@route(bp, "/tickets/{ticket_id}/evaluation", methods=["POST"], body="EvaluationBody")
def evaluate(ticket_id):
    """``{"resolved": bool, "satisfaction": 1-5, "comment"?}``, once per reply."""
    request = bp.current_request
    citizen_id = current_citizen()
    ticket = survey.evaluate_in_app(citizen_id, ticket_id, request_body(bp),
                                    request.headers.get("idempotency-key"))
    return json_response(ticket, status=201)
