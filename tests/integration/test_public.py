"""Public disclosure (三公开), tracking by code and withholding, through the HTTP API on moto."""

from __future__ import annotations

import json

import pytest
from phones import phone_for
from public_support import day

from chalicelib.adapters.models import EphemeralModel, TicketModel
from chalicelib.services import intake, staff
from chalicelib.services.staff_auth import StaffUser, issue_dev_token

HONGQI = "369902001001"          # 红旗社区, in 红旗街道 (369902001000)
LONGGANG = "369921200201"        # 龙岗村, in 龙岗乡
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


def submit(key, public=True, region=HONGQI, category="A1001", phone=None,
           description="小区物业不作为，楼道垃圾一周没人清理", ticket_type="complaint"):
    """A ticket from its own citizen (by default): the same text again from the same
    citizen would be a repeat request (services/duplicates.py), not a second ticket."""
    body = {"type": ticket_type, "description": description, "region_code": region,
            "phone": phone or phone_for(key), "category": category, "public": public}
    return intake.submit(body, citizen_id=f"wx:pub-{key}", channel="wechat",
                         idempotency_key=key)


def reply(ticket_id, text="已督促物业清理完毕"):
    staff.perform(HANDLER, ticket_id, "sign", {})
    return staff.perform(HANDLER, ticket_id, "reply", {"text": text, "grade": "A"})


