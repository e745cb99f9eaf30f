"""Inbound SMS by every path (Tencent and Aliyun webhooks, AWS End User Messaging over SNS) and
the voice contact flow, through the Chalice app: answers, duplicates, secrets, 退订, new tickets."""

from __future__ import annotations

import json

import boto3
import pytest
from survey_support import (
    DAY,
    PHONE,
    PHONE_E164,
    UNIT_PHONE,
    aliyun,
    events,
    kinds,
    make_due,
    replied_ticket,
    sns,
    surveys_to,
    tencent,
    ticket,
    voice,
)

from chalicelib.adapters.models import RegistryModel, TicketModel
from chalicelib.adapters.voice import RecordingVoiceCaller
from chalicelib.services import survey
from chalicelib.wiring import container

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


def surveyed(stack, **kw) -> str:
    tid = replied_ticket(**kw)
    make_due(stack)
    assert survey.run_due() == {"sent": 1}
    return tid


def deliver(path, client, tid, text):
    """One message by one path (the same provider message id each time)."""
    if path == "tencent":
        r = tencent(client, PHONE, text)
        assert r.status_code == 200 and json.loads(r.body) == {"result": 0, "errmsg": "OK"}
    elif path == "aliyun":
        r = aliyun(client, PHONE, text, sequence_id=7001)
        assert r.status_code == 200 and json.loads(r.body)["code"] == 0
    elif path == "sns":
        sns(client, PHONE, text, message_id="eum-7001")
    else:
        assert voice(client, PHONE, tid, satisfaction=text)["result"] in ("ok", "duplicate")


@pytest.mark.parametrize("path", ["tencent", "aliyun", "sns", "voice"])
def test_a_reply_4_reopens_the_ticket_once(stack, client, path):
    if path == "voice":
        container.override(voice=RecordingVoiceCaller())
        tid = surveyed(stack, channel="phone", citizen=f"tel:{PHONE_E164}")
        assert voice(client, PHONE, tid)["result"] == "invalid"          # no keypress
        assert voice(client, "13900000000", tid, satisfaction="1",
                     contact_id="c-other")["result"] == "invalid"      # not the surveyed number
        assert ticket(tid).status == "replied"
    else:
        tid = surveyed(stack)
    deliver(path, client, tid, "4")
    acted = (len(stack.sms.sent), kinds(tid))
    deliver(path, client, tid, "4")                     # delivered again: nothing more happens
    assert (len(stack.sms.sent), kinds(tid)) == acted
    t = ticket(tid)
    assert (t.status, t.unit_id, t.reopen_count) == ("dispatched", "u-vil-hongqi", 1)
    assert (t.evaluation, t.satisfaction) == ("dissatisfied", 4)
    assert kinds(tid).count("reopened") == 1 and kinds(tid).count("evaluated") == 1
    said = events(tid, "evaluated")[0]
    assert said.channel == ("voice" if path == "voice" else "sms") and said.actor == "citizen"
    assert "4" in said.text
    assert len([s for s in stack.sms.to(UNIT_PHONE) if "回头看" in s]) == 1
    assert list(RegistryModel.query(survey.OPEN_PK)) == []
    # a late "4" after the survey closed is no longer an answer
    deliver("tencent" if path != "tencent" else "aliyun", client, tid, "5")
    assert ticket(tid).reopen_count == 1


def test_satisfied_reply_closes_and_receipts_update_the_outbound_sms(stack, client):
    tid = surveyed(stack)
    sent = [s for s in stack.sms.sent if "请评价" in s.text][0]
    assert survey.outbound_status(sent.message_id)["status"] == "sent"
    receipt = [{"user_receive_time": "2026-11-23 12:03:11", "nationcode": "86",
                "mobile": PHONE, "report_status": "SUCCESS", "errmsg": "DELIVRD",
                "description": "用户短信送达成功", "sid": sent.message_id}]
    r = client.http.post("/v1/webhooks/sms/tencent?token=local-tencent-sms-webhook-secret",
                         headers={"Content-Type": "application/json"},
                         body=json.dumps(receipt).encode())
    assert r.status_code == 200
    assert survey.outbound_status(sent.message_id)["status"] == "delivered"
    assert tencent(client, PHONE, "2 解决").status_code == 200
    t = ticket(tid)
    assert (t.status, t.evaluation, t.satisfaction, t.resolved) == ("closed", "satisfied", 2,
                                                                    True)
    assert t.callback_at is None and kinds(tid)[-2:] == ["evaluated", "closed"]


def test_a_webhook_with_a_wrong_secret_is_refused_with_nothing_written(stack, client):
    tid = surveyed(stack)
    ddb = boto3.client("dynamodb")
    tables = [container.settings.table(n) for n in ("tickets", "events", "registry",
                                                     "ephemeral")]

    def snapshot():
        return {t: ddb.scan(TableName=t)["Items"] for t in tables}

    sms_before = len(stack.sms.sent)          # (the outbox catches up first)
    before = snapshot()
    assert tencent(client, PHONE, "5", token="wrong-secret").status_code == 403
    assert tencent(client, PHONE, "5", token="").status_code == 401
    r = aliyun(client, PHONE, "5", token="local-tencent-sms-webhook-secret")  # another's
    assert r.status_code == 403 and json.loads(r.body)["error"]["code"] == "invalid_webhook_token"
    assert client.http.post("/v1/webhooks/sms/nosuch?token=x",
                            headers={"Content-Type": "application/json"},
                            body=b"[]").status_code == 404
    assert snapshot() == before and len(stack.sms.sent) == sms_before
    assert ticket(tid).status == "replied"


