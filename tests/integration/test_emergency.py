"""Emergencies end to end (issue 15 point 5, seed 001 绿色通道): the emergency team is told at once
by SMS, the deadline is in minutes whichever way the category became an emergency (picked by the
citizen, by the classifier from the text, or corrected by the dispatcher), the ticket climbs
within minutes when nobody signs, and the hotline can hand the matter to 110/119/120/122 or a
utility's hotline (转办), recorded on the citizen's timeline with an SMS."""

from __future__ import annotations

import pytest

from chalicelib.adapters.models import TicketModel
from chalicelib.domain.errors import ValidationError
from chalicelib.services import citizen, escalation, intake, staff
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
DISPATCHER = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
GAS = "u-co-gas"                       # the duty list: 燃气泄漏 -> the gas company,
EMERGENCY_OFFICE = "u-city-yjj"        # with the emergency management bureau as co-unit
MINUTE = 60


def submit(key: str, text: str, category: str | None = None, ticket_type: str = "help") -> dict:
    body = {"type": ticket_type, "description": text, "region_code": HONGQI,
            "phone": "13812345678", **({"category": category} if category else {})}
    return intake.submit(body, citizen_id="wx:emg", channel="wechat", idempotency_key=key)


def unit_sms(stack, unit_id: str, word: str) -> list[str]:
    phone = stack.container.reference.unit(unit_id).duty_phone
    return [s for s in stack.sms.to(phone) if word in s]


def test_an_emergency_is_told_at_once_and_climbs_within_minutes(stack):
    t = submit("k-emg-gas-1", "小区楼道里燃气泄漏，闻到很浓的煤气味，请马上派人", "A0901")
    stored = TicketModel.get(t["id"])
    assert stored.emergency and stored.unit_id == GAS
    assert stored.due_at - stored.created_at == 30 * MINUTE          # clock time, not days
    assert stored.sign_due_at - stored.created_at == 10 * MINUTE
    # the whole team at once: the lead's duty phone with the deadline in minutes, the co-unit
    [lead] = unit_sms(stack, GAS, "紧急工单")
    assert t["code"] in lead and "绿色通道" in lead and "下班" not in lead
    assert len(unit_sms(stack, EMERGENCY_OFFICE, f"紧急工单{t['code']}")) == 1
    # nobody signs: ten minutes later the sweep hands it to the gas company's parent
    stack.clock.t = stored.sign_due_at
    assert escalation.sweep_now(stored.sign_due_at).escalated == [t["id"]]
    climbed = TicketModel.get(t["id"])
    assert climbed.unit_id == "u-city-zjj" and climbed.overdue
    assert climbed.sign_due_at - stored.sign_due_at == 10 * MINUTE   # minutes again
    assert unit_sms(stack, "u-city-zjj", "已提级至贵单位")


def test_the_classifier_picking_an_emergency_gives_the_minutes_deadline(stack):
    t = submit("k-emg-text-1", "后山发生山体滑坡，泥石流冲到路上了，有车被困", None)
    stored = TicketModel.get(t["id"])
    assert stored.category == "A0902" and stored.category_source == "classifier"
    assert stored.emergency
    assert stored.due_at - stored.created_at == 30 * MINUTE          # not 5 working days
    citizen_sms = stack.sms.to("+8613812345678")
    assert any("将在" in s and "下班" not in s for s in citizen_sms), citizen_sms


def test_the_dispatcher_correcting_into_an_emergency_moves_the_deadline(stack):
    t = submit("k-emg-fix-1", "我家门口有点问题想咨询一下", None)
    queued = TicketModel.get(t["id"])
    assert queued.status == "submitted" and not queued.emergency     # the review queue
    stack.clock.advance(20 * MINUTE)
    staff.perform(DISPATCHER, t["id"], "dispatch", {"unit_id": GAS, "category": "A0901"})
    fixed = TicketModel.get(t["id"])
    assert fixed.emergency
    assert fixed.due_at == int(stack.clock()) + 30 * MINUTE           # from the correction
    assert fixed.deadline_at == fixed.sign_due_at == int(stack.clock()) + 10 * MINUTE
    assert unit_sms(stack, GAS, f"紧急工单{t['code']}")


def test_the_dispatcher_correcting_out_of_the_emergencies_gives_days_back(stack):
    t = submit("k-emg-unfix-1", "后山发生山体滑坡，泥石流冲到路上了，有车被困", None)
    stored = TicketModel.get(t["id"])
    assert stored.emergency
    staff.perform(StaffUser("h", stored.unit_id, frozenset({"handler"})), t["id"], "return",
                  {"reason": "不是地质灾害，是道路养护问题"})
    staff.perform(DISPATCHER, t["id"], "dispatch", {"unit_id": "u-city-jtj", "category": "A0401"})
    fixed = TicketModel.get(t["id"])
    assert not fixed.emergency
    assert fixed.due_at - fixed.created_at > 4 * 86400               # working days again


def test_handoff_to_119_is_on_the_timeline_and_the_citizen_is_told(stack):
    t = submit("k-emg-119-1", "小区楼道里燃气泄漏，闻到很浓的煤气味，已经有火苗", "A0901")
    view = staff.perform(DISPATCHER, t["id"], "handoff",
                         {"to": "119", "note": "已三方转接119，消防正赶往现场"})
    assert view["status"] == "dispatched"                # the gas company still follows up
    mine = citizen.get_ticket("wx:emg", t["id"])
    [step] = [e for e in mine["timeline"] if e["kind"] == "handed_off"]
    assert "119" in str(step)
    assert any("已转交消防救援（119）处置" in s for s in stack.sms.to("+8613812345678"))


def test_handoff_to_110_may_close_the_hotline_part(stack):
    t = submit("k-emg-110-1", "有人在小区门口打架斗殴，已经有人受伤", None, "report")
    view = staff.perform(DISPATCHER, t["id"], "handoff",
                         {"to": "110", "note": "治安案件，已转110", "close": True})
    assert view["status"] == "rejected"
    assert TicketModel.get(t["id"]).reject_channel == "公安机关（110）"
    with pytest.raises(ValidationError) as refused:
        staff.perform(DISPATCHER, submit("k-emg-110-2", "小区门口路灯坏了好几天了")["id"],
                      "handoff", {"to": "999", "note": "?"})
    assert refused.value.code == "unknown_agency"
