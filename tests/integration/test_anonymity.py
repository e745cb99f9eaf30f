"""An anonymous citizen's name is not shown to staff: the ticket view and the unit queue, for the
lead handler, a leader and the dispatch center alike (issue 11, fix 1)."""

from __future__ import annotations

import json

from chalice.test import Client

import app as app_module
from chalicelib.adapters.models import TicketModel
from chalicelib.services import intake
from chalicelib.services.seed import demo_staff
from chalicelib.services.staff_auth import issue_dev_token

HONGQI = "369902001001"
NAME = "司马昭"


def test_anonymous_name_is_masked_in_every_staff_view(stack, no_escalation_timers):
    body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": HONGQI, "phone": "13812345678", "category": "A1001",
            "anonymous": True, "name": NAME}
    anon = intake.submit(body, citizen_id="wx:anon", channel="wechat", idempotency_key="anon-0001")
    named = intake.submit({**body, "anonymous": False}, citizen_id="wx:named", channel="wechat",
                          idempotency_key="anon-0002")
    unit = TicketModel.get(anon["id"]).unit_id
    assert TicketModel.get(named["id"]).unit_id == unit
    lead = next(p for p in demo_staff() if p["unit"] == unit and "handler" in p["roles"])
    viewers = {"lead handler": (lead["user"], unit, lead["roles"]),
               "county leader": ("lead_zs_wu", "u-gov-zhangshui", ["leader"]),
               "dispatcher": ("disp_liumin", "u-center", ["dispatcher"])}
    with Client(app_module.app) as client:
        for who, (user, own_unit, roles) in viewers.items():
            headers = {"Authorization": "Bearer " + issue_dev_token(user, own_unit, roles)}
            one = json.loads(client.http.get(f"/v1/staff/tickets/{anon['id']}",
                                             headers=headers).body)
            assert one["id"] == anon["id"], (who, one)
            assert one["name"] == "司**" and "8613812345678" not in one["phone"], (who, one)
            queue = client.http.get(f"/v1/staff/queue?unit={unit}", headers=headers)
            raw = queue.body.decode() if isinstance(queue.body, bytes) else queue.body
            assert queue.status_code == 200, (who, raw)
            items = {t["id"]: t for t in json.loads(raw)["items"]}
            assert NAME not in json.dumps(items[anon["id"]], ensure_ascii=False), (who, raw[:500])
            assert items[anon["id"]]["name"] == "司**"
            assert items[named["id"]]["name"] == NAME, "a named ticket still shows the name"
