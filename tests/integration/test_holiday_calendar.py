"""Issue 11, build 7: the admin function that applies the State Council's holiday notice (dry run,
apply, deadlines of open tickets moved, the unit told) and the December watch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest

from chalicelib.adapters.models import TicketEventModel, TicketModel
from chalicelib.jobs import admin as admin_jobs
from chalicelib.services import calendar_notice, intake, sla_service

FIXTURES = Path(__file__).parents[1] / "unit" / "fixtures"
HONGQI = "369902001001"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
JAN_25_2027 = dt.datetime(2027, 1, 25, 10, 0, tzinfo=SHANGHAI).timestamp()   # a Monday


def notice(year) -> str:
    name = f"holiday_notice_{year}.txt" if year < 2027 else "holiday_notice_2027_hypothetical.txt"
    return (FIXTURES / name).read_text(encoding="utf-8")


def invoke(event):
    """As the console would: the Lambda function with a JSON event."""
    return admin_jobs.holiday_notice(event, None)


@pytest.mark.parametrize("year", [2025, 2026])
def test_real_notices_agree_with_the_package(stack, year):
    out = invoke({"text": notice(year)})
    assert out["ok"] and out["result"]["applied"] is False
    result = out["result"]
    days_off = {d for h in result["holidays"] for d in h["days_off"]}
    assert days_off == {d.isoformat() for d in chinese_calendar.holidays if d.year == year}
    assert result["changed_days"] == [] and result["tickets"] == []


def test_unreadable_notice_is_refused(stack):
    out = invoke({"text": "今天天气很好"})
    assert out["ok"] is False and out["error"]["code"] == "unreadable_notice"


def test_2027_notice_dry_run_then_apply_moves_open_deadlines(stack, no_escalation_timers):
    stack.clock.t = JAN_25_2027      # 2027 unknown to the package: Monday-Friday + overrides
    sla_service.clear_cache()
    body = {"type": "report", "description": "小区附近工地夜间施工噪音扰民，多次反映未解决",
            "region_code": HONGQI, "phone": "13812345678", "category": "A1001"}
    crossing = intake.submit(body, citizen_id="wx:cal", channel="wechat",
                             idempotency_key="calendar-0001")
    short = intake.submit({**body, "type": "consult", "description": "请问小区垃圾分类怎么投放"},
                          citizen_id="wx:cal", channel="wechat", idempotency_key="calendar-0002")
    before = TicketModel.get(crossing["id"])
    local_due = dt.datetime.fromtimestamp(before.due_at, SHANGHAI)
    assert local_due.date() == dt.date(2027, 2, 8)         # 10 working days, Monday-Friday
    short_due = TicketModel.get(short["id"]).due_at          # 2 working days: Jan 27
    events_before = sum(1 for _ in TicketEventModel.query(crossing["id"]))

    dry = invoke({"text": notice(2027)})["result"]
    assert dry["applied"] is False and dry["year"] == 2027
    # Jan 1 is already a holiday (the demo seed's override); weekends off stay off
    assert {c["date"]: c["working"] for c in dry["changed_days"]} == {
        "2027-01-31": True, "2027-02-08": False, "2027-02-09": False, "2027-02-10": False,
        "2027-02-11": False, "2027-02-12": False, "2027-02-20": True}
    moved = {t["id"]: t for t in dry["tickets"]}
    assert set(moved) == {crossing["id"]}
    # the make-up Sunday Jan 31 is the 5th of the 10 working days: due Friday Feb 5
    assert moved[crossing["id"]]["due_at"]["to"].startswith("2027-02-05")
    assert TicketModel.get(crossing["id"]).due_at == before.due_at, "a dry run changes nothing"
    assert sum(1 for _ in TicketEventModel.query(crossing["id"])) == events_before
    sms_before = len(stack.sms.sent)

    applied = invoke({"text": notice(2027), "apply": True})["result"]
    assert applied["applied"] is True
    after = TicketModel.get(crossing["id"])
    assert dt.datetime.fromtimestamp(after.due_at, SHANGHAI) == local_due - dt.timedelta(days=3)
    assert after.version == before.version + 1
    assert after.deadline_at == after.due_at or after.deadline_at == after.sign_due_at
    assert TicketModel.get(short["id"]).due_at == short_due
    timeline = list(TicketEventModel.query(crossing["id"]))
    assert timeline[-1].kind == "deadline_moved"
    unit_sms = [s for s in stack.sms.sent[sms_before:] if "办理期限改为" in s.text]
    # once to each of the unit's three duty contacts (issue 15 point 4)
    assert len(unit_sms) == 3 and len({s.phone for s in unit_sms}) == 3
    assert after.code in unit_sms[0].text
    assert not sla_service.calendar().is_working_day(dt.date(2027, 2, 8))
    assert sla_service.calendar().is_working_day(dt.date(2027, 1, 31))
    # applying it again moves nothing
    again = invoke({"text": notice(2027), "apply": True})["result"]
    assert again["changed_days"] == [] and again["tickets"] == []
    assert TicketModel.get(crossing["id"]).due_at == after.due_at


def test_december_watch(stack, monkeypatch):
    emitted = []
    monkeypatch.setattr(calendar_notice, "gauge", lambda name, value: emitted.append((name, value)))
    assert calendar_notice.watch(dt.date(2026, 11, 30))["unknown"] is False
    assert calendar_notice.watch(dt.date(2026, 12, 1))["unknown"] is True
    invoke({"text": notice(2027), "apply": True})
    assert calendar_notice.watch(dt.date(2026, 12, 2))["unknown"] is False
    assert emitted == [("HolidaysNextYearUnknown", 0), ("HolidaysNextYearUnknown", 1),
                       ("HolidaysNextYearUnknown", 0)]
