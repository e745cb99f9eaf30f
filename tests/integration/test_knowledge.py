"""Knowledge base (units write, the center approves, search, a consult answered before it is
submitted, expiry reminders) and people's suggestion campaigns, on moto."""

from __future__ import annotations

import json

import pytest
from phones import phone_for
from public_support import day

from chalicelib.adapters.models import TicketEventModel, TicketModel
from chalicelib.domain.errors import Forbidden, ValidationError
from chalicelib.services import campaigns, intake, kb
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
LONGGANG = "369921200201"
UNIT = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
OTHER_UNIT = StaffUser("h_vil_longgang_zeng", "u-vil-longgang", frozenset({"handler"}))
DISPATCHER = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
UNIT_PHONE = "+8613907970035"

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


def approved_entry(stack, **over) -> str:
    body = {"question": "社区老年人助餐点在哪里", "answer": "红旗社区助餐点在社区服务中心一楼，"
            "每天11点至13点供餐，60岁以上老人凭身份证办卡。", "valid_until": day(stack, 38),
            "region_scope": "369902001000"}
    body.update(over)
    entry = kb.create_entry(UNIT, body)
    assert entry["status"] == "pending"
    kb.decide(DISPATCHER, entry["id"], {"approve": True})
    return entry["id"]


def consult(key, **over):
    body = {"type": "consult", "description": "请问我们社区老年人助餐点在哪里，怎么办卡？",
            "region_code": HONGQI, "phone": "13812345678"}
    body.update(over)
    return intake.submit(body, citizen_id="wx:kb", channel="wechat", idempotency_key=key)


def test_units_write_and_the_center_approves(stack):
    entry = kb.create_entry(UNIT, {"question": "助餐点在哪里", "answer": "社区服务中心一楼",
                                   "valid_until": day(stack, 38)})
    assert kb.search("助餐点在哪里")["items"] == []                # pending: not shown
    with pytest.raises(Forbidden):
        kb.decide(UNIT, entry["id"], {"approve": True})
    with pytest.raises(Forbidden):
        kb.update_entry(OTHER_UNIT, entry["id"], {"question": "x", "answer": "y",
                                                  "valid_until": day(stack, 38)})
    kb.decide(DISPATCHER, entry["id"], {"approve": True})
    assert [i["id"] for i in kb.search("助餐点在哪里")["items"]] == [entry["id"]]
    kb.update_entry(UNIT, entry["id"], {"question": "助餐点在哪里", "answer": "改到二楼",
                                        "valid_until": day(stack, 38)})
    assert kb.search("助餐点在哪里")["items"] == []                # changed: approved again
    assert [e["id"] for e in kb.list_entries(DISPATCHER, "pending")["items"]] == [entry["id"]]
    assert kb.list_entries(OTHER_UNIT, None)["items"] == []


def test_search_is_ranked_scoped_and_offered_for_a_draft(stack, client):
    meals = approved_entry(stack)
    approved_entry(stack, question="公积金怎么提取", answer="带身份证到公积金中心办理。",
                   region_scope=None)
    r = client.http.post("/v1/kb/suggest", headers={"Content-Type": "application/json"},
                         body=json.dumps({"description": "老人助餐点在哪，怎么办卡",
                                          "region_code": HONGQI}))
    assert r.status_code == 200 and json.loads(r.body)["items"][0]["id"] == meals
    r = client.http.get("/v1/kb/search?q=%E5%8A%A9%E9%A4%90%E7%82%B9&region_code=" + LONGGANG)
    assert json.loads(r.body)["items"] == []                         # another township
    r = client.http.get("/v1/kb/search")
    assert r.status_code == 400


def test_a_consult_answered_by_the_knowledge_base_is_recorded(stack):
    entry_id = approved_entry(stack)
    unit_sms_before = len(stack.sms.to(UNIT_PHONE))
    sent_before = len(stack.sms.sent)
    t = consult("kb-consult-01", kb_entry_id=entry_id)
    stored = TicketModel.get(t["id"])
    assert stored.status == "closed" and stored.kb_entry_id == entry_id
    assert stored.unit_id is None and stored.deadline_at is None      # never routed
    (answered,) = [e for e in TicketEventModel.query(t["id"]) if e.kind == "kb_answered"]
    assert answered.data["first_contact_resolution"] is True
    assert answered.data["kb_entry_id"] == entry_id
    told = [m.text for m in stack.sms.sent[sent_before:] if t["code"] in m.text]
    assert told and all("前答复" not in text for text in told)        # no deadline to promise
    assert len(stack.sms.to(UNIT_PHONE)) == unit_sms_before            # no unit was sent it
    plain = consult("kb-consult-02")
    assert TicketModel.get(plain["id"]).status != "closed"            # without it: routed


