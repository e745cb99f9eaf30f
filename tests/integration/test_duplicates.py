"""Duplicates and merging (并单), repeat requests (重复件), caller lookup and malicious callers,
through the service layer on moto."""

from __future__ import annotations

import json

import pytest
from chalice.test import Client
from survey_support import kinds, make_due, surveys_to, ticket

import app as app_module
from chalicelib.adapters.models import TicketModel
from chalicelib.domain.errors import Forbidden, InvalidTransition, ValidationError, VersionConflict
from chalicelib.domain.ticket import Actor
from chalicelib.services import callers, duplicates, intake, merging, review, staff, survey
from chalicelib.services.staff_auth import StaffUser, issue_dev_token
from chalicelib.wiring import container

pytestmark = pytest.mark.usefixtures("no_escalation_timers")

HONGQI = "369902001001"                  # 红旗社区 (章水区)
BINJIANG = "369902001002"                # 滨江社区, the same township
LIGHTS = "A0106"                         # 路灯照明 -> 章水区城管局 (u-zs-cgj)
STALLS = "A0101"                         # 占道经营 -> 红旗街道 (u-twp-hongqi)
LIGHT = {"lat": 25.8500, "lng": 114.9300}
NEAR_80M = {"lat": 25.8500 + 80 / 111_195, "lng": 114.9300}
FAR_2KM = {"lat": 25.8500 + 2000 / 111_195, "lng": 114.9300}
DISPATCHER = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
CGJ = StaffUser("h_zs_cgj_zhao", "u-zs-cgj", frozenset({"handler"}))
HONGQI_TWP = StaffUser("h_twp_hongqi_xu", "u-twp-hongqi", frozenset({"handler"}))
HONGQI_VILLAGE = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
COUNTY_LEADER = StaffUser("lead_zs_wu", "u-gov-zhangshui", frozenset({"leader"}))
AGENT = Actor("staff", "disp_liumin", "u-center")
ZHANG, LI, WANG = "13812345678", "13912345678", "13712345678"


def e164(phone: str) -> str:
    return "+86" + phone


def report(phone: str, key: str, *, text="红旗大道12号路灯不亮了，晚上很黑", where=LIGHT,
           category=LIGHTS, region=HONGQI, citizen: str | None = None, channel="wechat"):
    body = {"type": "complaint", "description": text, "region_code": region, "phone": phone,
            "category": category}
    if where is not None:
        body["location"] = where
    view = intake.submit(body, citizen_id=citizen or f"wx:{phone}", channel=channel,
                         idempotency_key=key, agent=AGENT if channel == "phone" else None)
    settle()
    return view


def settle() -> None:
    """The screening (candidates, the caller's flag) runs off the request path, as an outbox
    effect of the submission: reading the SMS log lets the outbox catch up (conftest)."""
    container.sms.to("")


def staff_view(ticket_id: str) -> dict:
    return staff.get_ticket(DISPATCHER, ticket_id)


def two_reports_of_one_light():
    first = report(ZHANG, "k-light-0001")
    second = report(LI, "k-light-0002", text="红旗大道路灯坏了不亮，晚上黑乎乎的", where=NEAR_80M)
    return first, second


# ---------------------------------------------------------------- candidates
def test_two_reports_of_one_light_80m_apart_are_offered_as_duplicates(stack):
    first, second = two_reports_of_one_light()
    offered = staff_view(second["id"])["duplicate_candidates"]
    assert [c["id"] for c in offered] == [first["id"]]
    assert 70 <= offered[0]["why"]["distance_m"] <= 90
    assert offered[0]["why"]["text_similarity"] >= container.settings.dup_text_threshold
    assert offered[0]["score"] > 0
    assert staff_view(first["id"])["duplicate_candidates"] == []   # nothing before it
    # on demand, for dispatchers, with the other ticket's state
    now = duplicates.candidates(DISPATCHER, second["id"])["candidates"]
    assert [c["id"] for c in now] == [first["id"]] and now[0]["status"] == "dispatched"
    with pytest.raises(Forbidden):
        duplicates.candidates(CGJ, second["id"])
    # and in the review queue of the unit / the center: the stored list travels with the item
    queue = staff.queue(CGJ, status=None, light=None, cursor=None, unit=None, limit=None)
    item = next(i for i in queue["items"] if i["id"] == second["id"])
    assert [c["id"] for c in item["duplicate_candidates"]] == [first["id"]]


