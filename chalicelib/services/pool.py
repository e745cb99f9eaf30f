"""The monitoring pool (工单监测池, 崇义): C and D grade tickets stay on their unit's list until a
leader closes them out (销号) with a reason.

- A ticket enters when the unit replies with grade C (cannot be solved yet) or D, or when the
  citizen does not accept the result (reopened: grade D). The list is kept by the timeline
  consumer (``services/measures.py`` ``pool_changes``), in the registry (``pool#<unit>``).
- A grade C reply needs an approved extension or a stated plan (:func:`require_plan`, called
  from ``staff.reply``).
- Closing out is a ticket change (:func:`close_out`, the one function that writes it) with a
  ``pool_closed`` timeline entry; the consumer then takes the ticket off the list.
- Every morning each unit with tickets in the pool gets one SMS with its count
  (:func:`daily_digest`).
"""

from __future__ import annotations

from typing import Any

from ..adapters import keys
from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import Forbidden, InvalidTransition, ValidationError
from ..observability import count
from ..wiring import container
from . import measures, notify
from .sla_service import to_local


def require_plan(ticket, grade: str, plan: str | None) -> None:
    """Grade C (暂不能解决) needs an approved extension or a stated plan (工作计划)."""
    if grade != "C" or plan:
        return
    extension = ticket.extension or {}
    if extension.get("status") == "approved":
        return
    raise ValidationError("C 类（暂不能解决）答复需已获批延期或填写解决计划（plan）",
                          field="plan", code="plan_required")


def _check_viewer(user, unit_id: str) -> None:
    unit = container.reference.unit(unit_id)
    if unit is None:
        raise ValidationError("未知的单位", field="unit", code="unknown_unit")
    if workflow.may_view_unit(user, unit_id, unit.path):
        return
    raise Forbidden("该单位不在您的管辖范围内", code="not_in_jurisdiction")


def list_pool(user, unit: str | None) -> dict:
    """``GET /v1/staff/pool?unit=``: a unit's C/D tickets not yet closed out, oldest first."""
    unit_id = unit or user.unit_id
    _check_viewer(user, unit_id)
    items = sorted(measures.store().pool(unit_id), key=lambda i: (i.get("since") or 0))
    for item in items:
        item["since"] = to_local(item["since"]).isoformat() if item.get("since") else None
    return {"unit": unit_id, "count": len(items), "items": items}


def close_out(user, ticket_id: str, body: Any) -> dict:
    """``POST /v1/staff/pool/{id}/close {"reason"}``: 销号. The one function that writes this
    ticket change, through the staff action path (visibility, role, then services/changes.py:
    version, the timeline entry in the same transaction). ``body``: a ``PoolClose``."""
    from . import staff
    body = staff.models.coerce(staff.models.PoolClose, body)
    return staff._act(user, ticket_id, "pool_close", body, close_out_step(body.reason, user.user))


def close_out_step(reason: str, by: str):
    """The close-out mutation (销号), shared by the staff action and the admin console's
    ``admin_pool_close_out`` (services/console.py)."""

    def mutate(t, now):
        if t.grade not in measures.POOL_GRADES:
            raise InvalidTransition("该工单不在监测池中（仅 C、D 类工单需要销号）",
                                    code="not_in_pool")
        entered = max(t.replied_at or 0, t.evaluated_at or 0)
        closed = (t.pool or {}).get("closed_at") or 0
        if closed >= entered:
            raise InvalidTransition("该工单已销号", code="already_closed_out")
        unit_id = t.unit_id
        t.pool = {"closed_at": int(now), "reason": reason, "by": by, "grade": t.grade,
                  "unit_id": unit_id}
        count("PoolClosedOut", grade=t.grade)
        return [Step("pool_closed", reason, {"unit_id": unit_id, "grade": t.grade},
                     visible=False)]

    return mutate


def daily_digest(now: float | None = None) -> dict:
    """Once a day, after ``digest_hour`` (local): each unit with tickets in the pool is told its
    count. A marker per day makes a second run that day send nothing."""
    now = container.now() if now is None else now
    local = to_local(now)
    if local.hour < container.settings.digest_hour:
        return {"sent": 0, "skipped": "before_hour"}
    day = local.date().isoformat()
    if not container.markers.claim(keys.pool_digest(day), now=now, expires_at=now + 3 * 86400):
        return {"sent": 0, "skipped": "done"}
    sent = 0
    for unit in container.reference.units().values():
        n = measures.store().pool_count(unit.unit_id)
        if n and unit.duty_phone:
            notify.send_now(unit.duty_phone, notify.pool_digest(unit.name, n), kind="pool_digest")
            sent += 1
    return {"sent": sent, "day": day}