def test_kb_entry_id_is_checked(stack):
    entry_id = approved_entry(stack)
    with pytest.raises(ValidationError) as info:
        consult("kb-consult-03", kb_entry_id=entry_id, type="complaint")
    assert info.value.code == "kb_not_for_type"
    with pytest.raises(ValidationError) as info:
        consult("kb-consult-04", kb_entry_id=entry_id, region_code=LONGGANG)
    assert info.value.code == "kb_entry_not_valid"
    with pytest.raises(ValidationError) as info:
        consult("kb-consult-05", kb_entry_id="0" * 26)
    assert info.value.code == "unknown_kb_entry"


def test_expired_entries_stop_showing_and_their_unit_is_reminded_once(stack):
    entry_id = approved_entry(stack, valid_until=day(stack, 7))
    assert kb.search("助餐点在哪里")["items"]
    assert kb.remind_expired() == {"reminded": 0}
    expiry = day(stack, 7)
    stack.clock.advance(8 * 86400)                                    # the day after
    assert kb.search("助餐点在哪里")["items"] == []
    with pytest.raises(ValidationError):
        consult("kb-consult-06", kb_entry_id=entry_id)
    assert kb.remind_expired() == {"reminded": 1}
    assert kb.remind_expired() == {"reminded": 0}                     # idempotent per entry
    (text,) = [t for t in stack.sms.to(UNIT_PHONE) if "知识库" in t]
    assert expiry in text
    assert kb.list_entries(UNIT, None)["items"][0]["expired"] is True


def suggestion(key, campaign_id=None, **over):
    """From its own citizen: one citizen's same text again would be a repeat request."""
    body = {"type": "suggestion", "description": "建议在滨江公园增设儿童游乐设施和公共厕所",
            "region_code": HONGQI, "phone": phone_for(key)}
    if campaign_id:
        body["campaign_id"] = campaign_id
    body.update(over)
    return intake.submit(body, citizen_id=f"wx:sug-{key}", channel="wechat",
                         idempotency_key=key)


def test_suggestion_campaigns_group_and_count_apart(stack, client):
    campaign = campaigns.open_campaign(DISPATCHER, {
        "title": "滨江公园改造征集", "starts_on": day(stack, -3), "ends_on": day(stack, 27),
        "owner_unit": "u-twp-hongqi"})
    with pytest.raises(Forbidden):
        campaigns.open_campaign(UNIT, {"title": "x", "starts_on": day(stack, -3),
                                       "ends_on": day(stack, 27), "owner_unit": "u-twp-hongqi"})
    ids = {suggestion(f"sug-camp-{i:03d}", campaign["id"])["id"] for i in range(3)}
    suggestion("sug-plain-001")
    intake.submit({"type": "complaint", "description": "滨江公园厕所太脏没人打扫",
                   "region_code": HONGQI, "phone": "13812345678"},
                  citizen_id="wx:sug", channel="wechat", idempotency_key="sug-complaint1")
    with pytest.raises(ValidationError) as info:
        suggestion("sug-camp-bad1", campaign["id"], type="complaint")
    assert info.value.code == "campaign_needs_suggestion"
    owner = StaffUser("h_twp_hongqi_xu", "u-twp-hongqi", frozenset({"handler"}))
    listed = campaigns.suggestions(owner, campaign["id"], None, None)
    assert {t["id"] for t in listed["items"]} == ids
    # the list shows the suggestions themselves (the index holds their keys only)
    assert all(t["description"] and t["status"] for t in listed["items"])
    assert campaigns.summary(owner, campaign["id"])["counts"] == {"suggestions": 3}
    with pytest.raises(Forbidden):
        campaigns.suggestions(UNIT, campaign["id"], None, None)
    r = client.http.get("/v1/campaigns")
    assert [c["id"] for c in json.loads(r.body)["items"]] == [campaign["id"]]
    stack.clock.advance(30 * 86400)                                   # after its end
    with pytest.raises(ValidationError) as info:
        suggestion("sug-camp-late", campaign["id"])
    assert info.value.code == "campaign_closed"