def test_a_report_2km_away_or_of_another_category_is_not(stack):
    first = report(ZHANG, "k-light-0001")
    far = report(LI, "k-light-0003", text="红旗大道路灯坏了不亮，晚上黑乎乎的", where=FAR_2KM)
    other = report(WANG, "k-light-0004", text="红旗大道路灯下面有人占道摆摊，晚上很黑",
                   where=NEAR_80M, category=STALLS)
    unrelated = report("13612345678", "k-light-0005",
                       text="楼上邻居装修噪音太大，周末一早就开始", where=NEAR_80M)
    for t in (far, other, unrelated):
        assert staff_view(t["id"])["duplicate_candidates"] == [], t
        assert duplicates.candidates(DISPATCHER, t["id"])["candidates"] == []
    assert staff_view(first["id"])["duplicate_candidates"] == []


def test_without_a_location_the_same_village_is_the_neighbourhood(stack):
    first = report(ZHANG, "k-village-01", where=None)
    same = report(LI, "k-village-02", text="红旗大道路灯坏了不亮，晚上黑乎乎的", where=None)
    other = report(WANG, "k-village-03", text="红旗大道路灯坏了不亮，晚上黑乎乎的", where=None,
                   region=BINJIANG)
    offered = staff_view(same["id"])["duplicate_candidates"]
    assert [c["id"] for c in offered] == [first["id"]] and offered[0]["why"]["same_village"]
    assert staff_view(other["id"])["duplicate_candidates"] == []


# ---------------------------------------------------------------- merging
def test_merging_stops_the_duplicate_and_tells_its_citizen(stack):
    primary, dup = two_reports_of_one_light()
    assert TicketModel.get(dup["id"]).open_unit == "u-zs-cgj"
    result = merging.merge(DISPATCHER, dup["id"], {"into": primary["id"], "note": "同一路灯"})
    assert result["status"] == "merged" and result["merged_into"] == primary["id"]
    t = ticket(dup["id"])
    assert t.open_unit is None and t.deadline_at is None and t.deadline_shard is None
    assert t.dup_cell is None and t.dup_place is None
    assert any(primary["code"] in text and "合并办理" in text for text in stack.sms.to(e164(LI)))
    assert kinds(dup["id"])[-1] == "merged" and kinds(primary["id"])[-1] == "merged_in"
    assert [r["id"] for r in staff_view(primary["id"])["merged_reporters"]] == [dup["id"]]
    # the duplicate is nobody's candidate any more, and the unit's queue no longer holds it
    queue = staff.queue(CGJ, status=None, light=None, cursor=None, unit=None, limit=None)
    assert dup["id"] not in [i["id"] for i in queue["items"]]
    third = report(WANG, "k-light-0009", text="红旗大道路灯坏了不亮，晚上黑乎乎的", where=NEAR_80M)
    assert [c["id"] for c in staff_view(third["id"])["duplicate_candidates"]] == [primary["id"]]


def test_merge_refusals(stack):
    primary, dup = two_reports_of_one_light()
    with pytest.raises(Forbidden):
        merging.merge(CGJ, dup["id"], {"into": primary["id"]})
    with pytest.raises(ValidationError) as info:
        merging.merge(DISPATCHER, dup["id"], {"into": dup["id"]})
    assert info.value.code == "merge_into_self"
    with pytest.raises(ValidationError):
        merging.merge(DISPATCHER, dup["id"], {"into": "0" * 26})
    with pytest.raises(ValidationError):
        merging.merge(DISPATCHER, dup["id"], {})
    merging.merge(DISPATCHER, dup["id"], {"into": primary["id"]})
    with pytest.raises(InvalidTransition):
        merging.merge(DISPATCHER, dup["id"], {"into": primary["id"]})      # already merged
    with pytest.raises(InvalidTransition):
        merging.merge(DISPATCHER, primary["id"], {"into": dup["id"]})      # has merged reporters


def test_merge_is_one_transaction_of_both_tickets(stack):
    """If the primary changed after it was read, nothing is written: not the duplicate either."""
    primary, dup = two_reports_of_one_light()
    real_get = container.tickets.get

    def get_then_someone_signs(ticket_id):
        found = real_get(ticket_id)
        if ticket_id == primary["id"]:
            container.tickets.get = real_get
            staff.perform(CGJ, primary["id"], "sign", {})       # a concurrent change
        return found

    container.tickets.get = get_then_someone_signs
    try:
        with pytest.raises(VersionConflict):
            merging.merge(DISPATCHER, dup["id"], {"into": primary["id"]})
    finally:
        container.tickets.get = real_get
    assert ticket(dup["id"]).status == "dispatched" and ticket(dup["id"]).merged_into is None
    assert "merged" not in kinds(dup["id"]) and "merged_in" not in kinds(primary["id"])
    assert ticket(primary["id"]).merged_reporters is None


