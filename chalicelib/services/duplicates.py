"""Duplicate candidates (并单候选) and repeat requests (重复件), at submission and on demand.

- Candidates: open tickets of the same minor category nearby (the H3 k-ring of the location, or
  the same village), from the last 30 days, with similar text (``domain/duplicates.py``). They
  are found before a new ticket is written and stored on it (``duplicate_candidates``), so the
  review queue shows them without a query; a dispatcher asks again on demand
  (``GET /v1/staff/tickets/{id}/duplicates``). Cost: one query per ring cell plus one for the
  village, reading the open tickets of that category there since the window began: it grows
  with nearby open tickets, not with stored tickets (bench/duplicates.py).
- Repeat requests: the same citizen (phone, or WeChat openid) submitting the same matter again
  while it is open becomes a supplement to the open ticket, and is told so; after the ticket was
  answered or closed, the new ticket carries ``repeat_of`` for the measures.
- A caller marked malicious (``services/callers.py``) has the flag copied onto new tickets.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..adapters.tickets_repo import Ticket
from ..domain import duplicates as rules
from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from ..domain.intake import Submission
from ..domain.ticket import (
    CLOSED,
    IN_REVIEW,
    MAX_ATTACHMENTS,
    OPEN_STATUSES,
    REPLIED,
    SYSTEM,
    Actor,
)
from ..observability import count, logger
from ..wiring import container
from . import changes, views

ANSWERED = frozenset({REPLIED, IN_REVIEW, CLOSED})    # a re-submission after these is a repeat
HISTORY = 20                                          # a caller's newest tickets looked at


def settings_rules() -> rules.Rules:
    s = container.settings
    return rules.Rules(radius_m=s.dup_radius_m, window_days=s.dup_window_days,
                       text_threshold=s.dup_text_threshold,
                       repeat_threshold=s.dup_repeat_threshold,
                       h3_resolution=s.dup_h3_resolution)


def _point(location) -> rules.Point | None:
    if location is None:
        return None
    return rules.Point(float(location.lat), float(location.lng))


def report(t: Ticket) -> rules.Report:
    return rules.Report(t.ticket_id, t.category, t.region_code, t.description,
                        float(t.created_at), _point(t.location), t.code, t.status)


def phone_key(phone: str | None) -> str | None:
    return rules.phone_key(phone, container.settings.phone_secret)


def index_keys(t: Ticket) -> None:
    """Set the index keys from the ticket's category, place and phone (at submission, on every
    assignment: a dispatcher may have corrected the category). The duplicate keys exist only
    while the ticket is open: ``lifecycle.clear_open_keys`` removes them with the deadline
    keys when it leaves the open states."""
    r = settings_rules()
    is_open = t.status in OPEN_STATUSES     # sparse: only open tickets are candidates
    t.dup_cell = rules.cell_key(t.category, _point(t.location), r) if is_open else None
    t.dup_place = rules.place_key(t.category, t.region_code) if is_open else None
    t.phone_key = phone_key(t.phone)


# ------------------------------------------------------------------ candidates
def find_candidates(t: Ticket, now: float) -> list[rules.Candidate]:
    r = settings_rules()
    new = report(t)
    if not new.category:
        return []
    cells = ([f"{new.category}#{c}" for c in rules.neighbour_cells(new.point, r)]
             if new.point is not None else [])
    since = now - r.window_days * 86400
    nearby = container.caller_index.open_near(cells, rules.place_key(new.category, new.region_code),
                                       since)
    return rules.rank(new, (report(o) for o in nearby if o.merged_into is None), r, now)


def candidates(user, ticket_id: str) -> dict:
    """``GET /v1/staff/tickets/{id}/duplicates``: the candidates now (dispatchers)."""
    if not workflow.sees_all(user):
        raise Forbidden("只有热线中心的派单员或管理员可以查看并单候选", code="role_required")
    if not isinstance(ticket_id, str) or len(ticket_id) != 26:
        raise NotFound("工单不存在")
    t = container.tickets.get(ticket_id)
    workflow.check_visible(user, t)
    now = container.now()
    found = find_candidates(t, now)
    others = {o.ticket_id: o for o in
              (container.tickets.get(c.ticket_id) for c in found) if o is not None}
    items = []
    for c in found:
        other = others.get(c.ticket_id)
        if other is None:
            continue
        items.append({**c.to_dict(), "status": other.status, "unit_id": other.unit_id,
                      "created_at": views.iso_local(other.created_at),
                      "description": other.description[:200]})
    return {"id": t.ticket_id, "code": t.code, "candidates": items}


# ------------------------------------------------------------------ repeat requests
@dataclass
class Repeat:
    open: Ticket | None = None          # the same matter, still open: a supplement
    answered: Ticket | None = None      # the same matter, answered or closed: repeat_of
    similarity: float | None = None


def _history(citizen_id: str, phone: str) -> list[Ticket]:
    """The caller's newest tickets: by phone number (any channel: the WeChat user's own earlier
    submissions with this number, and the number's hotline calls and SMS), one query on the
    request path; by citizen id only when there is no number key."""
    key = phone_key(phone)
    if key:
        items = container.tickets.recent_by_phone(key, HISTORY)
    else:
        items, _ = container.tickets.citizen_tickets(citizen_id, HISTORY, None)
    return sorted(items, key=lambda t: -float(t.created_at))


def same_citizen(earlier: Ticket, citizen_id: str, phone: str) -> bool:
    """The same WeChat user, or the same phone number where one side is known only by its
    number (a hotline call, an SMS): two WeChat users sharing a number are two citizens."""
    if earlier.citizen_id == citizen_id:
        return True
    by_number = citizen_id.startswith("tel:") or (earlier.citizen_id or "").startswith("tel:")
    return by_number and earlier.phone == phone


def find_repeat(submission: Submission, citizen_id: str, now: float) -> Repeat:
    r = settings_rules()
    location = submission.location
    new = rules.Report("", submission.category, submission.region_code, submission.description,
                       now, rules.Point(location.lat, location.lng) if location else None)
    found = Repeat()
    for earlier in _history(citizen_id, submission.phone):
        if not same_citizen(earlier, citizen_id, submission.phone):
            continue
        if earlier.status in OPEN_STATUSES:
            pass
        elif earlier.status in ANSWERED and earlier.created_at >= now - r.window_days * 86400:
            pass
        else:
            continue
        similarity = rules.same_matter(new, report(earlier), r)
        if similarity is None:
            continue
        if earlier.status in OPEN_STATUSES:
            return Repeat(open=earlier, similarity=similarity)
        if found.answered is None:
            found = Repeat(answered=earlier, similarity=similarity)
    return found


def attach_repeat(found: Repeat, submission: Submission, *, citizen_id: str, channel: str,
                  agent: Actor | None, now: float, marker=None) -> dict:
    """The same matter, still open: added to that ticket as a supplement, not a new ticket.
    ``marker``: the submission's marker, committed with the supplement (so a retry of this
    submission, or this submission racing its own first run, attaches nothing twice)."""
    t = container.tickets.get(found.open.ticket_id)
    if t is None or t.status not in OPEN_STATUSES:
        raise InvalidTransition("原工单状态已变化，请重新提交", code="repeat_target_changed")
    attachments = list(submission.attachments)
    if len(t.attachments or []) + len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError(f"每个工单最多 {MAX_ATTACHMENTS} 个附件", field="attachments",
                              code="too_many_attachments")
    actor = agent or Actor("citizen", citizen_id)

    def mutate(t: Ticket, now: float) -> list[Step]:
        t.attachments = list(t.attachments or []) + attachments
        return [Step("supplement", submission.description,
                     {"attachments": attachments, "repeat": True,
                      "similarity": found.similarity, "citizen_id": citizen_id,
                      "public": {"attachments": attachments, "repeat": True}}, channel=channel)]
    done = changes.change(t, actor, mutate, marker=marker)   # the outbox tells the citizen
    count("RepeatRequests", outcome="supplement")
    logger.info("repeat request attached", extra={"ticket_id": t.ticket_id, "channel": channel})
    view = views.committed(done, staff=False)
    view["attached"] = True
    view["notice"] = f"您反映的问题与工单{t.code}为同一诉求，已作为补充材料并入该工单办理"
    return view


# ---------------------------------------------------- a new ticket, before it is written
def prepare_new(t: Ticket, found: Repeat, now: float) -> list[Step]:
    """What a new ticket knows before its one write without another call: its index keys and
    ``repeat_of`` (from the caller's history, already read). The duplicate candidates and the
    malicious-caller flag follow off the request path (:func:`screen`, run by the outbox for
    the committed ``submitted`` entry). Returns its extra (staff-only) timeline steps."""
    index_keys(t)
    steps: list[Step] = []
    if found.answered is not None:
        t.repeat_of = found.answered.ticket_id
        steps.append(Step("repeat", None, {"repeat_of": found.answered.ticket_id,
                                           "code": found.answered.code,
                                           "similarity": found.similarity},
                          visible=False, actor=SYSTEM))
        count("RepeatRequests", outcome="flagged")
    return steps


def screen(ticket_id: str) -> str:
    """A new ticket's screening, within seconds of its submission (an outbox effect): the
    caller's malicious-caller flag and the duplicate candidates, recorded as one change."""
    t = container.tickets.get(ticket_id)
    if t is None or t.status not in OPEN_STATUSES:
        return "gone"
    flag = container.caller_index.malicious_flag(t.phone_key) if t.phone_key else None
    found = find_candidates(t, container.now())
    if flag is None and not found:
        return "clear"

    def mutate(x: Ticket, now: float) -> list[Step]:
        steps = []
        if flag is not None:
            x.malicious_caller = True
            steps.append(Step("malicious_caller", flag.get("reason"),
                              {"flagged_by": flag.get("by"), "since": flag.get("at")},
                              visible=False))
            count("MaliciousCallerTickets")
        if found:
            x.duplicate_candidates = [c.to_dict() for c in found]
            steps.append(Step("duplicates_found", None, {
                "candidates": [c.ticket_id for c in found]}, visible=False))
            count("DuplicateCandidatesOffered")
        return steps
    changes.change(t, SYSTEM, mutate)
    return "screened"
