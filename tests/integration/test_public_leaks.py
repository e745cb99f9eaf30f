"""The redaction fixture leaks nothing in any public output: each tempting text is a disclosed
ticket's description and its unit's reply, a knowledge-base answer and a campaign's description,
and every public endpoint (JSON and XML) is read back and searched for the fixture's secrets."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from public_support import day

from chalicelib.services import campaigns, intake, kb, open311, staff
from chalicelib.services.staff_auth import StaffUser
from tests.leaks import all_secrets, fixture_cases, leaks

HONGQI = "369902001001"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
DISPATCHER = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
PHONE_LAST4 = "5678"

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


def test_no_public_output_leaks_the_fixture(stack, client):
    cases = fixture_cases()
    secrets = all_secrets()
    tickets = []
    for i, case in enumerate(cases):
        t = intake.submit({"type": "complaint", "description": case["text"],
                           "region_code": HONGQI, "phone": "13812345678",
                           "category": "A1001", "public": True},
                          citizen_id="wx:leak", channel="wechat",
                          idempotency_key=f"leak-{i:06d}")
        staff.perform(HANDLER, t["id"], "sign", {})
        staff.perform(HANDLER, t["id"], "reply", {"text": case["text"], "grade": "A"})
        tickets.append(t)
        entry = kb.create_entry(HANDLER, {"question": case["text"][:200],
                                          "answer": case["text"], "valid_until": day(stack, 38)})
        kb.decide(DISPATCHER, entry["id"], {"approve": True})
    campaigns.open_campaign(DISPATCHER, {"title": "征集", "description": cases[0]["text"],
                                         "starts_on": day(stack, -22), "ends_on": day(stack, 38),
                                         "owner_unit": "u-twp-hongqi"})
    api_key = open311.register_client({"name": "leak test"})["api_key"]
    posted = client.http.post("/open311/v2/requests.json",
                              headers={"Content-Type": "application/x-www-form-urlencoded"},
                              body="&".join(f"{k}={quote(v)}" for k, v in {
                                  "api_key": api_key, "service_code": "A1001",
                                  "address_string": cases[5]["text"],
                                  "description": cases[0]["text"], "phone": "13812345678",
                                  "attribute[region_code]": HONGQI}.items()))
    assert posted.status_code == 201, posted.body

    outputs: dict[str, str] = {}

    def read(path):
        r = client.http.get(path)
        assert r.status_code == 200, (path, r.body[:200])
        outputs[path] = r.body.decode()

    read("/v1/public/tickets?limit=100")
    read("/open311/v2/requests.json")
    read("/open311/v2/requests.xml")
    read("/v1/campaigns")
    for t in tickets + [{"code": json.loads(posted.body)[0]["service_request_id"]}]:
        read(f"/v1/public/tickets/{t['code']}")
        read(f"/open311/v2/requests/{t['code']}.json")
        read(f"/open311/v2/requests/{t['code']}.xml")
        r = client.http.post("/v1/public/track", headers={"Content-Type": "application/json"},
                             body=json.dumps({"code": t["code"], "phone_last4": PHONE_LAST4}))
        assert r.status_code == 200
        outputs[f"track {t['code']}"] = r.body.decode()
    for case in cases:
        read(f"/v1/kb/search?limit=100&q={quote(case['text'][:60])}")
    listed = json.loads(outputs["/v1/public/tickets?limit=100"])["items"]
    assert len(listed) == len(cases) + 1
    replied = {t["code"] for t in tickets}
    assert all(item.get("reply") for item in listed if item["code"] in replied)
    found = {path: leaks(text, secrets) for path, text in outputs.items()}
    assert {path: hits for path, hits in found.items() if hits} == {}
    assert sum(len(json.loads(outputs[p])["items"]) for p in outputs if "/kb/" in p) > 0
