"""What staff do with tickets: the unit's workflow, the dispatch center's decisions, leaders'
supervision. Every action: right role and state (``domain.workflow``), written against the
version the ticket was read at (a concurrent action gets 409), its timeline entry in the same
transaction, then SMS and timers."""

from __future__ import annotations

from typing import Any

from ..adapters.tickets_repo import Ticket
from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import Conflict, InvalidTransition, NotFound, ValidationError
from ..domain.lights import GREEN, RED, YELLOW
from ..domain.paging import page_size
from ..domain.sla import contact_deadline
from ..domain.ticket import (
    ACCEPTED,
    CLOSED,
    DISPATCHED,
    OPEN_STATUSES,
    REJECTED,
    REPLIED,
    RETURNED,
    STATUSES,
    Actor,
    deadline_shard,
)
from ..lazy import lazy
from ..observability import count, logger
from ..wiring import container
from . import changes, dispatch, orders, pool, views
from .idempotency import run_once
from .sla_service import policy_for, to_local
from .staff_auth import StaffUser

MAX_EXTENSION_DAYS = 60

models = lazy("chalicelib.api.models")       # the typed request bodies (pydantic)
work = lazy("chalicelib.services.work")      # issue 15's follow-up work on the ticket view


# ---------------------------------------------------------------- reference checks
def _known_units(units, name: str) -> list[str]:
    """The units a body names (its shape checked at the edge) must exist."""
    for unit_id in units:
        if container.reference.unit(unit_id) is None:
            raise ValidationError(f"未知的单位：{unit_id}", field=name, code="unknown_unit")
    return list(units)


# ---------------------------------------------------------------- the one path for actions
def _load_visible(user: StaffUser, ticket_id: str) -> Ticket:
    if not isinstance(ticket_id, str) or len(ticket_id) != 26:
        raise NotFound("工单不存在")
    ticket = container.tickets.get(ticket_id)
    workflow.check_visible(user, ticket)
    return ticket


def _actor(user: StaffUser) -> Actor:
    return Actor("staff", user.user, user.unit_id, user.name)


def _act(user: StaffUser, ticket_id: str, action: str, body, mutate) -> dict:
    """Visibility, role and state (``domain.workflow``), then the one change path; the response
    is built from what was committed (no re-read)."""
    ticket = _load_visible(user, ticket_id)
    expected = body.version
    workflow.authorize(user, ticket, action)
    done = changes.change(ticket, _actor(user), mutate, expected_version=expected)
    count("StaffActions", action=action)
    logger.info("staff action", extra={"ticket_id": ticket.ticket_id, "action": action,
                                       "user": user.user, "unit": user.unit_id})
    return views.committed(done, staff=True)


