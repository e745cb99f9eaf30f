"""The reminder job: the right windows, each reminder once, even with two runs racing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from phones import phone_for

from chalicelib.adapters.models import TicketModel
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.services import intake, reminders, sla_service, staff
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
UNIT_PHONE_OF = "u-vil-hongqi"


def ticket_due_in(stack, key: str, seconds: float) -> str:
    """A signed ticket, its citizen reached, whose reply deadline is ``seconds`` after the
    clock."""
    t = intake.submit({"type": "report", "description": "举报小区附近工地夜间施工噪音扰民",
                       "region_code": HONGQI, "phone": phone_for(key), "category": "A1001"},
                      citizen_id="wx:rem", channel="wechat", idempotency_key=key)
    staff.perform(HANDLER, t["id"], "sign", {})
    staff.perform(HANDLER, t["id"], "contact", {"outcome": "reached"})   # (issue 15 point 6)
    ticket = TicketModel.get(t["id"])
    ticket.due_at = int(stack.clock() + seconds)
    ticket.deadline_at = ticket.due_at
    ticket.save()
    return t["id"]


def close_of(stack, working_days: int) -> float:
    """The close of working hours (17:30) ``working_days`` working days after the clock's day:
    a reply deadline as the rules count it (issue 15 point 13)."""
    cal = sla_service.calendar()
    day = dt.datetime.fromtimestamp(stack.clock(), SHANGHAI).date()
    for _ in range(working_days):
        day = cal.next_working_day(day)
    return dt.datetime.combine(day, dt.time(17, 30), tzinfo=SHANGHAI).timestamp()


def due_on(stack, key: str, working_days: int, shift: float = 0) -> str:
    return ticket_due_in(stack, key, close_of(stack, working_days) + shift - stack.clock())


def unit_texts(stack):
    phone = stack.container.reference.unit(UNIT_PHONE_OF).duty_phone
    return [s for s in stack.sms.to(phone) if "期限" in s]


def test_windows_and_once_only(stack):
    # the thresholds count working days (issue 15 point 9): the reminders go out on the working
    # day 5 and 3 working days before the deadline's day
    five = due_on(stack, "k-rem-five", 5)                         # the 5-working-day reminder
    three = due_on(stack, "k-rem-three", 3)                       # the 3-working-day reminder
    four = due_on(stack, "k-rem-four", 4)                         # no threshold yet
    today = ticket_due_in(stack, "k-rem-today", 6 * 3600)         # 10:00 + 6 h, same day
    report = reminders.run()
    assert sorted(report.reminders) == sorted([(five, "d5"), (three, "d3"), (today, "last")])
    texts = unit_texts(stack)
    assert len(texts) == 3 and sum("今天到答复期限" in s for s in texts) == 1
    again = reminders.run()
    assert again.sent == 0 and again.duplicates == 3
    assert four not in [t for t, _ in report.reminders]


def test_a_moved_deadline_is_reminded_again(stack):
    tid = due_on(stack, "k-rem-move", 3)
    assert reminders.run().sent == 1
    ticket = TicketModel.get(tid)
    ticket.due_at = ticket.deadline_at = int(ticket.due_at - 120)    # a new deadline revision
    ticket.save()
    stack.clock.advance(120)
    assert reminders.run().sent == 1


def test_no_reminder_before_nine_on_the_last_day(stack):
    tuesday = dt.datetime.fromtimestamp(stack.clock(), SHANGHAI).date() + dt.timedelta(days=1)
    stack.clock.t = dt.datetime.combine(tuesday, dt.time(7, 30), tzinfo=SHANGHAI).timestamp()
    ticket_due_in(stack, "k-rem-early", 8 * 3600)
    assert reminders.run().sent == 0
    stack.clock.t = dt.datetime.combine(tuesday, dt.time(9, 0), tzinfo=SHANGHAI).timestamp()
    assert reminders.run().sent == 1


def test_two_runs_racing_send_each_reminder_once(stack):
    ids = [due_on(stack, f"k-rem-race-{i}", 3, -30 * i - 10) for i in range(6)]
    barrier = threading.Barrier(2)
    reports = []

    def run():
        barrier.wait(timeout=10)
        reports.append(reminders.run())

    threads = [threading.Thread(target=run) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sum(r.sent for r in reports) == len(ids)
    assert sum(r.duplicates for r in reports) == len(ids)
    texts = unit_texts(stack)
    assert len(texts) == len(ids)
    codes = {TicketModel.get(i).code for i in ids}
    assert all(sum(code in s for s in texts) == 1 for code in codes)


def test_reads_grow_with_due_not_stored(stack):
    for i in range(30):
        ticket_due_in(stack, f"k-rem-far-{i}", 20 * 86400 + i)     # open, not due
    due = due_on(stack, "k-rem-near", 3, -5)
    report = reminders.run()
    assert report.reminders == [(due, "d3")]
    assert report.queried_items <= 2


def test_open_ticket_gauges(stack):
    from chalicelib.services import stats
    ticket_due_in(stack, "k-gauge-red", -60)
    ticket_due_in(stack, "k-gauge-yellow", 3600)
    ticket_due_in(stack, "k-gauge-green", 3 * 86400)
    assert stats.open_ticket_gauges() == {"red": 1, "yellow": 1, "overdue": 1}


def test_thresholds_count_working_days_across_a_weekend(stack):
    """On a Wednesday, a deadline on the next Monday is 3 working days away (Thu, Fri, Mon),
    though 5 calendar days: the 3-day reminder goes out now, not on Friday."""
    monday = dt.datetime.fromtimestamp(stack.clock(), SHANGHAI).date()
    stack.clock.t = dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(10, 0),
                                        tzinfo=SHANGHAI).timestamp()
    cal = sla_service.calendar()
    if [cal.next_working_day(monday + dt.timedelta(days=d)) for d in (2, 3, 4)] != [
            monday + dt.timedelta(days=3), monday + dt.timedelta(days=4),
            monday + dt.timedelta(days=7)]:
        pytest.skip("the test week's next Monday is not a plain working day")
    tid = due_on(stack, "k-rem-weekend", 3)
    assert dt.datetime.fromtimestamp(TicketModel.get(tid).due_at, SHANGHAI).date() == (
        monday + dt.timedelta(days=7))
    assert reminders.run().reminders == [(tid, "d3")]
    assert any("答复期限" in s for s in unit_texts(stack))
