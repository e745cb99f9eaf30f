"""An emergency ticket end to end over HTTP on the local stack (issue 15 point 5, seed 001
绿色通道): a citizen describes a gas leak without picking a category; the classifier makes it an
emergency with a deadline in minutes; the gas company and the emergency management bureau are
told at once by SMS; the hotline hands the matter to 119 (转办), which the citizen sees on the
timeline and is told by SMS. (It climbing live is in test_escalation_live.py.)"""

from __future__ import annotations

import datetime as dt

from chalicelib.services.staff_auth import issue_dev_token

HONGQI = "369902001001"
DISPATCHER = {"Authorization": "Bearer " + issue_dev_token("disp_liumin", "u-center",
                                                           ["dispatcher"])}
GAS_PHONE = "+8613907970019"              # 赣南市燃气有限公司's on-duty phone
EMERGENCY_OFFICE_PHONE = "+8613907970011"  # 赣南市应急管理局


def test_an_emergency_over_http(client, key):
    citizen = client.login("e2e-emergency")
    t = client.post("/v1/tickets", headers={**citizen, "Idempotency-Key": key}, json={
        "type": "help", "description": "小区楼道里燃气泄漏，闻到很浓的煤气味，请马上派人",
        "region_code": HONGQI, "phone": "13900007777"}).json()
    created = dt.datetime.fromisoformat(t["created_at"])
    assert dt.datetime.fromisoformat(t["due_at"]) - created <= dt.timedelta(minutes=30)
    staff_view = client.get(f"/v1/staff/tickets/{t['id']}", headers=DISPATCHER).json()
    assert staff_view["emergency"] is True and staff_view["unit_id"] == "u-co-gas"
    assert any("紧急工单" in s and t["code"] in s for s in client.sms_to(GAS_PHONE))
    assert any("协同处置" in s and t["code"] in s for s in client.sms_to(EMERGENCY_OFFICE_PHONE))

    r = client.post(f"/v1/staff/tickets/{t['id']}/handoff", headers=DISPATCHER,
                    json={"to": "119", "note": "已三方转接119"})
    assert r.status_code == 200, r.text
    mine = client.get(f"/v1/tickets/{t['id']}", headers=citizen).json()
    assert any(e["kind"] == "handed_off" and e["data"]["number"] == "119"
               for e in mine["timeline"])
    assert any("119" in s and t["code"] in s for s in client.sms_to("+8613900007777"))
    r = client.post(f"/v1/staff/tickets/{t['id']}/handoff", headers=DISPATCHER,
                    json={"to": "999", "note": "?"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_agency"