def perform(user: StaffUser, ticket_id: str, action: str, body: Any,
            idempotency_key: str | None = None) -> dict:
    """Run a staff action; with an Idempotency-Key a retried request replays its first result.
    ``body``: the action's model (``api/models.ACTIONS``), or the raw body (checked the same)."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound("未知的操作")
    body = models.coerce(models.ACTIONS[action], body)
    if idempotency_key is None:
        return handler(user, ticket_id, body)
    payload = {"ticket": ticket_id, "action": action, "body": body.model_dump(mode="json")}
    return run_once(f"staff:{action}", user.user, idempotency_key, payload,
                    lambda: handler(user, ticket_id, body))


# ---------------------------------------------------------------- unit actions
def sign(user, ticket_id, body):
    def mutate(t, now):
        policy = policy_for(t.region_code)
        t.status = ACCEPTED
        t.signed_at = now
        t.contact_due_at = int(contact_deadline(policy, to_local(now)).timestamp())
        unit = container.reference.unit_name(t.unit_id)
        return [Step("signed", "承办单位已签收", {"public": {"unit": unit}})]
    return _act(user, ticket_id, "sign", body, mutate)


def contact(user, ticket_id, body):
    outcome, note = body.outcome, body.note

    def mutate(t, now):
        first = t.contacted_at is None and outcome == "reached"
        if outcome == "reached" and t.contacted_at is None:
            t.contacted_at = now
        on_time = bool(first and t.contact_due_at and now <= t.contact_due_at)
        data = {"outcome": outcome, "first_contact": first, "on_time": on_time}
        if first:
            count("FirstContact", on_time=str(on_time).lower())
        return [Step("contacted", note, data, outcome == "reached")]
    return _act(user, ticket_id, "contact", body, mutate)


def reply(user, ticket_id, body):
    text, grade, plan = body.text, body.grade, body.plan

    def mutate(t, now):
        pool.require_plan(t, grade, plan)    # grade C: an approved extension or a plan
        t.status = REPLIED
        t.replied_at = now
        t.reply_text = text
        t.grade = grade
        t.extension = _closed_extension(t.extension)
        # the callback survey is due after a delay; a sparse index finds it (services/survey)
        t.callback_at = int(now + container.settings.callback_delay_seconds)
        t.callback_shard = deadline_shard(t.ticket_id, container.settings.deadline_shards)
        on_time = bool(t.due_at and now <= t.due_at)
        count("TicketsReplied", grade=grade, on_time=str(on_time).lower())
        data = {"grade": grade, "on_time": on_time, **({"plan": plan} if plan else {})}
        return [Step("replied", text, data)]
    return _act(user, ticket_id, "reply", body, mutate)


def request_extension(user, ticket_id, body):
    reason, new_due = body.reason, body.new_due_at

    def mutate(t, now):
        if t.extension and t.extension.get("status") == "pending":
            raise Conflict("已有待审批的延期申请", code="extension_pending")
        if new_due <= max(now, t.due_at or 0):
            raise ValidationError("新的办理期限应晚于当前期限", field="new_due_at",
                                  code="invalid_deadline")
        if new_due > (t.due_at or now) + MAX_EXTENSION_DAYS * 86400:
            raise ValidationError(f"延期不能超过 {MAX_EXTENSION_DAYS} 天", field="new_due_at",
                                  code="invalid_deadline")
        t.extension = {"status": "pending", "reason": reason, "requested_due_at": int(new_due),
                       "requested_by": user.user, "requested_at": int(now),
                       "previous_due_at": t.due_at}
        return [Step("extension_requested", reason, {"requested_due_at": int(new_due)},
                     visible=False)]
    return _act(user, ticket_id, "extension", body, mutate)


def decide_extension(user, ticket_id, body):
    approve, note = body.approve, body.note

    def mutate(t, now):
        if not t.extension or t.extension.get("status") != "pending":
            raise InvalidTransition("没有待审批的延期申请", code="no_pending_extension")
        ext = dict(t.extension)
        ext.update({"status": "approved" if approve else "rejected", "decided_by": user.user,
                    "decided_at": int(now), "note": note})
        t.extension = ext
        if approve:
            t.due_at = ext["requested_due_at"]
            t.overdue = False
            count("ExtensionsApproved")
            return [Step("extended", note, {"due_at": t.due_at,
                                            "public": {"due_at": views.iso_local(t.due_at)}})]
        count("ExtensionsRejected")
        return [Step("extension_rejected", note, visible=False)]
    return _act(user, ticket_id, "extension_decision", body, mutate)


def return_ticket(user, ticket_id, body):
    reason = body.reason

    def mutate(t, now):
        from_unit = t.unit_id
        dispatch.to_review(t, "returned", now)
        t.status = RETURNED
        t.co_units = []
        t.co_tasks = None
        t.signed_at = None
        count("TicketsReturned")
        # the citizen sees the step (issue 15 point 9), not the unit's reason
        public = {"text": "承办单位退回，正在重新确定办理单位"}
        return [Step("returned", reason, {"from_unit": from_unit, "public": public})]
    return _act(user, ticket_id, "return", body, mutate)


def add_co_units(user, ticket_id, body):
    units = _known_units(body.units, "units")

    def mutate(t, now):
        added = [u for u in units if u != t.unit_id and u not in (t.co_units or [])]
        if not added:
            raise ValidationError("没有新的协办单位", field="units", code="nothing_to_add")
        t.co_units = list(t.co_units or []) + added
        # each co-unit's own task (协办) starts now (services/co_units.py)
        t.co_tasks = {**(t.co_tasks or {}), **{u: {"status": "invited", "since": int(now)}
                                               for u in added}}
        # only the units this request brought in are told (services/outbox.py)
        return [Step("co_units_added", None, {"units": added}, visible=False,
                     feed=dispatch.CO_UNITS_FEED)]
    return _act(user, ticket_id, "co_units", body, mutate)


def escalate(user, ticket_id, body):
    reason = body.reason

    def mutate(t, now):
        path = list(t.unit_path or [])
        if len(path) < 2:
            raise InvalidTransition("已是最高层级，不能再提级", code="top_level")
        from_unit = t.unit_id
        dispatch.assign(t, path[1], t.co_units or [], now)
        count("TicketsEscalated", how="manual")
        return [Step("escalated", reason, {"from_unit": from_unit, "to_unit": t.unit_id,
                                           "to_level": t.level, "manual": True, "public": {
                                               "to_level": t.level, "text": "已提级办理"}})]
    return _act(user, ticket_id, "escalate", body, mutate)


# ---------------------------------------------------------------- dispatch center
def dispatch_ticket(user, ticket_id, body):
    unit_id, category = body.unit_id, body.category
    co_units = _known_units(body.co_units, "co_units")
    if category is not None and container.reference.category(category) is None:
        raise ValidationError("未知的诉求分类", field="category", code="unknown_category")
    if container.reference.unit(unit_id) is None:
        raise ValidationError("未知的承办单位", field="unit_id", code="unknown_unit")

    def mutate(t, now):
        redispatch = t.status == RETURNED
        learn = bool(category and category != t.category)
        if learn:
            was_emergency = bool(t.emergency)
            t.category = category
            t.category_source = "dispatcher"
            t.category_confidence = None
            cat = container.reference.category(category)
            t.emergency = bool(cat and cat.emergency)
            dispatch.follow_category(t, was_emergency, now)
        dispatch.assign(t, unit_id, co_units, now)
        t.route_reason = "dispatcher"
        name = container.reference.unit_name(unit_id)
        return [Step("dispatched", f"已派至{name}", {
            "unit_id": unit_id, "co_units": co_units, "by": "dispatcher",
            "redispatch": redispatch, "learn": learn, "category": t.category,
            "public": {"unit": name}}, feed=dispatch.CO_UNITS_FEED if co_units else None)]
    return _act(user, ticket_id, "dispatch", body, mutate)


def reject(user, ticket_id, body):
    channel, reason = body.channel, body.reason

    def mutate(t, now):
        t.status = REJECTED
        t.reject_channel = channel
        t.closed_at = now
        return [Step("rejected", reason, {"channel": channel, "public": {"channel": channel}})]
    return _act(user, ticket_id, "reject", body, mutate)


# ---------------------------------------------------------------- leaders
def supervise(user, ticket_id, body):
    """督办 with a response deadline (services/orders.py)."""
    return orders.supervise(user, ticket_id, body)


def instruct(user, ticket_id, body):
    """批示, counted per level with its follow-up (services/orders.py)."""
    return orders.instruct(user, ticket_id, body)


def handoff(user, ticket_id, body):
    from . import handoff as handing  # 转办 (services/handoff.py)
    return handing.handoff(user, ticket_id, body)


ACTIONS = {
    "sign": sign, "contact": contact, "reply": reply, "extension": request_extension,
    "extension/decision": decide_extension, "return": return_ticket, "co-units": add_co_units,
    "escalate": escalate, "dispatch": dispatch_ticket, "reject": reject,
    "supervise": supervise, "instruction": instruct, "handoff": handoff,
}


# ---------------------------------------------------------------- reads
def get_ticket(user: StaffUser, ticket_id: str) -> dict:
    ticket = _load_visible(user, ticket_id)
    view = views.staff_ticket(ticket, container.now(), container.tickets.timeline(ticket_id))
    view.update(work.staff_view_extra(ticket))   # orders, instructions, co-units, objection
    return view


def check_unit_view(user: StaffUser, unit_id: str, not_found: str) -> None:
    """A unit's lists: its own staff, the dispatch center, a leader of the unit or above."""
    target = container.reference.unit(unit_id)
    if target is None:
        raise ValidationError("未知的单位", field="unit", code="unknown_unit")
    if not workflow.may_view_unit(user, unit_id, target.path):
        raise NotFound(not_found, code="not_found")


