"""Escalation live on the local stack, as `make run DEMO_SLA_SECONDS=2` shows it: the pump fires the
minute schedule (scaled to every second), which starts the sweep state machine on moto_server."""

from __future__ import annotations

import uuid

import pytest
import requests

from chalicelib.services.staff_auth import issue_dev_token
from scripts.local_stack import start_stack
from tests.e2e.conftest import Client, clock_env, eventually

LEADER = {"Authorization": "Bearer " + issue_dev_token("lead_zs_wu", "u-gov-zhangshui",
                                                       ["leader"])}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    stack = start_stack(log_dir=tmp_path_factory.mktemp("demo-logs"),
                        extra_env={"DEMO_SLA_SECONDS": "2", "TZ": "UTC", **clock_env()})
    yield stack
    stack.stop()


def submit(demo, openid: str, body: dict) -> tuple[Client, dict]:
    client = Client(demo.api, demo.endpoint, demo)
    citizen = client.login(openid)
    t = client.post("/v1/tickets", headers={**citizen, "Idempotency-Key": uuid.uuid4().hex},
                    json=body).json()
    return client, t


def climbed(demo, ticket_id: str, headers: dict, hops: int) -> dict:
    """The staff view of the ticket once it has climbed ``hops`` levels."""
    def check():
        r = requests.get(f"{demo.api}/v1/staff/tickets/{ticket_id}", headers=headers,
                         timeout=10)
        body = r.json() if r.status_code == 200 else {}
        return body if len(body.get("escalations") or []) >= hops else None
    return eventually(check, timeout=40)


def test_unsigned_ticket_escalates_live(demo):
    client, t = submit(demo, "e2e-live", {
        "type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
        "region_code": "369902001001", "phone": "13900008888", "category": "A1001"})
    ticket = climbed(demo, t["id"], LEADER, 2)
    assert [e["to_level"] for e in ticket["escalations"][:2]] == ["township", "county"]
    assert ticket["overdue"] is True
    # the stream consumer turned the sweep's entries into supervision entries and SMS
    listing = eventually(lambda: [i for i in requests.get(
        f"{demo.api}/v1/staff/supervision", headers=LEADER, timeout=10).json()["items"]
        if i["id"] == t["id"]], timeout=20)
    assert listing[0]["overdue"] is True
    county_phone = "+8613907970021"           # 章水区人民政府's on-duty phone
    assert eventually(lambda: [s for s in client.sms_to(county_phone)
                               if "超过签收期限" in s and t["code"] in s], timeout=10)


def test_an_emergency_climbs_live(demo):
    """An emergency nobody signs for climbs from the gas company to its parent, live (the demo
    deadlines shorten emergencies too, never lengthen them); its team was told at once."""
    client, t = submit(demo, "e2e-live-emergency", {
        "type": "help", "description": "小区楼道里燃气泄漏，闻到很浓的煤气味，请马上派人",
        "region_code": "369902001001", "phone": "13900008889", "category": "A0901"})
    dispatcher = {"Authorization": "Bearer " + issue_dev_token("disp_liumin", "u-center",
                                                              ["dispatcher"])}
    ticket = climbed(demo, t["id"], dispatcher, 1)
    assert ticket["emergency"] is True
    assert ticket["escalations"][0]["from_unit"] == "u-co-gas"
    assert eventually(lambda: [s for s in client.sms_to("+8613907970019")
                               if "紧急工单" in s and t["code"] in s], timeout=10)
