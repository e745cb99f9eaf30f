"""The citizen's evaluation in the mini-program: ``POST /v1/tickets/{id}/evaluation``."""

from __future__ import annotations

from ..lazy import lazy
from . import audiences
from .citizen import post_on_own_ticket
from .http import route

survey = lazy("chalicelib.services.survey")

bp = audiences.citizen


@route(bp, "/tickets/{ticket_id}/evaluation", methods=["POST"], body="EvaluationBody")
def evaluate(ticket_id):
    """``{"resolved": bool, "satisfaction": 1-5, "comment"?}``, once per reply."""
    return post_on_own_ticket(survey.evaluate_in_app, ticket_id)
