"""Supervision orders (督办) and leaders' instructions (批示), seed 003/004.

An order (``domain/orders.py``) is part of the ticket and changes only through the staff action
path (``services/staff._act`` → ``services/changes.py``). While the unit's written response is
due the ticket sits on the sparse ``by_order_due`` index; :func:`watch` (a schedule,
``jobs/orders.py``) steps a missed order up to the holder's parent with a fresh deadline, through
the same change path, as the system.

An instruction is written to the ticket (``instructions``) and to the level's feed
(``instruction#<level>`` on the timeline's ``by_feed`` index): :func:`instruction_list` lists a
level's instructions with whether the unit followed each up.
"""

from __future__ import annotations

from ..domain import orders, workflow
from ..domain.changes import Step
from ..domain.errors import ValidationError, VersionConflict
from ..domain.ticket import LEVELS, OPEN_STATUSES, REPLIED, SYSTEM
from ..observability import count, logger
from ..wiring import container
from . import changes
from .sla_service import calendar, iso_local, to_local

WATCH_BATCH = 100
FEED_DAYS = 90


def _due(now: float, days: int | None) -> int:
    n = days or container.settings.order_response_days
    return int(calendar().add_working_days(to_local(now), n).timestamp())


def _index(t) -> None:
    """The order's place on the deadline index: there while a response is due."""
    order = t.sup_order
    if orders.watched(order):
        t.order_watch, t.order_due_at = "open", int(order["due_at"])
    else:
        t.order_watch, t.order_due_at = None, None


def _level(unit_id: str | None) -> str:
    unit = container.reference.unit(unit_id) if unit_id else None
    return unit.level if unit else "unknown"


def _public_order(order: dict) -> dict:
    return {"due_at": iso_local(order["due_at"])}


# ---------------------------------------------------------------- actions
def supervise(user, ticket_id, body):
    from .staff import _act
    note, days = body.note, body.days

    def mutate(t, now):
        previous = t.sup_order or {}
        order = orders.issue(t.sup_order, number=int(previous.get("id", 0)) + 1,
                             holder=user.unit_id, level=_level(user.unit_id), by=user.user,
                             note=note, now=now, due_at=_due(now, days))
        t.sup_order = order
        t.supervised = True
        _index(t)
        count("SupervisionOrders")
        return [Step("supervised", note, {"leader_unit": user.unit_id, "order": order["id"],
                                          "level": order["level"], "due_at": order["due_at"],
                                          # the citizen sees it was ordered, not the note
                                          "public": {**_public_order(order),
                                                     "text": "已列入督办"}})]
    return _act(user, ticket_id, "supervise", body, mutate)


def respond(user, ticket_id, body):
    from .staff import _act
    text = body.text

    def mutate(t, now):
        t.sup_order = orders.respond(t.sup_order, text=text, by=user.user, unit_id=user.unit_id,
                                     now=now)
        _index(t)
        count("SupervisionResponses", late=str(t.sup_order["response"]["late"]).lower())
        return [Step("supervision_response", text, {"order": t.sup_order["id"],
                                                    "late": t.sup_order["response"]["late"]},
                     visible=False)]
    return _act(user, ticket_id, "supervision_response", body, mutate)


def close(user, ticket_id, body):
    from .staff import _act
    accept, note, days = body.accept, body.note, body.days

    def mutate(t, now):
        if t.sup_order:                 # no order at all: domain/orders says so (409)
            workflow.check_order_holder(user, _path(t.sup_order["holder"]))
        t.sup_order = orders.close(t.sup_order, accept=accept, by=user.user, note=note, now=now,
                                   due_at=_due(now, days))
        _index(t)
        if accept:
            return [Step("supervision_closed", note, {"order": t.sup_order["id"]},
                         visible=False)]
        return [Step("supervised", note or "督办答复不合格，请重新答复", {
            "leader_unit": user.unit_id, "order": t.sup_order["id"], "sent_back": True,
            "level": t.sup_order["level"], "due_at": t.sup_order["due_at"],
            "public": _public_order(t.sup_order)}, visible=False)]
    return _act(user, ticket_id, "supervision_close", body, mutate)


def _path(unit_id: str | None) -> list[str]:
    unit = container.reference.unit(unit_id) if unit_id else None
    return list(unit.path or [unit_id]) if unit else []


def instruct(user, ticket_id, body):
    from .staff import _act
    note = body.note

    def mutate(t, now):
        level = _level(user.unit_id)
        t.instructions, item = orders.add_instruction(
            t.instructions, level=level, leader_unit=user.unit_id, by=user.user, note=note,
            now=now)
        count("Instructions", level=level)
        return [Step("instruction", note, {"leader_unit": user.unit_id, "level": level,
                                           "instruction_id": item["id"]},
                     visible=False, feed=f"instruction#{level}")]
    return _act(user, ticket_id, "instruction", body, mutate)


