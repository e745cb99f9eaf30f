"""Reminders to the unit's duty contacts before its deadlines (seed 000): N working days before
the sign-in or reply deadline (default 5 and 3) and on the deadline's last working day; and in
the last quarter hour before the 30-minute first contact (issue 15 point 6).

The job reads only the windows it needs from the sparse, sharded deadline index, so its reads
grow with the tickets due, not with the tickets stored. Each reminder goes out once per ticket,
threshold and deadline: a marker item is written conditionally before the SMS, so two runs that
race send it once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..adapters import keys
from ..adapters.tickets_repo import Ticket
from ..domain.calendar import SHANGHAI
from ..domain.catalog import duty_phones
from ..domain.ticket import ACCEPTED, DISPATCHED, OPEN_STATUSES
from ..observability import count, logger
from ..wiring import container
from . import notify
from .sla_service import calendar, policies, to_local

RUN_EVERY = 15 * 60
CONTACT = "contact"
CONTACT_LEAD = RUN_EVERY            # the first contact's reminder: within its last 15 minutes
LAST_DAY_FROM_HOUR = 9              # the last-working-day reminder goes out from 09:00
DAY = 86400


@dataclass
class RunReport:
    queried_items: int = 0
    queries: int = 0
    sent: int = 0
    duplicates: int = 0
    reminders: list = field(default_factory=list)


def _thresholds() -> list[int]:
    book = policies()
    days = set(book.default.reminder_days_before)
    for policy in book.by_jurisdiction.values():
        days.update(policy.reminder_days_before)
    return sorted(days, reverse=True)


def _windows(now: float) -> list[tuple[str, float, float]]:
    """(which, start, end) deadline windows. Reminder ``d<N>`` goes out on the working day N
    working days before the deadline's day, from 09:00 (seed 000: 5 and 3 days before, counted
    in working days, issue 15 point 9): it looks at the deadlines falling on the Nth working
    day after today. The last-working-day reminder looks at the next three days."""
    local = to_local(now)
    cal = calendar()
    windows = []
    if cal.is_working_day(local.date()) and local.hour >= LAST_DAY_FROM_HOUR:
        for d in _thresholds():
            day = local.date()
            for _ in range(d):
                day = cal.next_working_day(day)
            start = dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI).timestamp()
            windows.append((f"d{d}", start, start + DAY))
    windows.append(("last", now, now + 3 * DAY))
    windows.append((CONTACT, now, now + CONTACT_LEAD))
    return windows


def _contact_horizon() -> float:
    """How far ahead a first-contact deadline can be: the longest contact period of any policy."""
    book = policies()
    return 60.0 * max([book.default.contact_minutes,
                       *(p.contact_minutes for p in book.by_jurisdiction.values())])


def _contact_phase(ticket: Ticket, now: float, known: dict) -> bool:
    """Is the deadline the index holds the first contact's (issue 15 point 6)? Only a signed
    ticket whose deadline is within the contact period can be; those few are read by id."""
    if ticket.status != ACCEPTED or ticket.deadline_at > now + _contact_horizon():
        return False
    if ticket.ticket_id not in known:
        full = container.tickets.get(ticket.ticket_id)
        known[ticket.ticket_id] = bool(
            full is not None and not full.contacted_at and full.contact_due_at
            and int(full.contact_due_at) == int(full.deadline_at or 0))
    return known[ticket.ticket_id]


def _due_today(ticket: Ticket, now: float) -> bool:
    """Is today (Asia/Shanghai) the last working day on or before the deadline, past 09:00?"""
    local_now = to_local(now)
    deadline_day = to_local(ticket.deadline_at).date()
    last = calendar().last_working_day_on_or_before(deadline_day)
    return local_now.date() == last and local_now.hour >= LAST_DAY_FROM_HOUR


def _claim(ticket: Ticket, which: str, now: float) -> bool:
    """Write the send marker iff nobody has (or its TTL has passed): True means we send."""
    phase = CONTACT if which == CONTACT else "sign" if ticket.status == DISPATCHED else "reply"
    key = keys.reminder(ticket.ticket_id, phase, which, int(ticket.deadline_at))
    return container.markers.claim(key, now=now, expires_at=int(ticket.deadline_at) + 7 * DAY)


def _text(ticket: Ticket, which: str) -> notify.Message:
    if which == CONTACT:
        return notify.unit_contact_reminder(ticket.code, ticket.deadline_at)
    return notify.unit_reminder(ticket.code, ticket.deadline_at, ticket.status == DISPATCHED,
                                last_day=which == "last", region=ticket.region_code)


def run(now: float | None = None) -> RunReport:
    now = container.now() if now is None else now
    report = RunReport()
    shards = container.settings.deadline_shards
    seen: set[tuple[str, str]] = set()
    contact_phase: dict[str, bool] = {}
    for which, start, end in _windows(now):
        for shard in range(shards):
            report.queries += 1
            for ticket in container.tickets.due_between(f"D#{shard}", start, end):
                report.queried_items += 1
                if ticket.status not in OPEN_STATUSES or not ticket.unit_id:
                    continue
                if (which == CONTACT) != _contact_phase(ticket, now, contact_phase):
                    continue              # the first contact has its own reminder, just before
                if which == "last" and not _due_today(ticket, now):
                    continue
                if (ticket.ticket_id, which) in seen:
                    continue
                seen.add((ticket.ticket_id, which))
                if not _claim(ticket, which, now):
                    report.duplicates += 1
                    continue
                unit = container.reference.unit(ticket.unit_id)
                for phone in duty_phones(unit):      # every duty contact (seed 004)
                    notify.send_now(phone, _text(ticket, which), kind=f"reminder_{which}")
                report.sent += 1
                report.reminders.append((ticket.ticket_id, which))
    count("RemindersSent", value=report.sent)
    logger.info("reminder run", extra={"sent": report.sent, "read": report.queried_items,
                                       "queries": report.queries})
    return report
