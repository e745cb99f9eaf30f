"""The unit's workflow, the dispatch center and leaders, through the service layer on moto."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from chalicelib.adapters.models import TicketEventModel, TicketModel
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationError,
    VersionConflict,
)
from chalicelib.services import intake, staff
from chalicelib.services.staff_auth import StaffUser
from chalicelib.wiring import container

HONGQI = "369902001001"          # 红旗社区
VILLAGE_HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
OTHER_VILLAGE = StaffUser("h_vil_longgang_zeng", "u-vil-longgang", frozenset({"handler"}))
DISPATCHER = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
COUNTY_LEADER = StaffUser("lead_zs_wu", "u-gov-zhangshui", frozenset({"leader"}))
OTHER_LEADER = StaffUser("lead_cs_huang", "u-gov-chongshan", frozenset({"leader"}))
TOWNSHIP_HANDLER = StaffUser("h_twp_hongqi_xu", "u-twp-hongqi", frozenset({"handler"}))
PHONE = "+8613812345678"


def new_ticket(key="k-staff-0001", **over):
    body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": HONGQI, "phone": "13812345678", "category": "A1001"}
    body.update(over)
    return intake.submit(body, citizen_id="wx:carol", channel="wechat", idempotency_key=key)


def act(user, ticket_id, action, **body):
    return staff.perform(user, ticket_id, action, body)


def test_routed_to_village_and_walked_to_reply(stack):
    t = new_ticket()
    assert TicketModel.get(t["id"]).unit_id == "u-vil-hongqi"
    unit_sms = stack.sms.to("+8613907970040") or [s for s in stack.sms.sent
                                                  if "新工单" in s.text]
    assert unit_sms, "the unit's on-duty phone is told"
    with pytest.raises(InvalidTransition) as info:
        act(VILLAGE_HANDLER, t["id"], "reply", text="已处理", grade="A")
    assert "签收" in info.value.message
    signed = act(VILLAGE_HANDLER, t["id"], "sign")
    assert signed["status"] == "accepted" and signed["contact_due_at"]
    stack.clock.advance(600)
    contacted = act(VILLAGE_HANDLER, t["id"], "contact", outcome="reached", note="已电话联系")
    assert contacted["contacted_at"]
    assert contacted["changes"][-1]["data"]["on_time"] is True
    replied = act(VILLAGE_HANDLER, t["id"], "reply", text="已督促物业清理完毕", grade="A")
    assert replied["status"] == "replied" and replied["grade"] == "A"
    stored = TicketModel.get(t["id"])
    assert stored.open_unit is None and stored.deadline_shard is None
    assert stored.callback_at and stored.callback_shard
    kinds = [e.kind for e in TicketEventModel.query(t["id"])]
    assert kinds == ["submitted", "dispatched", "signed", "contacted", "replied"]
    assert any("已办理答复" in s for s in stack.sms.to(PHONE))


def test_two_concurrent_replies_one_wins_one_409(stack):
    t = new_ticket()
    act(VILLAGE_HANDLER, t["id"], "sign")
    barrier = threading.Barrier(2)
    real_get = container.tickets.get

    def get_then_wait(ticket_id):
        ticket = real_get(ticket_id)
        barrier.wait(timeout=10)       # both read the same version before either writes
        return ticket

    container.tickets.get = get_then_wait
    results = []

    def reply(text):
        try:
            results.append(act(VILLAGE_HANDLER, t["id"], "reply", text=text, grade="B"))
        except VersionConflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=reply, args=(f"答复{i}",)) for i in range(2)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    container.tickets.get = real_get
    wins = [r for r in results if isinstance(r, dict)]
    losses = [r for r in results if isinstance(r, VersionConflict)]
    assert len(wins) == 1 and len(losses) == 1 and losses[0].status == 409
    events = [e for e in TicketEventModel.query(t["id"]) if e.kind == "replied"]
    assert len(events) == 1 and TicketModel.get(t["id"]).reply_text == events[0].text


def test_stale_version_is_409(stack):
    t = new_ticket()
    with pytest.raises(VersionConflict):
        act(VILLAGE_HANDLER, t["id"], "sign", version=99)


def test_visibility_by_unit_leader_dispatcher(stack):
    t = new_ticket()
    with pytest.raises(NotFound):
        staff.get_ticket(OTHER_VILLAGE, t["id"])
    with pytest.raises(NotFound):
        act(OTHER_VILLAGE, t["id"], "sign")
    with pytest.raises(NotFound):
        staff.get_ticket(OTHER_LEADER, t["id"])
    assert staff.get_ticket(COUNTY_LEADER, t["id"])["id"] == t["id"]
    assert staff.get_ticket(DISPATCHER, t["id"])["phone"] == PHONE
    with pytest.raises(Forbidden):
        act(DISPATCHER, t["id"], "sign")
    # a handler above the lead unit (not a leader) does not see it
    with pytest.raises(NotFound):
        staff.get_ticket(TOWNSHIP_HANDLER, t["id"])


def test_review_queue_dispatch_and_queue_lights(stack):
    t = intake.submit({"type": "consult", "description": "你好，我有个问题想问一下，麻烦回电",
                       "region_code": HONGQI, "phone": "13812345678"}, citizen_id="wx:dave",
                      channel="wechat", idempotency_key="k-review-0001")
    review = staff.queue(DISPATCHER, status=None, light=None, cursor=None, unit=None, limit=None)
    assert [i["id"] for i in review["items"]] == [t["id"]]
    assert review["items"][0]["light"] in ("green", "yellow")
    already_routed = new_ticket(key="k-other-0001")["id"]
    with pytest.raises(InvalidTransition):        # dispatched tickets are re-routed by 退单 only
        act(DISPATCHER, already_routed, "dispatch", unit_id="u-vil-hongqi")
    d = act(DISPATCHER, t["id"], "dispatch", unit_id="u-vil-hongqi", category="A1001")
    assert d["status"] == "dispatched" and d["unit_id"] == "u-vil-hongqi"
    assert d["category_source"] == "dispatcher"
    queue = staff.queue(VILLAGE_HANDLER, status="dispatched", light=None, cursor=None,
                        unit=None, limit=None)
    assert t["id"] in [i["id"] for i in queue["items"]]
    deadlines = [i["deadline_at"] for i in queue["items"]]
    assert deadlines == sorted(deadlines)
    # two working days later the sign-in deadline has passed: red
    stack.clock.advance(3 * 86400)
    red = staff.queue(VILLAGE_HANDLER, status=None, light="red", cursor=None, unit=None,
                      limit=None)
    assert t["id"] in [i["id"] for i in red["items"]]
    with pytest.raises(NotFound):
        staff.queue(OTHER_VILLAGE, status=None, light=None, cursor=None, unit="u-vil-hongqi",
                    limit=None)
    leader_view = staff.queue(COUNTY_LEADER, status=None, light=None, cursor=None,
                              unit="u-vil-hongqi", limit=None)
    assert t["id"] in [i["id"] for i in leader_view["items"]]


def test_extension_request_and_decision(stack):
    t = new_ticket()
    act(VILLAGE_HANDLER, t["id"], "sign")
    act(VILLAGE_HANDLER, t["id"], "contact", outcome="reached")   # (issue 15 point 6)
    before = TicketModel.get(t["id"]).due_at
    start = dt.datetime.fromtimestamp(stack.clock(), SHANGHAI).date()
    with pytest.raises(ValidationError):
        act(VILLAGE_HANDLER, t["id"], "extension", reason="需要协调",
            new_due_at=str(start - dt.timedelta(days=22)))
    act(VILLAGE_HANDLER, t["id"], "extension", reason="需要协调施工队",
        new_due_at=str(start + dt.timedelta(days=22)))
    with pytest.raises(Conflict):
        act(VILLAGE_HANDLER, t["id"], "extension", reason="再延",
            new_due_at=str(start + dt.timedelta(days=27)))
    with pytest.raises(Forbidden):
        act(VILLAGE_HANDLER, t["id"], "extension/decision", approve=True)
    done = act(DISPATCHER, t["id"], "extension/decision", approve=True, note="同意")
    after = TicketModel.get(t["id"])
    assert after.due_at > before and done["extension"]["status"] == "approved"
    assert after.deadline_at == after.due_at
    assert any("延长" in s for s in stack.sms.to(PHONE))
    with pytest.raises(InvalidTransition):
        act(DISPATCHER, t["id"], "extension/decision", approve=True)


def test_return_and_redispatch(stack):
    t = new_ticket()
    r = act(VILLAGE_HANDLER, t["id"], "return", reason="不属于本社区职责")
    assert r["status"] == "returned" and r["unit_id"] == "u-center"
    with pytest.raises(NotFound):
        staff.get_ticket(VILLAGE_HANDLER, t["id"])      # no longer theirs
    assert any("重新确定" in s for s in stack.sms.to(PHONE))
    d = act(DISPATCHER, t["id"], "dispatch", unit_id="u-zs-cgj")
    assert d["status"] == "dispatched" and d["unit_id"] == "u-zs-cgj"
    assert any("重新派发" in s for s in stack.sms.to(PHONE))


def test_co_units_escalate_reject_supervise_instruction(stack):
    t = new_ticket()
    co = act(VILLAGE_HANDLER, t["id"], "co-units", units=["u-zs-cgj"])
    assert co["co_units"] == ["u-zs-cgj"]
    with pytest.raises(ValidationError):
        act(VILLAGE_HANDLER, t["id"], "co-units", units=["u-nope"])
    up = act(VILLAGE_HANDLER, t["id"], "escalate", reason="需街道统筹")
    assert up["unit_id"] == "u-twp-hongqi" and up["level"] == "township"
    assert up["status"] == "dispatched"
    sup = act(COUNTY_LEADER, t["id"], "supervise", note="请三日内办结")
    assert sup["supervised"] is True
    ins = act(COUNTY_LEADER, t["id"], "instruction", note="高度重视")
    assert ins["changes"][-1]["kind"] == "instruction"
    with pytest.raises(NotFound):
        act(OTHER_LEADER, t["id"], "supervise", note="x")
    r = intake.submit({"type": "report", "description": "你好，我有个问题想问一下，麻烦回电",
                       "region_code": HONGQI, "phone": "13812345679"},
                      citizen_id="wx:erin", channel="wechat", idempotency_key="k-reject-01")
    assert r["status"] == "submitted"            # in the review queue
    with pytest.raises(ValidationError):
        act(DISPATCHER, r["id"], "reject", channel="随便", reason="x")
    rej = act(DISPATCHER, r["id"], "reject", channel="110报警", reason="治安事件请报警")
    assert rej["status"] == "rejected"
    assert any("110报警" in s for s in stack.sms.to("+8613812345679"))


def test_hotline_agent_entry(stack):
    body = {"type": "help", "description": "家里老人摔倒了需要社区帮忙联系医院",
            "region_code": HONGQI, "phone": "13812340000"}
    t = intake.submit_for_caller(body, DISPATCHER, "k-phone-0001")
    again = intake.submit_for_caller(body, DISPATCHER, "k-phone-0001")
    assert t == again and t["channel"] == "phone"
    stored = TicketModel.get(t["id"])
    assert stored.citizen_id == "tel:+8613812340000"
    assert TicketEventModel.query(t["id"]).next().data["agent"] == "disp_liumin"
    with pytest.raises(Forbidden):
        intake.submit_for_caller(body, VILLAGE_HANDLER, "k-phone-0002")
    with pytest.raises(ValidationError):
        intake.submit_for_caller({**body, "phone": "000"}, DISPATCHER, "k-phone-0003")


def test_idempotent_staff_action(stack):
    t = new_ticket()
    first = staff.perform(VILLAGE_HANDLER, t["id"], "sign", {}, "sign-key-0001")
    again = staff.perform(VILLAGE_HANDLER, t["id"], "sign", {}, "sign-key-0001")
    assert first == again
    assert [e.kind for e in TicketEventModel.query(t["id"])].count("signed") == 1


def test_lights_follow_the_deadlines(stack):
    t = new_ticket(key="k-light-0001")                 # complaint: reply in 5 working days
    view = lambda: staff.get_ticket(VILLAGE_HANDLER, t["id"])["light"]  # noqa: E731
    assert view() == "green"
    stack.clock.advance(86400 + 7.5 * 3600 + 60)       # missed the 1-working-day sign-in
    #                                                    (the close of Tuesday, 17:30)
    assert view() == "red"
    act(VILLAGE_HANDLER, t["id"], "sign")
    assert view() == "green"                           # signed: the reply deadline counts
    stored = TicketModel.get(t["id"])
    stack.clock.t = stored.due_at - 3600               # an hour left
    assert view() == "yellow"
    stack.clock.t = stored.due_at + 1
    assert view() == "red"
    act(VILLAGE_HANDLER, t["id"], "reply", text="已处理", grade="A")
    assert view() is None                              # no light once answered


def test_only_newly_added_co_units_are_told(stack):
    t = new_ticket(key="k-co-0001")
    act(VILLAGE_HANDLER, t["id"], "co-units", units=["u-zs-cgj"])
    act(VILLAGE_HANDLER, t["id"], "co-units", units=["u-zs-cgj", "u-city-cgj"])
    phone = {u: stack.container.reference.unit(u).duty_phone for u in ("u-zs-cgj", "u-city-cgj")}
    invited = {u: [s for s in stack.sms.to(p) if "协办" in s] for u, p in phone.items()}
    assert len(invited["u-zs-cgj"]) == 1 and len(invited["u-city-cgj"]) == 1
    assert TicketModel.get(t["id"]).co_units == ["u-zs-cgj", "u-city-cgj"]