def follow_up(user, ticket_id, body):
    from .staff import _act
    text, instruction_id = body.text, body.instruction_id

    def mutate(t, now):
        t.instructions, item = orders.follow_up(t.instructions, instruction_id=instruction_id,
                                                text=text, by=user.user, unit_id=user.unit_id,
                                                now=now)
        return [Step("instruction_followed", text, {"instruction_id": item["id"],
                                                    "level": item["level"]}, visible=False)]
    return _act(user, ticket_id, "instruction_follow_up", body, mutate)


# ---------------------------------------------------------------- reads
def instruction_list(user, level: str | None) -> dict:
    """``GET /v1/staff/instructions?level=``: a level's instructions (newest first) on the
    tickets the user may see, each with the unit's follow-up, and the counts."""
    workflow.check_role(user, "instructions")
    level = level or _level(user.unit_id)
    if level not in LEVELS:
        raise ValidationError("level 应为 " + " / ".join(LEVELS), field="level",
                              code="invalid_level")
    since = container.now() - FEED_DAYS * 86400
    entries = container.work_index.feed(f"instruction#{level}", since, 500)
    tickets = container.tickets.get_many(e.ticket_id for e in entries)
    items = []
    for entry in entries:
        t = tickets.get(entry.ticket_id)
        if t is None or not workflow.can_see(user, t):
            continue
        wanted = (entry.data or {}).get("instruction_id")
        found = [i for i in t.instructions or [] if i.get("id") == wanted]
        if not found:
            continue
        item = found[0]
        follow = item.get("follow_up")
        items.append({
            "ticket_id": t.ticket_id, "code": t.code, "status": t.status, "unit_id": t.unit_id,
            "instruction_id": item["id"], "level": item["level"],
            "leader_unit": item["leader_unit"], "note": item["note"], "at": iso_local(item["at"]),
            "followed_up": bool(follow),
            "follow_up": {**follow, "at": iso_local(follow["at"])} if follow else None})
    done = sum(1 for i in items if i["followed_up"])
    return {"level": level, "count": len(items), "followed_up": done,
            "pending": len(items) - done, "items": items}


def order_view(ticket) -> dict | None:
    """The order as the staff ticket view shows it."""
    order = ticket.sup_order
    if not order:
        return None
    return {**order, "due_at": iso_local(order["due_at"]),
            "overdue": orders.watched(order) and order["due_at"] < container.now()}


# ---------------------------------------------------------------- the deadline watch
def watch(now: float | None = None) -> dict:
    """Step up every order whose response is overdue (the schedule calls this)."""
    now = container.now() if now is None else now
    stepped, skipped = [], []
    for ticket in container.work_index.orders_due(now, WATCH_BATCH):
        order = ticket.sup_order
        if not orders.watched(order) or order["due_at"] > now:
            skipped.append(ticket.ticket_id)        # a stale index entry: changed since
            continue
        try:
            changes.change(ticket, SYSTEM, lambda t, at: _step_up(t, at))
        except VersionConflict:
            skipped.append(ticket.ticket_id)        # someone acted meanwhile: next run sees it
            continue
        stepped.append(ticket.ticket_id)
    count("SupervisionOrdersSteppedUp", value=len(stepped))
    logger.info("supervision order watch", extra={"stepped": len(stepped)})
    return {"stepped_up": stepped, "skipped": skipped}


def _step_up(t, now: float) -> list[Step]:
    order = t.sup_order
    if t.status not in OPEN_STATUSES | {REPLIED}:      # the ticket ended: nothing to supervise
        t.sup_order = {**order, "status": orders.CLOSED,
                       "closed": {"by": "system", "at": int(now), "note": "工单已结束"}}
        _index(t)
        return [Step("supervision_closed", "工单已结束，督办自动办结",
                     {"order": order["id"], "auto": True}, visible=False)]
    path = _path(order["holder"])
    parent = path[1] if len(path) > 1 else None
    t.sup_order = orders.step_up(order, parent=parent, parent_level=_level(parent), now=now,
                                 due_at=_due(now, None))
    _index(t)
    to = container.reference.unit_name(parent) if parent else None
    text = (f"督办逾期未答复，已升级由{to}督办" if parent
            else "督办逾期未答复，已是最高层级，列为挂牌督办")
    return [Step("supervision_stepped_up", text, {
        "order": order["id"], "missed": "supervision", "from_unit": order["holder"],
        "to_unit": parent,
        "to_level": t.sup_order["level"], "missed_due_at": order["due_at"],
        "due_at": t.sup_order["due_at"], "top": parent is None}, visible=False)]


def staff_view_extra(ticket) -> dict:
    """What the staff ticket view adds: the order and the instructions with follow-ups."""
    return {"supervision_order": order_view(ticket),
            "instructions": list(ticket.instructions or [])}
