"""Social review (社会评议, 赣州): a citizen still dissatisfied after the last reopening.

Outside reviewers judge whether the unit handled the ticket lawfully and the request is
reasonable; the dispatch center records their decision here:

- reasonable: supervised re-handling (督办重办) by the same unit, the clocks restarted;
- unreasonable: explained to the citizen by SMS, the ticket closed (办结) and left out of the
  unit's scores (``excluded_from_scores``; see :func:`unit_scores`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..adapters.tickets_repo import Ticket
from ..domain import survey as rules
from ..domain import workflow
from ..domain.changes import Step
from ..domain.duplicates import counts_against_unit, counts_once
from ..domain.paging import page_size
from ..domain.ticket import CLOSED
from ..observability import count
from ..wiring import container
from . import dispatch, staff, views
from .staff_auth import StaffUser

_SCOPE = "reviews"


def list_pending(user: StaffUser, *, cursor: str | None, limit: str | None) -> dict:
    """Tickets awaiting social review, oldest first (dispatchers: all; leaders: their
    jurisdiction)."""
    workflow.check_role(user, "review_queue")
    size = page_size(limit)
    found, next_cursor = container.tickets.review_queue(size, cursor, _SCOPE)
    now = container.now()
    items = [review_view(t, now) for t in found if workflow.can_see(user, t)]
    return {"items": items, "cursor": next_cursor}


def review_view(t: Ticket, now: float) -> dict:
    view = views.staff_ticket(t, now)
    view["review"] = dict(t.review or {})
    view["evaluation"] = {"outcome": t.evaluation, "satisfaction": t.satisfaction,
                          "resolved": t.resolved,
                          "at": views.iso_local(t.evaluated_at) if t.evaluated_at else None}
    return view


def decide(user: StaffUser, ticket_id: str, body: Any) -> dict:
    """``POST /v1/staff/reviews/{id}/decision`` ``{"reasonable": bool, "note": str}``; the note is
    the reviewers' reasoning, and when the request is unreasonable, the explanation the citizen
    receives by SMS."""
    body = staff.models.coerce(staff.models.ReviewDecision, body)     # typed at the edge
    reasonable, note = body.reasonable, body.note

    def mutate(t: Ticket, now: float) -> list[Step]:
        review = dict(t.review or {})
        review.update({"status": "decided", "reasonable": reasonable, "note": note,
                       "decided_by": user.user, "decided_at": int(now)})
        t.review = review
        t.review_queue = None
        t.review_at = None
        if reasonable:
            t.supervised = True
            dispatch.rehandle(t, now)
            count("SocialReviews", decision="reasonable")
            return [
                Step("review_decided", note, {"reasonable": True,
                                              "public": {"reasonable": True}}),
                Step("reopened", "经社会评议，诉求合理，督办重新办理",
                     {"unit_id": t.unit_id, "reason": "social_review", "supervised": True,
                      "public": {"unit": container.reference.unit_name(t.unit_id),
                                 "supervised": True}}),
            ]
        t.status = CLOSED
        t.closed_at = now
        t.excluded_from_scores = True
        count("SocialReviews", decision="unreasonable")
        return [
            Step("review_decided", note, {"reasonable": False, "excluded_from_scores": True,
                                          "public": {"reasonable": False}}),
            Step("closed", "经社会评议，诉求不合理，已向诉求人解释；工单办结，不计入单位考核",
                 {"evaluation": t.evaluation, "excluded_from_scores": True,
                  "reason": "review_unreasonable", "explanation": note,
                  "public": {"evaluation": t.evaluation}}),
        ]

    # the staff action path: visibility, role and state (workflow "review_decision"), the
    # version check, the timeline in the same transaction; the SMS follow from the entries
    return staff._act(user, ticket_id, "review_decision", body, mutate)


# ------------------------------------------------------------------ scores
def evaluated(t: Ticket) -> rules.Evaluated:
    return rules.Evaluated(unit_id=t.unit_id or "", evaluation=t.evaluation,
                           satisfaction=int(t.satisfaction) if t.satisfaction else None,
                           resolved=t.resolved, excluded=not counts_against_unit(t))


def unit_scores(tickets: Iterable[Ticket]) -> dict[str, rules.UnitScore]:
    """Per-unit satisfaction of closed tickets; social review's exclusions and malicious callers'
    tickets left out, a merged matter counted once (its primary)."""
    return rules.unit_scores(evaluated(t) for t in tickets
                             if t.status == CLOSED and counts_once(t))
