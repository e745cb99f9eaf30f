"""The reminder job: the right windows, each reminder once, even with two runs racing."""

from __future__ import annotations

import datetime as dt
import threading

from phones import phone_for

from chalicelib.adapters.models import TicketModel
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.services import intake, reminders, staff
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
UNIT_PHONE_OF = "u-vil-hongqi"


def ticket_due_in(stack, key: str, seconds: float) -> str:
    """A signed ticket whose reply deadline is ``seconds`` after the clock."""
    t = intake.submit({"type": "report", "description": "举报小区附近工地夜间施工噪音扰民",
                       "region_code": HONGQI, "phone": phone_for(key), "category": "A1001"},
                      citizen_id="wx:rem", channel="wechat", idempotency_key=key)
    staff.perform(HANDLER, t["id"], "sign", {})
    ticket = TicketModel.get(t["id"])
    ticket.due_at = int(stack.clock() + seconds)
    ticket.deadline_at = ticket.due_at
    ticket.save()
    return t["id"]


def unit_texts(stack):
    phone = stack.container.reference.unit(UNIT_PHONE_OF).duty_phone
    return [s for s in stack.sms.to(phone) if "期限" in s]


def test_windows_and_once_only(stack):
    day = 86400
    five = ticket_due_in(stack, "k-rem-five", 5 * day - 300)      # inside the 5-day window
    three = ticket_due_in(stack, "k-rem-three", 3 * day - 60)     # inside the 3-day window
    four = ticket_due_in(stack, "k-rem-four", 4 * day)            # no threshold yet
    today = ticket_due_in(stack, "k-rem-today", 6 * 3600)         # 10:00 + 6 h, same day
    report = reminders.run()
    assert sorted(report.reminders) == sorted([(five, "d5"), (three, "d3"), (today, "last")])
    texts = unit_texts(stack)
    assert len(texts) == 3 and sum("今天到答复期限" in s for s in texts) == 1
    again = reminders.run()
    assert again.sent == 0 and again.duplicates == 3
    assert four not in [t for t, _ in report.reminders]


def test_a_moved_deadline_is_reminded_again(stack):
    tid = ticket_due_in(stack, "k-rem-move", 3 * 86400 - 60)
    assert reminders.run().sent == 1
    ticket = TicketModel.get(tid)
    ticket.due_at = ticket.deadline_at = int(ticket.due_at + 120)    # a new deadline revision
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
    ids = [ticket_due_in(stack, f"k-rem-race-{i}", 3 * 86400 - 30 * i - 10) for i in range(6)]
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
    due = ticket_due_in(stack, "k-rem-near", 3 * 86400 - 5)
    report = reminders.run()
    assert report.reminders == [(due, "d3")]
    assert report.queried_items <= 2


def test_open_ticket_gauges(stack):
    from chalicelib.services import stats
    ticket_due_in(stack, "k-gauge-red", -60)
    ticket_due_in(stack, "k-gauge-yellow", 3600)
    ticket_due_in(stack, "k-gauge-green", 3 * 86400)
    assert stats.open_ticket_gauges() == {"red": 1, "yellow": 1, "overdue": 1}
