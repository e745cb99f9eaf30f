"""The holiday calendar from year to year: the State Council's annual notice applied as
calendar overrides (with a dry run first), open tickets' deadlines moved with it, and the watch
that raises an alarm when December comes and next year's holidays are still unknown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import chinese_calendar

from ..adapters.tickets_repo import Ticket
from ..domain import holiday_notice
from ..domain.calendar import SHANGHAI, WorkCalendar
from ..domain.changes import Step
from ..domain.errors import ValidationError
from ..domain.ticket import OPEN_STATUSES, Actor
from ..observability import count, gauge, logger
from ..wiring import container
from . import changes, sla_service, views

UNKNOWN_METRIC = "HolidaysNextYearUnknown"
DEADLINE_FIELDS = ("sign_due_at", "due_at")       # working-day deadlines; contact is clock time
_SYSTEM = Actor("system", "calendar")


# ------------------------------------------------------------------ the December watch
def year_known(year: int) -> bool:
    """The package has the year's data, or its notice was applied here."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
        return True
    except NotImplementedError:
        return container.stored_settings.notice_applied(year)


def watch(today: dt.date | None = None) -> dict:
    """Daily: the metric the alarm watches (1 from December while next year is unknown)."""
    today = today or dt.datetime.fromtimestamp(container.now(), SHANGHAI).date()
    unknown = holiday_notice.next_year_unknown(today, year_known)
    gauge(UNKNOWN_METRIC, 1 if unknown else 0)
    if unknown:
        logger.warning("next year's holidays are unknown: apply the State Council's notice "
                       "(admin_holiday_notice)", extra={"year": today.year + 1})
    return {"year": today.year + 1, "unknown": unknown}


# ------------------------------------------------------------------ the notice
def apply_notice(event: Any) -> dict:
    """``{"text": <the notice>, "year": 2027?, "apply": false}``: what the notice sets, the days
    it changes and the open tickets whose deadlines move; with ``"apply": true`` it is done."""
    if not isinstance(event, dict) or not isinstance(event.get("text"), str):
        raise ValidationError("text (the notice) is required", field="text")
    year = event.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise ValidationError("year should be an integer", field="year")
    apply = event.get("apply", False)
    if not isinstance(apply, bool):
        raise ValidationError("apply should be true or false", field="apply")
    try:
        notice = holiday_notice.parse(event["text"], year)
    except holiday_notice.NoticeError as exc:
        raise ValidationError(str(exc), field="text", code="unreadable_notice") from None

    existing = container.stored_settings.calendar_overrides()
    old = WorkCalendar(existing)
    new = WorkCalendar({**existing, **notice.overrides()})
    changed = sorted(d for d in notice.overrides() if old.is_working_day(d)
                     != new.is_working_day(d))
    now = container.now()
    today = dt.datetime.fromtimestamp(now, SHANGHAI).date()
    moves = [m for m in (_moves(t, today, old, new) for t in _open_tickets(now)) if m]
    result = {
        "year": notice.year, "applied": apply,
        "holidays": [{"name": h.name, "days_off": [d.isoformat() for d in h.days_off],
                      "working_days": [d.isoformat() for d in h.working_days]}
                     for h in notice.holidays],
        "changed_days": [{"date": d.isoformat(), "working": new.is_working_day(d)}
                         for d in changed],
        "tickets": [{"id": t.ticket_id, "code": t.code, "unit_id": t.unit_id,
                     **{f: {"from": views.iso_local(getattr(t, f)),
                            "to": views.iso_local(v)} for f, v in fields.items()}}
                    for t, fields in moves],
    }
    if not apply:
        return result
    for d, working in sorted(notice.overrides().items()):
        container.stored_settings.set_calendar_override(
            d, working, f"国务院{notice.year}年节假日安排", now)
    container.stored_settings.record_notice(notice.year, {
        "days_off": len(notice.days_off), "working_days": len(notice.working_days)}, now)
    sla_service.clear_cache()
    for ticket, _ in moves:
        reschedule(ticket.ticket_id, today, old, new)
    count("HolidayNoticeApplied", year=str(notice.year))
    return result


def _open_tickets(now: float):
    """Open tickets with a deadline ahead, from the sparse deadline index (every shard)."""
    far = now + 400 * 86400
    for shard in range(container.settings.deadline_shards):
        for item in container.tickets.due_between(f"D#{shard}", now, far):
            ticket = container.tickets.get(item.ticket_id)
            if ticket is not None and ticket.status in OPEN_STATUSES and not ticket.emergency:
                yield ticket


def _moves(ticket: Ticket, today: dt.date, old: WorkCalendar,
           new: WorkCalendar) -> tuple[Ticket, dict[str, int]] | None:
    fields = {}
    for name in DEADLINE_FIELDS:
        value = getattr(ticket, name)
        if not value or (name == "sign_due_at" and ticket.signed_at):
            continue
        before = dt.datetime.fromtimestamp(value, SHANGHAI)
        after = holiday_notice.shift_deadline(before, today, old, new)
        if after != before:
            fields[name] = int(after.timestamp())
    return (ticket, fields) if fields else None


def reschedule(ticket_id: str, today: dt.date, old: WorkCalendar, new: WorkCalendar) -> None:
    """The one ticket change of this module, through services/changes.py: the working-day
    deadlines moved to the new calendar, with a ``deadline_moved`` timeline entry (the outbox
    tells the unit by SMS; the escalation sweep reads the new deadline from the index).
    Re-read and re-computed, so a retry is harmless."""
    ticket = container.tickets.get(ticket_id)
    move = _moves(ticket, today, old, new) if ticket and ticket.status in OPEN_STATUSES else None
    if move is None:
        return
    _, fields = move

    def mutate(t: Ticket, now: float) -> list[Step]:
        data = {f: {"from": getattr(t, f), "to": v} for f, v in fields.items()}
        for name, value in fields.items():
            setattr(t, name, value)
        public = {"due_at": views.iso_local(t.due_at)} if "due_at" in fields else None
        return [Step("deadline_moved", text="国务院节假日安排公布，办理期限按新的工作日重新计算",
                     data={**data, **({"public": public} if public else {})},
                     visible=bool(public))]

    changes.change(ticket, _SYSTEM, mutate)
