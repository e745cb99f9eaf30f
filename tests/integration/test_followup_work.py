"""Issue 15's follow-up work on moto, through the HTTP API and the real indexes: a supervision
order found overdue on ``tickets.by_order_due`` steps up a level (point 7); a level's
instructions and the dispatch objections are read off ``events.by_feed`` (points 7, 10)."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.adapters.models import TicketEventModel, TicketModel
from chalicelib.services import citizen, intake, orders
from chalicelib.services.staff_auth import issue_dev_token

HONGQI = "369902001001"
HANDLER = ("h_vil_hongqi_chen", "u-vil-hongqi", ["handler"])
TOWNSHIP_LEADER = ("lead_twp_hongqi_fang", "u-twp-hongqi", ["leader"])
COUNTY_LEADER = ("lead_zs_wu", "u-gov-zhangshui", ["leader"])
DISPATCHER = ("disp_liumin", "u-center", ["dispatcher"])


@pytest.fixture
def client(stack, no_escalation_timers):
    with Client(app_module.app) as c:
        yield c


def _ticket(n: int) -> str:
    body = {"type": "complaint", "description": f"楼道垃圾没人清理 {n}", "region_code": HONGQI,
            "phone": f"138{n:08d}", "category": "A1001"}
    return intake.submit(body, citizen_id=f"wx:c{n}", channel="wechat",
                         idempotency_key=f"followup-{n}")["id"]


def _post(client, who, path, body):
    token = issue_dev_token(*who)
    r = client.http.post(f"/v1/staff/{path}", body=json.dumps(body, ensure_ascii=False),
                         headers={"Authorization": f"Bearer {token}",
                                  "Content-Type": "application/json"})
    return r.status_code, json.loads(r.body)


def _get(client, who, path):
    token = issue_dev_token(*who)
    r = client.http.get(f"/v1/staff/{path}", headers={"Authorization": f"Bearer {token}"})
    return r.status_code, json.loads(r.body)


def test_a_missed_supervision_order_steps_up_off_the_order_index(stack, client):
    tid = _ticket(1)
    assert _post(client, HANDLER, f"tickets/{tid}/sign", {})[0] == 200
    status, _ = _post(client, TOWNSHIP_LEADER, f"tickets/{tid}/supervise",
                      {"note": "请书面答复", "days": 1})
    assert status == 200
    due = TicketModel.get(tid).order_due_at
    assert [t.ticket_id for t in stack.container.work_index.orders_due(due, 10)] == [tid]

    stack.clock.advance(due + 60 - stack.clock())
    assert orders.watch()["stepped_up"] == [tid]
    stored = TicketModel.get(tid)
    assert stored.sup_order["holder"] == "u-gov-zhangshui" and stored.order_due_at > due
    kinds = [e.kind for e in TicketEventModel.query(tid)]
    assert kinds[-1] == "supervision_stepped_up"
    assert orders.watch()["stepped_up"] == []
    county = stack.container.reference.unit("u-gov-zhangshui")
    told = [s for s in stack.sms.to(county.duty_phone) if "已升级由贵单位督办" in s]
    assert len(told) == 1                       # the outbox tells the new holder, once
    status, listing = _get(client, COUNTY_LEADER, "supervision")
    [item] = [i for i in listing["items"] if i["id"] == tid]
    assert item["supervision"]["missed"] == "supervision"   # on its to-supervise list

    status, _ = _post(client, HANDLER, f"tickets/{tid}/supervision/response",
                      {"text": "已清理并建立保洁制度"})
    assert status == 200
    status, body = _post(client, TOWNSHIP_LEADER, f"tickets/{tid}/supervision/close", {})
    assert (status, body["error"]["code"]) == (403, "not_order_holder")
    status, _ = _post(client, COUNTY_LEADER, f"tickets/{tid}/supervision/close",
                      {"note": "同意办结"})
    assert status == 200
    status, view = _get(client, COUNTY_LEADER, f"tickets/{tid}")
    assert view["supervision_order"]["status"] == "closed"
    assert TicketModel.get(tid).order_watch is None

    citizen.withdraw("wx:c1", tid, {"reason": "已解决"})     # the ticket ends: off the list
    stack.sms.to(county.duty_phone)                          # (lets the outbox catch up)
    live, _ = stack.container.supervision.page("u-gov-zhangshui", 50, None, False)
    assert tid not in [e.ticket_id for e in live]            # moved to the closed list


def test_instructions_and_objections_are_read_off_the_feeds(stack, client):
    ids = [_ticket(n) for n in (11, 12, 13)]
    _post(client, COUNTY_LEADER, f"tickets/{ids[0]}/instruction", {"note": "高度重视"})
    _post(client, HANDLER, f"tickets/{ids[0]}/instruction/follow-up", {"text": "已落实"})
    status, listing = _get(client, COUNTY_LEADER, "instructions?level=county")
    assert status == 200 and (listing["count"], listing["followed_up"]) == (1, 1)
    status, bad = _get(client, COUNTY_LEADER, "instructions?level=galaxy")
    assert (status, bad["error"]["code"]) == (400, "invalid_level")

    for tid in ids:
        status, _ = _post(client, HANDLER, f"tickets/{tid}/objection",
                          {"clause": "职责清单第3条", "reason": "不属于本社区职责"})
        assert status == 200
    status, pending = _get(client, DISPATCHER, "objections")
    assert status == 200 and pending["count"] == 3
    status, proposals = _get(client, DISPATCHER, "duty-proposals")
    [item] = proposals["items"]
    assert (item["category"], item["region_code"], item["objections"]) == ("A1001", HONGQI, 3)
    assert item["duty_list_unit"] == "u-vil-hongqi"       # the rule a change would touch
    assert pending["items"][0]["duty_list_unit"] == "u-vil-hongqi"

    status, _ = _post(client, DISPATCHER, f"tickets/{ids[0]}/objection/decision",
                      {"uphold": True, "unit_id": "u-twp-hongqi"})
    assert status == 200
    assert TicketModel.get(ids[0]).unit_id == "u-twp-hongqi"
    assert _get(client, DISPATCHER, "objections")[1]["count"] == 2


def test_a_co_unit_the_router_brought_in_that_never_acts_shows_city_wide(stack, client):
    body = {"type": "complaint", "description": "红旗街道辖区内共享单车乱停放堵塞人行道",
            "region_code": HONGQI, "phone": "13800001111", "category": "A0101"}
    tid = intake.submit(body, citizen_id="wx:co", channel="wechat",
                        idempotency_key="followup-co")["id"]
    t = TicketModel.get(tid)
    assert (t.unit_id, list(t.co_units)) == ("u-twp-hongqi", ["u-zs-cgj"])   # the duty list
    assert _get(client, DISPATCHER, "co-units/idle")[1]["items"] == []
    stack.clock.advance(25 * 3600)
    status, listing = _get(client, DISPATCHER, "co-units/idle")
    assert status == 200
    assert [(i["ticket_id"], [c["unit_id"] for c in i["idle_co_units"]])
            for i in listing["items"]] == [(tid, ["u-zs-cgj"])]