def test_the_reply_and_the_survey_reach_both_reporters_and_the_matter_counts_once(stack):
    primary, dup = two_reports_of_one_light()
    merging.merge(DISPATCHER, dup["id"], {"into": primary["id"]})
    staff.perform(CGJ, primary["id"], "sign", {})
    staff.perform(CGJ, primary["id"], "reply", {"text": "路灯已更换灯泡，恢复照明", "grade": "A"})
    assert any("已办理答复" in text for text in stack.sms.to(e164(ZHANG)))
    assert any("已办理答复" in text and primary["code"] in text
               for text in stack.sms.to(e164(LI)))
    assert ticket(primary["id"]).dup_cell is None       # replied: nobody's candidate any more
    merged = ticket(dup["id"])
    assert merged.status == "replied" and merged.reply_text == "路灯已更换灯泡，恢复照明"
    assert merged.callback_at and merged.callback_shard and merged.merged_into == primary["id"]
    make_due(stack)
    assert survey.run_due() == {"sent": 2}
    assert len(surveys_to(stack, e164(ZHANG))) == 1 and len(surveys_to(stack, e164(LI))) == 1
    survey.evaluate_in_app(f"wx:{ZHANG}", primary["id"], {"resolved": True, "satisfaction": 1})
    survey.evaluate_in_app(f"wx:{LI}", dup["id"], {"resolved": True, "satisfaction": 2})
    both = [ticket(primary["id"]), ticket(dup["id"])]
    assert [t.status for t in both] == ["closed", "closed"]
    scores = review.unit_scores(both)
    assert scores["u-zs-cgj"].counted == 1 and scores["u-zs-cgj"].satisfied == 1


def test_a_merged_reporter_may_reopen(stack):
    primary, dup = two_reports_of_one_light()
    merging.merge(DISPATCHER, dup["id"], {"into": primary["id"]})
    staff.perform(CGJ, primary["id"], "sign", {})
    staff.perform(CGJ, primary["id"], "reply", {"text": "已处理", "grade": "A"})
    stack.outbox.drain()                                # the reply reaches the merged reporter
    view = survey.evaluate_in_app(f"wx:{LI}", dup["id"], {"resolved": False, "satisfaction": 5})
    assert view["status"] == "dispatched"
    reopened = ticket(dup["id"])
    assert reopened.unit_id == "u-zs-cgj" and reopened.open_unit == "u-zs-cgj"
    assert kinds(dup["id"])[-1] == "reopened"


def test_unmerge_restores_both(stack):
    primary, dup = two_reports_of_one_light()
    before = ticket(dup["id"])
    merging.merge(DISPATCHER, dup["id"], {"into": primary["id"]})
    result = merging.unmerge(DISPATCHER, dup["id"], {"note": "不是同一盏路灯"})
    assert result["status"] == "dispatched" and result["merged_into"] is None
    t = ticket(dup["id"])
    assert t.open_unit == before.open_unit and t.deadline_at == before.deadline_at
    assert t.deadline_shard == before.deadline_shard and t.dup_cell == before.dup_cell
    assert ticket(primary["id"]).merged_reporters is None
    assert kinds(dup["id"])[-2:] == ["merged", "unmerged"]
    assert kinds(primary["id"])[-2:] == ["merged_in", "unmerged_out"]
    assert any("恢复单独办理" in text for text in stack.sms.to(e164(LI)))
    with pytest.raises(InvalidTransition):
        merging.unmerge(DISPATCHER, dup["id"], {})
    # replied on its own now: the former primary's reply does not reach it
    staff.perform(CGJ, primary["id"], "sign", {})
    staff.perform(CGJ, primary["id"], "reply", {"text": "已处理", "grade": "A"})
    stack.outbox.drain()
    assert ticket(dup["id"]).status == "dispatched"


