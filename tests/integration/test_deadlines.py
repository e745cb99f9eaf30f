"""Deadlines as tickets get them: across National Day 2026 and into 2027, with admin overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.adapters.models import TicketModel
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.services import daytime_sms, intake, sla_service
from chalicelib.services.admin import set_calendar_override, set_sla_policy

HONGQI = "369902001001"
pytestmark = pytest.mark.usefixtures("no_escalation_timers")   # the clock goes into the past


def at(*args) -> float:
    return dt.datetime(*args, tzinfo=SHANGHAI).timestamp()


def local(ts) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, SHANGHAI)


def submit(stack, when: float, key: str, ticket_type="consult") -> TicketModel:
    stack.clock.t = when
    t = intake.submit({"type": ticket_type, "description": "咨询一下小区物业费的收费标准",
                       "region_code": HONGQI, "phone": "13812345678", "category": "A1001"},
                      citizen_id="wx:dl", channel="wechat", idempotency_key=key)
    return TicketModel.get(t["id"])


def test_across_national_day_2026(stack):
    t = submit(stack, at(2026, 9, 30, 10, 0), "k-nd-0001")
    # 2 working days, each ending at the close of working hours (issue 15 point 13)
    assert local(t.due_at) == dt.datetime(2026, 10, 9, 17, 30, tzinfo=SHANGHAI)
    assert local(t.sign_due_at) == dt.datetime(2026, 10, 8, 17, 30, tzinfo=SHANGHAI)


def test_into_2027_without_error(stack):
    t = submit(stack, at(2026, 12, 29, 15, 0), "k-ny-0001", ticket_type="complaint")
    # 12-30, 12-31, (01-01 declared a holiday by the demo seed), 01-04, 01-05, 01-06
    assert local(t.due_at) == dt.datetime(2027, 1, 6, 17, 30, tzinfo=SHANGHAI)


def test_admin_override_and_policy(stack):
    set_calendar_override({"date": "2026-11-24", "working": False, "note": "测试假日"})
    set_sla_policy({"jurisdiction": "369902", "policy": {"reply_working_days": {"consult": 3}}})
    t = submit(stack, at(2026, 11, 23, 10, 0), "k-ov-0001")
    # Tue 24th is now a holiday: 3 working days = 25th, 26th, 27th
    assert local(t.due_at) == dt.datetime(2026, 11, 27, 17, 30, tzinfo=SHANGHAI)
    assert sla_service.policies().for_jurisdiction(["369921000000"]).reply_working_days[
        "consult"] == 2


def test_sign_in_uses_the_policy_of_the_places_whole_chain(stack):
    from chalicelib.services import staff
    from chalicelib.services.staff_auth import StaffUser

    set_sla_policy({"jurisdiction": "369902000000", "policy": {"contact_minutes": 60}})
    t = submit(stack, at(2026, 11, 23, 10, 0), "k-chain-0001")
    handler = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
    staff.perform(handler, t.ticket_id, "sign", {})
    signed = TicketModel.get(t.ticket_id)
    assert signed.contact_due_at - signed.signed_at == 3600    # the county's 60, not 30


def test_a_request_before_opening_is_promised_the_day(stack):
    """Issue 15 point 13: a complaint at 04:01 on Wednesday 2 December 2026 starts counting at
    the opening; the citizen is promised the close of the fifth working day, the unit the close
    of the first, and both SMS name the day, not 04:01."""
    t = submit(stack, at(2026, 12, 2, 4, 1), "k-0401-0001", ticket_type="complaint")
    assert local(t.due_at) == dt.datetime(2026, 12, 9, 17, 30, tzinfo=SHANGHAI)
    assert local(t.sign_due_at) == dt.datetime(2026, 12, 3, 17, 30, tzinfo=SHANGHAI)
    assert stack.sms.to("+8613812345678") == []        # a citizen SMS waits for the daytime
    stack.clock.t = at(2026, 12, 2, 8, 0)
    daytime_sms.flush()
    citizen = stack.sms.to("+8613812345678")
    assert any("将在12月9日下班前答复" in s for s in citizen), citizen
    unit = stack.sms.to(stack.container.reference.unit(t.unit_id).duty_phone)
    assert any("请于12月3日下班前签收" in s for s in unit), unit
    assert not any("04:01" in s for s in citizen + unit)
