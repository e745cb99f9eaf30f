"""The feedback loop over HTTP on the local stack: submit, dispatch, sign, reply; the survey job
(fired by the pump) sends the survey SMS; the citizen's "5" comes back through the Tencent
webhook and the ticket is reopened to the same unit. Also: an SMS from an unknown number
published to the inbound SNS topic (bridged by the pump) becomes a ticket.

Its own stack, started as `make run DEMO_CALLBACK_SECONDS=6` would: the callback is due 6 s after
the reply and the daytime window is lifted (the integration tier tests the 08:00-21:00 window with a
controlled clock; here the wall clock decides, and the test must not depend on the hour it runs
at).
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from chalicelib.config import LOCAL_SMS_WEBHOOK_SECRETS
from chalicelib.services.staff_auth import issue_dev_token
from scripts.local_stack import start_stack
from tests.e2e.conftest import Client, clock_env, eventually

HONGQI = "369902001001"
UNIT_PHONE = "+8613907970035"             # 红旗社区居民委员会's duty phone


def staff(user: str, unit: str, roles) -> dict:
    return {"Authorization": f"Bearer {issue_dev_token(user, unit, roles)}"}


DISPATCHER = staff("disp_liumin", "u-center", ["dispatcher"])
HANDLER = staff("h_vil_hongqi_chen", "u-vil-hongqi", ["handler"])


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    # as `make run DEMO_CALLBACK_SECONDS=6` starts it (issue 15 point 14): the variable comes
    # from the caller's environment; the callback is due 6 s after the reply, at any hour
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DEMO_CALLBACK_SECONDS", "6")
        stack = start_stack(log_dir=tmp_path_factory.mktemp("feedback-logs"), extra_env={
            "MINYI_PUMP_SCHEDULE_SCALE": "0.01",      # the 10-minute survey job every 6 s
            **clock_env()})
    yield stack
    stack.stop()


def test_survey_out_reply_5_in_by_webhook_reopens(loop):
    client = Client(loop.api, loop.endpoint, loop)
    citizen = client.login("e2e-feedback")
    phone = "13900009901"
    t = client.post("/v1/tickets", headers={**citizen, "Idempotency-Key": uuid.uuid4().hex},
                    json={"type": "consult", "description": "你好，我有个问题想问一下，麻烦回电",
                          "region_code": HONGQI, "phone": phone}).json()
    tid = t["id"]
    r = client.post(f"/v1/staff/tickets/{tid}/dispatch", headers=DISPATCHER,
                    json={"unit_id": "u-vil-hongqi", "category": "A1001"})
    assert r.status_code == 200, r.text
    assert client.post(f"/v1/staff/tickets/{tid}/sign", headers=HANDLER).status_code == 200
    r = client.post(f"/v1/staff/tickets/{tid}/reply", headers=HANDLER,
                    json={"text": "已联系物业，本周内完成清理", "grade": "A"})
    assert r.status_code == 200 and r.json()["status"] == "replied"

    surveys = eventually(lambda: [s for s in client.sms_to("+86" + phone) if "请评价" in s],
                         timeout=30)
    assert len(surveys) == 1 and t["code"] in surveys[0]

    url = "/v1/webhooks/sms/tencent"
    reply = [{"extend": "", "mobile": phone, "nationcode": "86", "sign": "12345热线",
              "text": "5", "time": 1795400000}]
    wrong = client.post(f"{url}?token=not-the-secret", json=reply)
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "invalid_webhook_token"
    assert client.get(f"/v1/tickets/{tid}", headers=citizen).json()["status"] == "replied"
    ok = client.post(f"{url}?token={LOCAL_SMS_WEBHOOK_SECRETS['tencent']}", json=reply)
    assert ok.status_code == 200 and ok.json() == {"result": 0, "errmsg": "OK"}
    again = client.post(f"{url}?token={LOCAL_SMS_WEBHOOK_SECRETS['tencent']}", json=reply)
    assert again.status_code == 200                        # delivered twice: acts once

    mine = client.get(f"/v1/tickets/{tid}", headers=citizen).json()
    assert mine["status"] == "dispatched"
    evaluated = [e for e in mine["timeline"] if e["kind"] == "evaluated"]
    assert len(evaluated) == 1 and evaluated[0]["channel"] == "sms"
    assert evaluated[0]["text"] == "5" and evaluated[0]["data"]["satisfaction"] == 5
    assert [e["kind"] for e in mine["timeline"]].count("reopened") == 1
    seen = client.get(f"/v1/staff/tickets/{tid}", headers=HANDLER).json()
    assert (seen["unit_id"], seen["reopen_count"], seen["status"]) == ("u-vil-hongqi", 1,
                                                                      "dispatched")
    assert any("回头看" in s and t["code"] in s for s in client.sms_to(UNIT_PHONE))
    # this reply has been evaluated; the mini-program can't evaluate it again
    r = client.post(f"/v1/tickets/{tid}/evaluation", headers=citizen,
                    json={"resolved": True, "satisfaction": 1})
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_awaiting_evaluation"


def test_reviews_need_a_dispatcher_and_sns_sms_becomes_a_ticket(loop):
    client = Client(loop.api, loop.endpoint, loop)
    assert client.get("/v1/staff/reviews").status_code == 401
    r = client.get("/v1/staff/reviews", headers=HANDLER)
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_required"
    r = client.get("/v1/staff/reviews", headers=DISPATCHER)
    assert r.status_code == 200 and isinstance(r.json()["items"], list)

    sns = boto3.client("sns", endpoint_url=loop.endpoint, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    topic = sns.create_topic(Name="minyi-local-inbound-sms")["TopicArn"]
    text = "红旗路菜市场门口的路灯坏了一个多月，晚上很黑，请尽快修理"
    sns.publish(TopicArn=topic, Message=json.dumps({
        "originationNumber": "+8613900009902", "destinationNumber": "+8610612345",
        "messageBody": text, "inboundMessageId": uuid.uuid4().hex}))
    accepted = eventually(lambda: [s for s in client.sms_to("+8613900009902") if "已受理" in s],
                          timeout=60)
    assert accepted
