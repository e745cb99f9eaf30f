"""Delivery receipts (状态报告) through the webhook path, failures on the ticket's timeline and in
a metric, the retry decision for the outbox, and the per-number daily quota that keeps the
acceptance SMS (受理) deliverable."""

from __future__ import annotations

import json

import pytest
from survey_support import PHONE_E164, events, submit, ticket

from chalicelib.adapters.sms import RecordingSms, SmsError
from chalicelib.config import LOCAL_SMS_WEBHOOK_SECRETS
from chalicelib.domain import messages as m
from chalicelib.services import notify, sms_delivery

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


@pytest.fixture
def metrics(monkeypatch):
    seen = []
    monkeypatch.setattr(sms_delivery, "count", lambda name, value=1, **dims: seen.append(
        (name, dims)))
    return seen


@pytest.fixture
def receipts_sms(stack):
    """A sender whose provider sends delivery receipts (as Tencent and Aliyun do)."""
    sms = RecordingSms(receipts=True)
    stack.sms._recording = sms          # still read through the outbox (tests/integration)
    stack.sms.receipts = True
    return stack.sms


def tencent_receipt(client, sid: str, *, ok: bool, token: str | None = None):
    token = LOCAL_SMS_WEBHOOK_SECRETS["tencent"] if token is None else token
    body = [{"user_receive_time": "2026-11-23 10:01:02", "nationcode": "86",
             "mobile": "13812345678", "report_status": "SUCCESS" if ok else "FAIL",
             "errmsg": "DELIVRD" if ok else "MK:0005", "description": "用户关机",
             "sid": sid}]
    return client.http.post(f"/v1/webhooks/sms/tencent?token={token}",
                            headers={"Content-Type": "application/json"},
                            body=json.dumps(body).encode())


def aliyun_receipt(client, biz_id: str, *, ok: bool):
    body = [{"phone_number": "13812345678", "send_time": "2026-11-23 10:00:00",
             "report_time": "2026-11-23 10:00:05", "success": ok,
             "err_code": "DELIVERED" if ok else "IC:0001", "err_msg": "空号",
             "sms_size": "1", "biz_id": biz_id, "out_id": "replied"}]
    return client.http.post("/v1/webhooks/sms/aliyun",
                            headers={"Content-Type": "application/json",
                                     "X-Minyi-Webhook-Token": LOCAL_SMS_WEBHOOK_SECRETS["aliyun"]},
                            body=json.dumps(body).encode())


def test_a_failed_receipt_lands_on_the_ticket_timeline_and_in_a_metric(
        stack, receipts_sms, client, metrics):
    tid = submit()
    code = ticket(tid).code
    (accepted,) = [s for s in receipts_sms.sent if s.phone == PHONE_E164]
    assert accepted.message.name == "accepted_routed"
    record = sms_delivery.outbound_status(accepted.message_id)
    assert (record["phone"], record["code"], record["status"]) == (PHONE_E164, code, "sent")

    # a receipt without the provider's secret is refused before anything is written
    assert tencent_receipt(client, accepted.message_id, ok=False, token="wrong").status_code == 403
    assert sms_delivery.outbound_status(accepted.message_id)["status"] == "sent"
    assert events(tid, "sms_failed") == []

    assert tencent_receipt(client, accepted.message_id, ok=False).status_code == 200
    record = sms_delivery.outbound_status(accepted.message_id)
    assert (record["status"], record["receipt_code"]) == ("failed", "MK:0005")
    (entry,) = events(tid, "sms_failed")
    assert entry.data["code"] == "MK:0005" and entry.data["to"] == "citizen"
    assert entry.citizen_visible is False and record["timeline_entry"] == entry.sk
    assert ("SmsDeliveryFailed", {"kind": "submitted", "code": "MK:0005"}) in metrics
    # the same receipt again acts once
    assert tencent_receipt(client, accepted.message_id, ok=False).status_code == 200
    assert len(events(tid, "sms_failed")) == 1


def test_a_delivered_receipt_is_stored_and_nothing_else(stack, receipts_sms, client):
    tid = submit()
    message_id = notify.send_now(PHONE_E164, notify.replied(ticket(tid).code), kind="replied")
    assert aliyun_receipt(client, message_id, ok=True).status_code == 200
    assert sms_delivery.outbound_status(message_id)["status"] == "delivered"
    assert events(tid, "sms_failed") == []


class Refusing:
    receipts = True
    provider = "tencent"

    def __init__(self, error: SmsError):
        self.error = error

    def send(self, phone, message):
        raise self.error


def test_retry_decision_for_the_outbox(stack):
    permanent = SmsError("tencent", "FailedOperation.PhoneNumberInBlacklist", permanent=True)
    transient = SmsError("tencent", "InternalError.Timeout", permanent=False)
    daily = SmsError("tencent", "LimitExceeded.PhoneNumberDailyLimit", permanent=False,
                     retry_after=86400)
    assert sms_delivery.should_retry(permanent, 1, 4) is None
    assert [sms_delivery.should_retry(transient, a, 4) for a in (1, 2, 3, 4)] == [
        60, 120, 240, None]
    assert sms_delivery.should_retry(daily, 1, 4) == 86400

    tid = submit()
    stack.outbox.drain()
    message = notify.replied(ticket(tid).code)
    stack.container.override(sms=Refusing(transient))
    outcome = sms_delivery.send_once(PHONE_E164, message, kind="replied", attempt=1,
                                     max_attempts=4)
    assert outcome.retry_in == 60 and events(tid, "sms_failed") == []   # the outbox retries
    outcome = sms_delivery.send_once(PHONE_E164, message, kind="replied", attempt=4,
                                     max_attempts=4)
    assert outcome.retry_in is None and len(events(tid, "sms_failed")) == 1   # the last try
    stack.container.override(sms=Refusing(permanent))
    assert notify.send_now(PHONE_E164, message, kind="replied") is None
    failed = events(tid, "sms_failed")
    assert len(failed) == 2 and failed[-1].data["code"] == "FailedOperation.PhoneNumberInBlacklist"


def test_the_daily_quota_keeps_the_acceptance_sms(stack, monkeypatch):
    from chalicelib import config
    monkeypatch.setenv("MINYI_SMS_DAILY_QUOTA", "4")
    monkeypatch.setenv("MINYI_SMS_QUOTA_RESERVE", "1")
    config.reload()
    code = "3699020261123"
    for _ in range(5):          # reminders, clarifications...: they stop one short of the limit
        notify.send_now(PHONE_E164, m.SurveyUnclear(code), kind="clarify")
    assert len(stack.sms.to(PHONE_E164)) == 3
    tid = submit()              # the citizen submits: the acceptance SMS still goes
    texts = stack.sms.to(PHONE_E164)
    assert len(texts) == 4 and "已受理" in texts[-1] and ticket(tid).code in texts[-1]
    notify.send_now(PHONE_E164, m.SurveyUnclear(code), kind="clarify")
    assert len(stack.sms.to(PHONE_E164)) == 4
    stack.clock.advance(86400)  # a new local day: a fresh quota
    notify.send_now(PHONE_E164, m.SurveyUnclear(code), kind="clarify")
    assert len(stack.sms.to(PHONE_E164)) == 5
