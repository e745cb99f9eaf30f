"""Dispatch objections (派单异议, 国办函〔2025〕66号): a unit that receives a matter outside its
duty list objects, citing the clause; the dispatch center decides within ``objection_decide_hours``:
uphold (the ticket is redispatched, to a named unit or back to the review queue) or reject (the
unit keeps it). Repeated objections for the same category × place × unit propose a duty-list
change to the dispatch center (:func:`proposals`).

Each objection is on the ticket (``objection``) and on the timeline's ``objection`` feed, so the
center's lists read only objections, never the tickets at large.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import Conflict, InvalidTransition, ValidationError
from ..domain.ticket import RETURNED
from ..observability import count
from ..wiring import container
from . import dispatch
from .sla_service import iso_local

FEED = "objection"
PENDING, UPHELD, REJECTED = "pending", "upheld", "rejected"
PENDING_DAYS = 30
PROPOSAL_DAYS = 180


def object_to(user, ticket_id, body):
    from .staff import _act
    clause, reason = body.clause, body.reason

    def mutate(t, now):
        if t.objection and t.objection.get("status") == PENDING:
            raise Conflict("已有待处理的派单异议", code="objection_pending")
        decide_by = int(now + container.settings.objection_decide_hours * 3600)
        number = int((t.objection or {}).get("id", 0)) + 1
        t.objection = {"id": number, "status": PENDING, "unit_id": t.unit_id, "clause": clause,
                       "reason": reason, "by": user.user, "at": int(now), "decide_by": decide_by,
                       "category": t.category, "region_code": t.region_code}
        count("DispatchObjections")
        return [Step("objection", reason, {
            "objection": number, "unit_id": t.unit_id, "clause": clause,
            "category": t.category, "region_code": t.region_code, "decide_by": decide_by},
            visible=False, feed=FEED)]
    return _act(user, ticket_id, "objection", body, mutate)


def decide(user, ticket_id, body):
    from .staff import _act
    uphold, unit_id, note = body.uphold, body.unit_id, body.note
    if unit_id is not None and container.reference.unit(unit_id) is None:
        raise ValidationError("未知的承办单位", field="unit_id", code="unknown_unit")

    def mutate(t, now):
        objection = dict(t.objection or {})
        if objection.get("status") != PENDING:
            raise InvalidTransition("没有待处理的派单异议", code="no_pending_objection")
        late = now > objection["decide_by"]
        objection.update(status=UPHELD if uphold else REJECTED, decided_by=user.user,
                         decided_at=int(now), note=note, late=late)
        t.objection = objection
        count("DispatchObjectionsDecided", upheld=str(uphold).lower(), late=str(late).lower())
        decided = Step("objection_decided", note, {
            "objection": objection["id"], "upheld": uphold, "late": late,
            "unit_id": objection["unit_id"], "to_unit": unit_id if uphold else None},
            visible=False)
        if not uphold:
            return [decided]
        from_unit = t.unit_id
        if unit_id is None:             # back to the review queue: the center dispatches again
            dispatch.to_review(t, "objection", now)
            t.status = RETURNED
            t.co_units = []
            t.signed_at = None
            return [decided, Step("returned", "派单异议成立，退回派单中心重新派单",
                                  {"from_unit": from_unit, "objection": True}, visible=False)]
        if unit_id == from_unit:
            raise ValidationError("改派单位不能是提出异议的单位", field="unit_id",
                                  code="same_unit")
        dispatch.assign(t, unit_id, [], now)
        t.route_reason = "objection"
        name = container.reference.unit_name(unit_id)
        return [decided, Step("dispatched", f"已派至{name}", {
            "unit_id": unit_id, "co_units": [], "by": "dispatcher", "redispatch": True,
            "learn": False, "category": t.category, "public": {"unit": name}})]
    return _act(user, ticket_id, "objection_decision", body, mutate)


def duty_list_unit(category: str | None, region_code: str | None) -> str | None:
    """The lead unit the duty list names today for this category × place (what a proposal
    would change), or None."""
    if not category or not region_code:
        return None
    region = container.reference.region(region_code)
    chain = list(region.chain) if region else [region_code]
    probe = SimpleNamespace(category=category, category_source=None, category_confidence=None)
    return dispatch.decide(probe, chain).unit_id


def _center_only(user) -> None:
    workflow.check_role(user, "objections")


def _entries(days: int):
    since = container.now() - days * 86400
    return container.work_index.feed(FEED, since, 1000)


def pending(user) -> dict:
    """``GET /v1/staff/objections``: objections waiting for the center, soonest deadline first,
    each marked ``late`` once its decision deadline has passed."""
    _center_only(user)
    entries = _entries(PENDING_DAYS)
    tickets = container.tickets.get_many(e.ticket_id for e in entries)
    now = container.now()
    items = []
    for t in tickets.values():
        o = t.objection or {}
        if o.get("status") != PENDING:
            continue
        items.append({"ticket_id": t.ticket_id, "code": t.code, "unit_id": o["unit_id"],
                      "unit": container.reference.unit_name(o["unit_id"]),
                      "category": o.get("category"), "region_code": o.get("region_code"),
                      "duty_list_unit": duty_list_unit(o.get("category"), o.get("region_code")),
                      "clause": o["clause"], "reason": o["reason"], "at": iso_local(o["at"]),
                      "decide_by": iso_local(o["decide_by"]), "late": now > o["decide_by"],
                      "version": t.version})
    items.sort(key=lambda i: i["decide_by"] or "")
    return {"count": len(items), "late": sum(1 for i in items if i["late"]), "items": items}


def proposals(user) -> dict:
    """``GET /v1/staff/duty-proposals``: where units objected ``objection_proposal_threshold``
    times or more (same category × place × unit, last 180 days), a proposed duty-list change."""
    _center_only(user)
    threshold = container.settings.objection_proposal_threshold
    groups: dict[tuple, list] = defaultdict(list)
    for e in _entries(PROPOSAL_DAYS):
        data = e.data or {}
        groups[(data.get("category"), data.get("region_code"), data.get("unit_id"))].append(e)
    items = []
    for (category, region, unit_id), found in groups.items():
        if len(found) < threshold:
            continue
        cat = container.reference.category(category) if category else None
        place = container.reference.region(region) if region else None
        unit = container.reference.unit_name(unit_id)
        items.append({
            "category": category, "region_code": region, "unit_id": unit_id,
            "duty_list_unit": duty_list_unit(category, region), "objections": len(found),
            "tickets": sorted({e.ticket_id for e in found}),
            "clauses": sorted({(e.data or {}).get("clause") for e in found} - {None}),
            "last_at": iso_local(max(e.at for e in found)),
            "proposal": f"{unit}对「{cat.name if cat else category}」在"
                        f"{place.name if place else region}已提出{len(found)}次派单异议，"
                        "建议核查并调整职责清单"})
    items.sort(key=lambda i: -i["objections"])
    return {"threshold": threshold, "count": len(items), "items": items}