def get(client, path, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    r = client.http.get(path + ("?" + query if query else ""))
    return r.status_code, json.loads(r.body), r.headers


def test_only_consented_tickets_are_listed_with_township_and_reply(stack, client):
    shown = submit("pub-00000001")
    submit("pub-00000002", public=False)
    reply(shown["id"])
    status, body, headers = get(client, "/v1/public/tickets")
    assert status == 200
    assert [t["code"] for t in body["items"]] == [shown["code"]]
    item = body["items"][0]
    assert item["township"]["code"] == "369902001000"
    assert item["township"]["name"] == "赣南市章水区红旗街道"
    assert "region_code" not in item and HONGQI not in json.dumps(item)
    assert item["reply"]["text"] == "已督促物业清理完毕"
    assert item["status"] == "in_progress" and item["unit"]
    assert "phone" not in item and "name" not in item and "id" not in item
    assert headers["Cache-Control"].startswith("public, max-age=")
    status, one, _ = get(client, f"/v1/public/tickets/{shown['code']}")
    assert status == 200 and [s["kind"] for s in one["timeline"]] == ["dispatched", "signed"]
    assert get(client, "/v1/public/tickets/" + submit("pub-00000003", public=False)["code"])[0] \
        == 404


def test_filters_and_cursor_paging_use_the_index(stack, client):
    codes = [submit(f"pub-page-{i:04d}")["code"] for i in range(5)]
    other = submit("pub-page-lg01", region=LONGGANG, category="A0101")["code"]
    status, page1, _ = get(client, "/v1/public/tickets", limit=2)
    assert status == 200 and len(page1["items"]) == 2 and page1["cursor"]
    seen = [t["code"] for t in page1["items"]]
    cursor = page1["cursor"]
    while cursor:
        _, page, _ = get(client, "/v1/public/tickets", limit=2, cursor=cursor)
        seen += [t["code"] for t in page["items"]]
        cursor = page["cursor"]
    assert sorted(seen) == sorted(codes + [other])
    _, by_place, _ = get(client, "/v1/public/tickets", township="369921200000")
    assert [t["code"] for t in by_place["items"]] == [other]
    _, by_category, _ = get(client, "/v1/public/tickets", category="A1001")
    assert sorted(t["code"] for t in by_category["items"]) == sorted(codes)
    _, closed, _ = get(client, "/v1/public/tickets", status="closed")
    assert closed["items"] == []
    _, today, _ = get(client, "/v1/public/tickets", **{"from": day(stack), "to": day(stack)})
    assert len(today["items"]) == 6
    _, before, _ = get(client, "/v1/public/tickets", to=day(stack, -1))
    assert before["items"] == []
    status, error, _ = get(client, "/v1/public/tickets", status="open")
    assert status == 400 and error["error"]["code"] == "invalid_status"
    status, error, _ = get(client, "/v1/public/tickets", category="A1001", cursor=page1["cursor"])
    assert status == 400 and error["error"]["code"] == "invalid_cursor"


def test_disclosed_tickets_sit_in_a_sparse_index(stack):
    shown = submit("pub-sparse-01")
    hidden = submit("pub-sparse-02", public=False)
    indexed = {t.ticket_id for t in TicketModel.by_disclosure.query("P")}
    assert shown["id"] in indexed and hidden["id"] not in indexed


def test_a_dispatcher_withholds_a_ticket_with_a_reason(stack, client):
    shown = submit("pub-withhold-1")
    dispatcher = {"Authorization": "Bearer " + issue_dev_token("disp_liumin", "u-center",
                                                               ["dispatcher"]),
                  "Content-Type": "application/json"}
    handler = {"Authorization": "Bearer " + issue_dev_token("h_vil_hongqi_chen", "u-vil-hongqi",
                                                            ["handler"]),
               "Content-Type": "application/json"}
    path = f"/v1/staff/tickets/{shown['id']}/withhold"
    r = client.http.post(path, headers=handler, body=json.dumps({"reason": "涉及个人隐私"}))
    assert r.status_code == 403
    r = client.http.post(path, headers=dispatcher, body=json.dumps({}))
    assert r.status_code == 400 and json.loads(r.body)["error"]["field"] == "reason"
    r = client.http.post(path, headers=dispatcher, body=json.dumps({"reason": "涉及个人隐私"}))
    assert r.status_code == 200 and json.loads(r.body)["disclosed"] is False
    assert get(client, "/v1/public/tickets")[1]["items"] == []
    assert get(client, f"/v1/public/tickets/{shown['code']}")[0] == 404
    stored = TicketModel.get(shown["id"])
    assert stored.withheld["reason"] == "涉及个人隐私" and stored.pub_feed is None


def test_withdrawn_tickets_are_not_shown(stack, client):
    from chalicelib.services import citizen
    shown = submit("pub-withdraw-1")
    citizen.withdraw("wx:pub-pub-withdraw-1", shown["id"], {})
    assert get(client, "/v1/public/tickets")[1]["items"] == []
    assert get(client, f"/v1/public/tickets/{shown['code']}")[0] == 404


def track(client, code, last4, ip="203.0.113.7"):
    r = client.http.post("/v1/public/track", headers={"Content-Type": "application/json"},
                         body=json.dumps({"code": code, "phone_last4": last4}))
    return r.status_code, json.loads(r.body)


def test_tracking_by_code_and_last_four_digits(stack, client):
    private = submit("track-000001", public=False, phone="13912340000")
    reply(private["id"], text="已处理，联系人王建国13812345678")
    status, view = track(client, private["code"], "0000")
    assert status == 200 and view["status"] == "in_progress" and view["stage_label"] == "已答复"
    assert [s["kind"] for s in view["timeline"]] == ["dispatched", "signed"]
    assert "description" not in view and "reply" not in view   # not disclosed: status only
    status, error = track(client, private["code"], "1234")
    assert status == 404 and error["error"]["code"] == "not_found"


def test_tracking_is_rate_limited_per_code(stack, client):
    t = submit("track-000002", phone="13912340000")
    limit = stack.container.settings.track_limit_per_code
    for _ in range(limit):
        assert track(client, t["code"], "9999")[0] == 404          # wrong guesses
    status, error = track(client, t["code"], "0000")               # even the right digits
    assert status == 429 and error["error"]["code"] == "too_many_requests"
    stack.clock.advance(stack.container.settings.track_window_seconds + 1)
    assert track(client, t["code"], "0000")[0] == 200              # a new window (TTL on read)
    assert EphemeralModel.get(f"track#code#{t['code']}").hits == 1


def test_tracking_is_rate_limited_per_client_ip(stack, client, monkeypatch):
    monkeypatch.setenv("MINYI_TRACK_LIMIT_IP", "3")
    from chalicelib import config
    config.reload()
    t = submit("track-000003", phone="13912340000")
    others = [submit(f"track-1{i:05d}")["code"] for i in range(3)]
    for code in others:
        assert track(client, code, "1111")[0] == 404               # one guess per code
    assert track(client, t["code"], "0000")[0] == 429


def test_the_acceptance_sms_tells_how_to_track(stack):
    t = submit("track-sms-01", phone="13912340000")
    (text,) = [m.text for m in stack.sms.sent if t["code"] in m.text and "受理" in m.text]
    assert "手机号后4位" in text and f"查询 {t['code']}" in text


def test_an_sms_query_answers_only_the_number_that_filed(stack, client):
    from chalicelib.adapters.sms_providers import InboundSms
    from chalicelib.services import inbound_sms
    t = submit("track-sms-02", public=False, phone="13912340000")
    reply(t["id"])
    before = len(stack.sms.sent)
    result = inbound_sms.handle(InboundSms("sns", "q-0001", "+8613912340000",
                                           f"查询 {t['code']}"))
    assert result == "status"
    (answer,) = stack.sms.sent[before:]
    assert answer.phone == "+8613912340000" and "已答复" in answer.text and t["code"] in answer.text
    result = inbound_sms.handle(InboundSms("sns", "q-0002", "+8613700000000",
                                           f"查询 {t['code']}"))
    assert result == "status_unknown"
    (refusal,) = stack.sms.sent[before + 1:]
    assert refusal.phone == "+8613700000000" and "已答复" not in refusal.text
    assert TicketModel.get(t["id"]).status == "replied"        # nothing was added to it