# ---------------------------------------------------------------- repeat requests
def test_a_same_citizen_repeat_while_open_becomes_a_supplement(stack):
    first = report(ZHANG, "k-repeat-001")
    again = report(ZHANG, "k-repeat-002", text="红旗大道12号路灯还是不亮，晚上很黑")
    assert again["attached"] is True and again["id"] == first["id"]
    assert again["code"] in again["notice"]
    assert sum(1 for _ in TicketModel.scan()) == 1
    supplement = [e for e in again["changes"] if e["kind"] == "supplement"]
    assert supplement and supplement[0]["data"]["repeat"] is True
    assert any("补充材料" in text and first["code"] in text for text in stack.sms.to(e164(ZHANG)))
    # the same phone through the hotline is the same caller
    by_phone = report(ZHANG, "k-repeat-003", text="红旗大道12号的路灯一直不亮，晚上很黑",
                      citizen=f"tel:{e164(ZHANG)}", channel="phone")
    assert by_phone["attached"] is True and by_phone["id"] == first["id"]
    # another WeChat user who gives the same number is another citizen
    family = report(ZHANG, "k-repeat-005", text="红旗大道12号路灯不亮了，晚上很黑",
                    citizen="wx:zhang-daughter")
    assert "attached" not in family and family["id"] != first["id"]
    # another matter of the same citizen is a new ticket
    other = report(ZHANG, "k-repeat-004", text="小区门口有人占道摆摊卖菜，影响通行",
                   category=STALLS)
    assert "attached" not in other and other["id"] != first["id"]


def test_a_repeat_over_http_answers_200_with_the_existing_ticket(stack):
    with Client(app_module.app) as client:
        token = json.loads(client.http.post(
            "/v1/auth/wechat", headers={"Content-Type": "application/json"},
            body=json.dumps({"code": "test-zhang"})).body)["token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        body = {"type": "complaint", "description": "红旗大道12号路灯不亮了，晚上很黑",
                "region_code": HONGQI, "phone": ZHANG, "category": LIGHTS, "location": LIGHT}
        r1 = client.http.post("/v1/tickets", headers={**headers, "Idempotency-Key": "http-r-1"},
                              body=json.dumps(body))
        r2 = client.http.post("/v1/tickets", headers={**headers, "Idempotency-Key": "http-r-2"},
                              body=json.dumps(body))
    assert r1.status_code == 201 and r2.status_code == 200
    assert json.loads(r2.body)["id"] == json.loads(r1.body)["id"]
    assert json.loads(r2.body)["attached"] is True


def test_a_matter_resubmitted_after_closing_is_flagged_as_a_repeat(stack):
    first = report(ZHANG, "k-closed-001")
    staff.perform(CGJ, first["id"], "sign", {})
    staff.perform(CGJ, first["id"], "reply", {"text": "已处理", "grade": "A"})
    survey.evaluate_in_app(f"wx:{ZHANG}", first["id"], {"resolved": True, "satisfaction": 1})
    assert ticket(first["id"]).status == "closed"
    stack.clock.advance(3 * 86400)
    again = report(ZHANG, "k-closed-002", text="红旗大道12号路灯又不亮了，晚上很黑")
    assert again["id"] != first["id"] and "attached" not in again
    assert ticket(again["id"]).repeat_of == first["id"]
    assert staff_view(again["id"])["repeat_of"] == first["id"]
    assert "repeat" in kinds(again["id"])


# ---------------------------------------------------------------- looking a caller up
def test_code_lookup_returns_only_what_the_role_may_see(stack):
    t = report(ZHANG, "k-code-0001", where=None)        # -> 章水区城管局
    code = t["code"]
    full = callers.lookup(DISPATCHER, code=code, phone=None, limit=None, cursor=None)
    assert [i["id"] for i in full["items"]] == [t["id"]]
    assert full["items"][0]["phone"] == e164(ZHANG)
    unit = callers.lookup(CGJ, code=code, phone=None, limit=None, cursor=None)
    assert unit["items"][0]["phone"] == e164(ZHANG)     # the handling unit: in full
    assert callers.lookup(HONGQI_VILLAGE, code=code, phone=None, limit=None,
                          cursor=None)["items"] == []   # not theirs: nothing
    with pytest.raises(ValidationError) as info:
        callers.lookup(DISPATCHER, code=code[:-1] + str((int(code[-1]) + 1) % 10), phone=None,
                       limit=None, cursor=None)
    assert info.value.code == "invalid_code"


