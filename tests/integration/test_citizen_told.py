"""The citizen is told at each step (issue 15 point 9, seed 000): when a unit signs, when the
ticket climbs a level, when a supervision order is issued, each also on the citizen's timeline
(a return, 退单, too); citizen SMS other than emergencies wait for the daytime window."""

from __future__ import annotations

import datetime as dt

from chalicelib.adapters.models import TicketModel
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.services import citizen, daytime_sms, escalation, intake, staff
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
PHONE = "+8613812345678"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
LEADER = StaffUser("lead_twp_hongqi_fang", "u-twp-hongqi", frozenset({"leader"}))


def submit(key: str, text: str = "小区物业不作为，楼道垃圾一周没人清理",
           category: str = "A1001") -> dict:
    body = {"type": "complaint", "description": text, "region_code": HONGQI,
            "phone": "13812345678", "category": category}
    return intake.submit(body, citizen_id="wx:told", channel="wechat", idempotency_key=key)


def timeline(tid: str) -> list[dict]:
    return citizen.get_ticket("wx:told", tid)["timeline"]


def told(stack, word: str) -> list[str]:
    return [s for s in stack.sms.to(PHONE) if word in s]


def at_hour(stack, hour: int, minute: int = 0, days: int = 0) -> float:
    day = dt.datetime.fromtimestamp(stack.clock(), SHANGHAI).date() + dt.timedelta(days=days)
    stack.clock.t = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI).timestamp()
    return stack.clock.t


def test_signing_is_told_and_on_the_timeline(stack):
    t = submit("k-told-sign")
    staff.perform(HANDLER, t["id"], "sign", {})
    assert told(stack, f"工单{t['code']}已由红旗社区居民委员会签收办理")
    assert "signed" in [e["kind"] for e in timeline(t["id"])]


def test_climbing_a_level_is_told_and_on_the_timeline(stack):
    t = submit("k-told-climb")
    stored = TicketModel.get(t["id"])
    stack.clock.t = stored.sign_due_at
    assert escalation.sweep_now(stored.sign_due_at).escalated == [t["id"]]
    assert told(stack, f"工单{t['code']}已提级至红旗街道办事处办理")
    [step] = [e for e in timeline(t["id"]) if e["kind"] == "escalated"]
    assert step["data"]["to_level"] == "township"


def test_a_supervision_order_is_told_and_on_the_timeline(stack):
    t = submit("k-told-sup")
    staff.perform(LEADER, t["id"], "supervise", {"note": "内部：请三日内办结，注意舆情"})
    assert told(stack, f"工单{t['code']}已列入督办")
    [step] = [e for e in timeline(t["id"]) if e["kind"] == "supervised"]
    assert step["text"] == "已列入督办" and "舆情" not in str(step)     # not the leader's note


def test_a_return_is_on_the_timeline_without_the_units_reason(stack):
    t = submit("k-told-ret")
    staff.perform(HANDLER, t["id"], "return", {"reason": "内部：不属于本社区职责"})
    [step] = [e for e in timeline(t["id"]) if e["kind"] == "returned"]
    assert "重新确定办理单位" in step["text"] and "内部" not in str(step)
    assert told(stack, "正在重新确定办理单位")
    staff_view = staff.get_ticket(StaffUser("disp_liumin", "u-center",
                                            frozenset({"dispatcher"})), t["id"])
    assert any(e.get("text") == "内部：不属于本社区职责" for e in staff_view["timeline"])


def test_citizen_sms_wait_for_the_daytime_window(stack):
    at_hour(stack, 22, 30)
    t = submit("k-told-night")
    unit_phone = stack.container.reference.unit("u-vil-hongqi").duty_phone
    assert any(t["code"] in s for s in stack.sms.to(unit_phone))   # the unit is told at once
    assert told(stack, t["code"]) == []                            # the citizen in the morning
    assert daytime_sms.flush() == {"quiet_hours": 1}
    at_hour(stack, 7, 59, days=1)
    assert daytime_sms.flush() == {"quiet_hours": 1} and told(stack, t["code"]) == []
    at_hour(stack, 8, 0)
    assert daytime_sms.flush() == {"sent": 1, "failed": 0}
    assert len(told(stack, f"工单号{t['code']}")) == 1
    assert daytime_sms.flush() == {"sent": 0, "failed": 0}         # once
    assert len(told(stack, f"工单号{t['code']}")) == 1


def test_an_emergency_is_told_at_night_at_once(stack):
    at_hour(stack, 23, 10)
    t = submit("k-told-night-emg", "小区楼道里燃气泄漏，闻到很浓的煤气味，请马上派人", "A0901")
    assert len(told(stack, f"工单号{t['code']}")) == 1


def test_the_survey_schedule_sends_the_held_sms(stack, no_escalation_timers):
    """The surveys schedule, invoked as Lambda invokes it, sends what waited for the morning."""
    from chalice.test import Client

    import app as app_module
    at_hour(stack, 21, 30)
    t = submit("k-told-sched")
    assert told(stack, t["code"]) == []
    at_hour(stack, 9, 0, days=1)
    with Client(app_module.app) as client:
        event = client.events.generate_cw_event(source="aws.events",
                                                detail_type="Scheduled Event", detail={},
                                                resources=[])
        client.lambda_.invoke("surveys", event)
    assert len(told(stack, f"工单号{t['code']}")) == 1
