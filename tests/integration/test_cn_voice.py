"""Survey calls without Amazon Connect: Tencent Cloud VMS through its SDK against the local fake
(signature verified), and the key-press callback mapped onto the survey answer."""

from __future__ import annotations

import json

import boto3
import pytest
from survey_support import PHONE, PHONE_E164, events, make_due, replied_ticket, ticket

from chalicelib.config import LOCAL_SMS_WEBHOOK_SECRETS
from chalicelib.services import survey
from tests.fake_cn_providers import TENCENT_KEYS, FakeProviderServer

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


@pytest.fixture
def fake():
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
def vms(stack, fake, monkeypatch):
    from chalicelib import config
    (secret_id, secret_key), = TENCENT_KEYS.items()
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="minyi/test/tencent", SecretString=json.dumps(
            {"secret_id": secret_id, "secret_key": secret_key}))["ARN"]
    for key, value in {"MINYI_VOICE_MODE": "tencent", "MINYI_SMS_SECRET_ID": arn,
                       "MINYI_VOICE_APP_ID": "1400000002", "MINYI_VOICE_TEMPLATE_ID": "88001",
                       "MINYI_VOICE_ENDPOINT": fake.url}.items():
        monkeypatch.setenv(key, value)
    config.reload()
    return fake


def keypress(client, call_id: str, key: str, *, mobile: str = PHONE, token: str | None = None):
    token = LOCAL_SMS_WEBHOOK_SECRETS["tencent"] if token is None else token
    body = {"voicekey_callback": {"call_from": "", "callid": call_id, "keypress": key,
                                  "mobile": mobile, "nationcode": "86"}}
    return client.http.post(f"/v1/webhooks/voice/tencent?token={token}",
                            headers={"Content-Type": "application/json"},
                            body=json.dumps(body).encode())


def called(stack, vms) -> tuple[str, str]:
    tid = replied_ticket(channel="phone")          # hotline tickets are surveyed by phone
    make_due(stack)
    assert survey.run_due() == {"sent": 1}
    stack.outbox.drain()                         # the outbox places the call
    (req,) = [r for r in vms.requests if r.action == "SendTtsVoice"]
    assert req.params["CalledNumber"] == PHONE_E164 and req.params["TemplateId"] == "88001"
    assert req.params["TemplateParamSet"] == [ticket(tid).code]
    assert req.headers["Authorization"].startswith("TC3-HMAC-SHA256")
    assert "/vms/tc3_request" in req.headers["Authorization"]
    return tid, _last_call_id(tid)


def _last_call_id(tid: str) -> str:
    from chalicelib.adapters.models import EphemeralModel
    items = [i for i in EphemeralModel.scan() if i.pk.startswith("voicecall#")
             and (i.data or {}).get("ticket_id") == tid]
    assert len(items) == 1
    return items[0].pk.removeprefix("voicecall#")


def test_a_key_press_closes_the_survey_once(stack, vms, client):
    tid, call_id = called(stack, vms)
    assert keypress(client, call_id, "1", token="wrong").status_code == 403
    assert ticket(tid).status == "replied"
    r = keypress(client, call_id, "1")
    assert r.status_code == 200 and r.json_body == {"result": 0, "errmsg": "OK"}
    t = ticket(tid)
    assert (t.status, t.satisfaction) == ("closed", 1)
    (said,) = events(tid, "evaluated")
    assert said.channel == "voice" and said.data["source"]["provider"] == "tencent"
    assert keypress(client, call_id, "4").status_code == 200        # redelivered: acts once
    assert ticket(tid).satisfaction == 1


def test_dissatisfied_key_reopens(stack, vms, client):
    tid, call_id = called(stack, vms)
    assert keypress(client, call_id, "4").status_code == 200
    assert ticket(tid).status == "dispatched" and ticket(tid).reopen_count == 1


def test_keys_from_another_number_or_an_unknown_call_do_nothing(stack, vms, client):
    tid, call_id = called(stack, vms)
    assert keypress(client, call_id, "1", mobile="13900000000").status_code == 200
    assert keypress(client, "no-such-call", "1").status_code == 200
    assert keypress(client, call_id, "9").status_code == 200        # not an answer key
    assert ticket(tid).status == "replied"


def test_a_refused_call_falls_back_to_sms(stack, vms):
    vms.blocked_numbers.add(PHONE_E164)
    replied_ticket(channel="phone")
    make_due(stack)
    assert survey.run_due() == {"sent": 1}
    assert any("请评价" in s for s in stack.sms.to(PHONE_E164))