def queue(user: StaffUser, *, status: str | None, light: str | None, cursor: str | None,
          unit: str | None, limit: str | None) -> dict:
    """A unit's open tickets, soonest deadline first, each with its light."""
    if status is not None and status not in OPEN_STATUSES:
        raise ValidationError("status 应为待办状态之一：" + "/".join(sorted(OPEN_STATUSES)),
                              field="status", code="invalid_status")
    if light is not None and light not in (GREEN, YELLOW, RED):
        raise ValidationError("light 应为 green / yellow / red", field="light",
                              code="invalid_light")
    size = page_size(limit)
    unit_id = unit or user.unit_id      # a dispatcher's own unit is the center: the review queue
    check_unit_view(user, unit_id, "未找到该单位的工单队列")
    if status:
        items, next_cursor = container.tickets.unit_open_tickets_with_status(
            unit_id, status, size, cursor)
    else:
        items, next_cursor = container.tickets.unit_open_tickets(unit_id, size, cursor)
    now = container.now()
    views_ = [views.staff_ticket(t, now) for t in items]
    if light:
        views_ = [v for v in views_ if v["light"] == light]
    return {"unit": unit_id, "items": views_, "cursor": next_cursor}




def _closed_extension(ext):
    if ext and ext.get("status") == "pending":
        return {**ext, "status": "withdrawn"}
    return ext


__all__ = ["perform", "get_ticket", "queue", "ACTIONS", "CLOSED", "DISPATCHED", "STATUSES"]