def test_opt_out_is_honored(stack, client):
    tid = surveyed(stack)
    r = aliyun(client, PHONE, "TD", sequence_id=9001)
    assert r.status_code == 200
    assert RegistryModel.get(survey.OPTOUT_PK, PHONE_E164).data["source"] == "aliyun"
    assert any("已退订" in s for s in stack.sms.to(PHONE_E164))
    assert events(tid, "opted_out")[0].channel == "sms"
    for _ in range(3):                                  # the remaining attempts: silent
        stack.clock.advance(DAY)
        survey.run_due()
    assert len(surveys_to(stack, PHONE_E164)) == 1
    assert ticket(tid).evaluation == "not_evaluated"
    later = replied_ticket(key="k-survey-later1")       # a later ticket: never surveyed either
    make_due(stack)
    survey.run_due()
    assert len(surveys_to(stack, PHONE_E164)) == 1 and ticket(later).status == "replied"


def test_an_sms_from_an_unknown_number_creates_a_ticket_then_adds_to_it(stack, client):
    text = "红旗路菜市场门口的路灯坏了一个多月，晚上很黑，请尽快修理"
    sns(client, "13955550001", text, message_id="eum-new-1")
    sns(client, "13955550001", text, message_id="eum-new-1")           # redelivered
    mine = list(TicketModel.by_citizen.query("tel:+8613955550001"))
    assert len(mine) == 1
    t = ticket(mine[0].ticket_id)
    assert (t.channel, t.phone, t.description) == ("sms", "+8613955550001", text)
    assert events(t.ticket_id, "submitted")[0].channel == "sms"
    assert any("已受理" in s for s in stack.sms.to("+8613955550001"))
    tencent(client, "13955550001", "补充：是北边第三根路灯杆")
    assert len(list(TicketModel.by_citizen.query("tel:+8613955550001"))) == 1
    added = events(t.ticket_id, "supplement")
    assert len(added) == 1 and added[0].channel == "sms" and "第三根" in added[0].text


def test_unclear_replies_get_one_clarifying_sms_and_stay_on_the_timeline(stack, client):
    tid = surveyed(stack)
    tencent(client, PHONE, "你好", at=1795400001)
    tencent(client, PHONE, "嗯？", at=1795400002)
    clarifying = [s for s in stack.sms.to(PHONE_E164) if "未能识别" in s]
    assert len(clarifying) == 1
    said = [e.text for e in events(tid, "citizen_message")]
    assert said == ["你好", "嗯？"]
    assert ticket(tid).status == "replied"              # still waiting for the answer
    tencent(client, PHONE, "1", at=1795400003)
    assert ticket(tid).status == "closed"
    # an answer with no survey open: told so, no ticket made
    sns(client, "13955550002", "1", message_id="eum-stray-1")
    assert list(TicketModel.by_citizen.query("tel:+8613955550002")) == []
    assert any("没有待评价" in s for s in stack.sms.to("+8613955550002"))


def test_an_sms_with_no_place_waits_in_review_until_the_citizen_names_one(stack, client):
    """Issue 15 point 11: never routed on a guess; asked once; the reply sets the place."""
    text = "菜市场门口的路灯坏了一个多月，晚上很黑，请尽快修理"
    sns(client, "13955550002", text, message_id="eum-place-1")
    [mine] = list(TicketModel.by_citizen.query("tel:+8613955550002"))
    t = ticket(mine.ticket_id)
    assert (t.status, t.unit_id, t.route_reason) == ("submitted", "u-center", "no_place")
    asked = [s for s in stack.sms.to("+8613955550002") if "社区（村）" in s]
    assert len(asked) == 1 and t.code in asked[0]

    tencent(client, "13955550002", "在樟木村村口", at=1795400100)
    t = ticket(t.ticket_id)
    assert t.region_code == "369902101201"                  # 樟木村, from the region catalog
    assert t.route_reason != "no_place"
    [placed] = events(t.ticket_id, "place_set")
    assert placed.citizen_visible and placed.data["public"] == {"place": "樟木村"}
    assert events(t.ticket_id, "supplement") == []


def test_an_sms_that_names_its_place_is_filed_there_at_once(stack, client):
    sns(client, "13955550003", "红旗社区菜市场门口的路灯坏了，请尽快修理", message_id="eum-place-2")
    [mine] = list(TicketModel.by_citizen.query("tel:+8613955550003"))
    t = ticket(mine.ticket_id)
    assert t.region_code == "369902001001" and t.route_reason != "no_place"
    assert not [s for s in stack.sms.to("+8613955550003") if "社区（村）" in s]
