"""Co-units (协办) have their own task on a ticket: sign for it, contribute a written opinion the
lead unit sees, be rated by the lead (``co_tasks`` on the ticket, one entry per co-unit). A
co-unit that has not signed ``co_unit_idle_hours`` after it was brought in is *idle*: the staff
ticket view flags it, and ``GET /v1/staff/co-units/idle?unit=`` lists a lead unit's open tickets
with idle co-units for the dispatch center.

Every change goes through the staff action path (roles in ``domain/workflow``: a co-unit's own
steps are scoped to the ticket's co-units, the rating to the lead unit)."""

from __future__ import annotations

from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import InvalidTransition, ValidationError
from ..domain.ticket import OPEN_STATUSES
from ..observability import count
from ..wiring import container
from .dispatch import CO_UNITS_FEED
from .sla_service import iso_local

INVITED, SIGNED, REPLIED = "invited", "signed", "replied"
IDLE_PAGE = 100
IDLE_FEED_DAYS = 60


def tasks(t) -> dict[str, dict]:
    """Every co-unit's task; one never touched is ``invited`` since the ticket's clock began
    (the dispatch or the bring-in that made it a co-unit)."""
    stored = dict(t.co_tasks or {})
    since = int(t.clock_start_at or t.created_at or 0)
    return {u: dict(stored.get(u) or {"status": INVITED, "since": since})
            for u in t.co_units or []}


def _task(t, unit_id: str) -> dict:
    return tasks(t)[unit_id]


def _save(t, unit_id: str, task: dict) -> None:
    stored = dict(t.co_tasks or {})
    stored[unit_id] = task
    t.co_tasks = stored


def sign(user, ticket_id, body):
    from .staff import _act

    def mutate(t, now):
        task = _task(t, user.unit_id)
        if task["status"] != INVITED:
            raise InvalidTransition("协办任务已签收，无需重复签收", code="already_signed")
        _save(t, user.unit_id, {**task, "status": SIGNED, "signed_at": int(now),
                                "signed_by": user.user})
        count("CoUnitSigned")
        return [Step("co_unit_signed", None, {"unit_id": user.unit_id}, visible=False)]
    return _act(user, ticket_id, "co_sign", body, mutate)


def reply(user, ticket_id, body):
    from .staff import _act
    text = body.text

    def mutate(t, now):
        task = _task(t, user.unit_id)
        if task["status"] == INVITED:
            raise InvalidTransition("请先签收协办任务，再提交协办意见", code="co_unit_not_signed")
        _save(t, user.unit_id, {**task, "status": REPLIED, "reply": {
            "text": text, "by": user.user, "at": int(now)}})
        count("CoUnitReplied")
        return [Step("co_unit_replied", text, {"unit_id": user.unit_id}, visible=False)]
    return _act(user, ticket_id, "co_reply", body, mutate)


def rate(user, ticket_id, body):
    from .staff import _act
    unit_id, rating, note = body.unit_id, body.rating, body.note

    def mutate(t, now):
        if unit_id not in (t.co_units or []):
            raise ValidationError("该单位不是本工单的协办单位", field="unit_id",
                                  code="not_co_unit")
        task = _task(t, unit_id)
        if task["status"] != REPLIED:
            raise InvalidTransition("协办单位尚未提交协办意见，暂不能评价",
                                    code="co_unit_no_reply")
        _save(t, unit_id, {**task, "rating": {"score": rating, "note": note, "by": user.user,
                                              "at": int(now)}})
        count("CoUnitRated", score=str(rating))
        return [Step("co_unit_rated", note, {"unit_id": unit_id, "rating": rating},
                     visible=False)]
    return _act(user, ticket_id, "co_rate", body, mutate)


def _idle(task: dict, now: float) -> bool:
    limit = container.settings.co_unit_idle_hours * 3600
    return task["status"] == INVITED and now - task["since"] >= limit


def task_views(t, now: float) -> list[dict]:
    """The co-units' tasks as staff see them (the lead sees each contribution and rating)."""
    out = []
    for unit_id, task in tasks(t).items():
        reply = task.get("reply")
        out.append({
            "unit_id": unit_id, "unit": container.reference.unit_name(unit_id),
            "status": task["status"], "since": iso_local(task["since"]),
            "signed_at": iso_local(task.get("signed_at")),
            "reply": {**reply, "at": iso_local(reply["at"])} if reply else None,
            "rating": task.get("rating"), "idle": _idle(task, now)})
    return out


def idle(user, unit: str | None) -> dict:
    """Open tickets whose co-units have not acted: a lead unit's (the unit itself, a leader
    above it, the dispatch center), or, for the dispatch center without ``unit``, the whole
    city's (the tickets co-units were brought into lately, off the ``co_units`` feed)."""
    from .staff import check_unit_view
    now = container.now()
    if unit is None and workflow.sees_all(user):
        unit_id = None
        since = now - IDLE_FEED_DAYS * 86400
        ids = [e.ticket_id for e in container.work_index.feed(CO_UNITS_FEED, since, 1000)]
    else:
        unit_id = unit or user.unit_id
        check_unit_view(user, unit_id, "未找到该单位的工单")
        page, _ = container.tickets.unit_open_tickets(unit_id, IDLE_PAGE, None)
        ids = [t.ticket_id for t in page if t.co_units]
    items = []
    for t in container.tickets.get_many(ids).values():
        stuck = [v for v in task_views(t, now) if v["idle"]] if t.status in OPEN_STATUSES \
            else []
        if stuck:
            items.append({"ticket_id": t.ticket_id, "code": t.code, "status": t.status,
                          "unit_id": t.unit_id, "idle_co_units": stuck})
    return {"unit": unit_id, "count": len(items), "items": items}