def test_phone_lookup_is_the_callers_history_masked_for_others(stack):
    lights = report(ZHANG, "k-phone-0001", where=None)                      # 章水区城管局
    stack.clock.advance(60)
    stalls = report(ZHANG, "k-phone-0002", text="小区门口有人占道摆摊卖菜，影响通行",
                    category=STALLS, where=None)                            # 红旗街道
    report(LI, "k-phone-0003", text="楼上邻居装修噪音太大，周末一早就开始", where=None)
    agent = callers.lookup(DISPATCHER, code=None, phone=ZHANG, limit=None, cursor=None)
    assert [i["id"] for i in agent["items"]] == [stalls["id"], lights["id"]]   # newest first
    assert {i["phone"] for i in agent["items"]} == {e164(ZHANG)}
    unit = callers.lookup(HONGQI_TWP, code=None, phone=e164(ZHANG), limit=None, cursor=None)
    assert [i["id"] for i in unit["items"]] == [stalls["id"]]
    assert unit["items"][0]["phone"] == e164(ZHANG)
    leader = callers.lookup(COUNTY_LEADER, code=None, phone=ZHANG, limit=None, cursor=None)
    assert {i["id"] for i in leader["items"]} == {stalls["id"], lights["id"]}
    assert {i["phone"] for i in leader["items"]} == {"+86138****5678"}
    page = callers.lookup(DISPATCHER, code=None, phone=ZHANG, limit="1", cursor=None)
    assert len(page["items"]) == 1 and page["cursor"]
    rest = callers.lookup(DISPATCHER, code=None, phone=ZHANG, limit="1", cursor=page["cursor"])
    assert [i["id"] for i in rest["items"]] == [lights["id"]]
    with pytest.raises(ValidationError):
        callers.lookup(DISPATCHER, code=None, phone=LI, limit="1", cursor=page["cursor"])
    with pytest.raises(ValidationError):
        callers.lookup(DISPATCHER, code=None, phone="12345", limit=None, cursor=None)
    with pytest.raises(ValidationError):
        callers.lookup(DISPATCHER, code=None, phone=None, limit=None, cursor=None)


def test_lookups_over_http(stack):
    t = report(ZHANG, "k-http-look1", where=None)
    with Client(app_module.app) as client:
        def get(path, user, unit, roles):
            token = issue_dev_token(user, unit, roles)
            return client.http.get(path, headers={"Authorization": f"Bearer {token}"})
        r = get(f"/v1/staff/tickets?code={t['code']}", "disp_liumin", "u-center",
                ["dispatcher"])
        assert r.status_code == 200 and json.loads(r.body)["items"][0]["id"] == t["id"]
        r = get(f"/v1/staff/tickets?phone={ZHANG}", "h_vil_hongqi_chen", "u-vil-hongqi",
                ["handler"])
        assert r.status_code == 200 and json.loads(r.body)["items"] == []
        r = get("/v1/staff/tickets?code=123", "disp_liumin", "u-center", ["dispatcher"])
        assert r.status_code == 400 and json.loads(r.body)["error"]["code"] == "invalid_code"


# ---------------------------------------------------------------- malicious callers
def test_a_malicious_caller_is_marked_and_their_new_tickets_do_not_count(stack):
    first = report(ZHANG, "k-mal-00001", where=None)
    with pytest.raises(Forbidden):
        callers.flag_caller(CGJ, first["id"], {"reason": "反复恶意拨打"})
    view = callers.flag_caller(DISPATCHER, first["id"],
                               {"reason": "一日内拨打40余次，辱骂话务员"})
    assert view["malicious_caller"] is True
    flagged = [e for e in view["changes"] if e["kind"] == "caller_flagged"]
    assert flagged and flagged[0]["text"] == "一日内拨打40余次，辱骂话务员"
    later = report(ZHANG, "k-mal-00002", text="楼上邻居装修噪音太大，周末一早就开始",
                   category=STALLS, where=None)
    assert later["status"] == "dispatched"                          # still accepted
    assert ticket(later["id"]).malicious_caller is True
    assert "malicious_caller" in kinds(later["id"])
    others = report(LI, "k-mal-00003", text="小区门口有人占道摆摊卖菜，影响通行",
                    category=STALLS, where=None)
    assert ticket(others["id"]).malicious_caller is False
    for tid in (later["id"], others["id"]):
        staff.perform(HONGQI_TWP, tid, "sign", {})
        staff.perform(HONGQI_TWP, tid, "reply", {"text": "已处理", "grade": "A"})
    survey.evaluate_in_app(f"wx:{ZHANG}", later["id"], {"resolved": True, "satisfaction": 3})
    survey.evaluate_in_app(f"wx:{LI}", others["id"], {"resolved": True, "satisfaction": 1})
    both = [ticket(others["id"]), ticket(later["id"])]
    assert [t.status for t in both] == ["closed", "closed"]
    scores = review.unit_scores(both)["u-twp-hongqi"]
    assert scores.counted == 1 and scores.excluded == 1 and scores.score == 100
    # unmarked: the caller's next tickets count again
    callers.flag_caller(DISPATCHER, first["id"], {"reason": "误标，已核实", "flag": False})
    again = report(ZHANG, "k-mal-00004", text="公园里的健身器材坏了，存在安全隐患",
                   category=STALLS, where=None)
    assert ticket(again["id"]).malicious_caller is False
