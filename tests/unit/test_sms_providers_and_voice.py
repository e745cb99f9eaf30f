"""The inbound SMS adapters (Tencent, Aliyun, AWS End User Messaging) and the Connect caller."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.adapters.sms_providers import (
    PROVIDERS,
    MalformedCallback,
    parse_end_user_messaging,
    secret_matches,
)
from chalicelib.adapters.voice import ConnectVoiceCaller, RecordingVoiceCaller

TENCENT, ALIYUN = PROVIDERS["tencent"], PROVIDERS["aliyun"]


def test_secret_is_compared_exactly_and_a_missing_one_matches_nothing():
    assert secret_matches("s3cret", "s3cret")
    assert not secret_matches("s3cret", "s3cre")
    assert not secret_matches("s3cret", "S3CRET")
    assert not secret_matches("s3cret", None) and not secret_matches("s3cret", "")
    assert not secret_matches(None, "anything") and not secret_matches("", "")


def test_tencent_reply_and_receipt():
    reply = {"extend": "", "mobile": "13800138000", "nationcode": "86", "sign": "12345",
             "text": "4 没解决", "time": 1560311522}
    replies, receipts = TENCENT.parse(reply)                    # a single object
    assert receipts == [] and len(replies) == 1
    sms = replies[0]
    assert (sms.provider, sms.phone, sms.text) == ("tencent", "+8613800138000", "4 没解决")
    again, _ = TENCENT.parse([reply])                           # or an array: the same id
    assert again[0].message_id == sms.message_id
    other, _ = TENCENT.parse([{**reply, "time": 1560311523}])
    assert other[0].message_id != sms.message_id
    _, receipts = TENCENT.parse([{"user_receive_time": "2026-11-23 12:00:01",
                                  "nationcode": "86", "mobile": "13800138000",
                                  "report_status": "FAIL", "errmsg": "MK:0005",
                                  "description": "用户关机", "sid": "sid-1"}])
    assert (receipts[0].message_id, receipts[0].delivered, receipts[0].code) == (
        "sid-1", False, "MK:0005")
    assert TENCENT.ok() == {"result": 0, "errmsg": "OK"}


def test_aliyun_up_message_and_report():
    replies, receipts = ALIYUN.parse([
        {"phone_number": "13800138000", "send_time": "2026-11-23 10:00:00", "content": "1",
         "sign_name": "12345", "dest_code": "1234", "sequence_id": 123},
        {"phone_number": "13800138000", "send_time": "2026-11-23 10:00:00",
         "report_time": "2026-11-23 10:00:05", "success": True, "err_code": "DELIVERED",
         "err_msg": "用户接收成功", "sms_size": "1", "biz_id": "932702304080415357^0",
         "out_id": "t1"},
    ])
    assert (replies[0].message_id, replies[0].phone, replies[0].text) == ("123", "13800138000",
                                                                          "1")
    assert (receipts[0].message_id, receipts[0].delivered) == ("932702304080415357^0", True)
    assert ALIYUN.ok()["code"] == 0


@pytest.mark.parametrize("payload", [
    [], "text", [1, 2], [{"mobile": "13800138000"}],
    [{"nationcode": "86", "text": "1"}],                       # no mobile
    [{"mobile": "13800138000", "text": 5}],                    # text not a string
])
def test_tencent_malformed(payload):
    with pytest.raises(MalformedCallback):
        TENCENT.parse(payload)


def test_aliyun_malformed():
    with pytest.raises(MalformedCallback):
        ALIYUN.parse([{"phone_number": "13800138000"}])
    with pytest.raises(MalformedCallback):
        ALIYUN.parse([{"content": "1"}])


def test_end_user_messaging():
    sms = parse_end_user_messaging(json.dumps({
        "originationNumber": "+8613800138000", "destinationNumber": "+8610612345",
        "messageKeyword": "KEYWORD_1", "messageBody": "满意", "inboundMessageId": "abc-1",
        "previousPublishedMessageId": "out-1"}))
    assert (sms.provider, sms.message_id, sms.phone, sms.text, sms.to) == (
        "aws", "abc-1", "+8613800138000", "满意", "+8610612345")
    with pytest.raises(MalformedCallback):
        parse_end_user_messaging("not json")
    with pytest.raises(MalformedCallback):
        parse_end_user_messaging({"originationNumber": "+8613800138000"})


def test_connect_caller_starts_one_outbound_contact():
    client = boto3.client("connect", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    caller = ConnectVoiceCaller(client, "inst-1", "flow-1", source_phone="+861012345")
    with Stubber(client) as stub:
        stub.add_response("start_outbound_voice_contact", {"ContactId": "c-1"}, {
            "DestinationPhoneNumber": "+8613800138000", "ContactFlowId": "flow-1",
            "InstanceId": "inst-1", "ClientToken": "survey-T1-2",
            "Attributes": {"ticket_id": "T1", "attempt": "2"},
            "SourcePhoneNumber": "+861012345"})
        assert caller.call("+8613800138000", ticket_id="T1", attempt=2,
                           attributes={"ticket_id": "T1", "attempt": 2}) == "c-1"
        stub.assert_no_pending_responses()
    with pytest.raises(ValueError):
        ConnectVoiceCaller(client, "inst-1", "", source_phone="+861012345")


def test_recording_caller():
    caller = RecordingVoiceCaller()
    assert caller.call("+8613800138000", ticket_id="T1", attempt=1, attributes={}) == "call-1"
    assert [c.ticket_id for c in caller.to("+8613800138000")] == ["T1"]
