"""EventBridge -> SQS consumers act once per event, however often it is delivered."""

from __future__ import annotations

import json

import pytest

from chalicelib.adapters.models import RegistryModel
from chalicelib.domain.errors import TokenExpired, Unauthorized
from chalicelib.jobs import consumers
from chalicelib.services import auth, intake

HONGQI = "369902001001"


class Context:
    aws_request_id = "local"

    def get_remaining_time_in_millis(self):
        return 30_000


def sqs_event(detail_type: str, detail: dict, message_id: str) -> dict:
    body = {"version": "0", "id": message_id, "detail-type": detail_type,
            "source": "minyi.escalation", "detail": detail}
    return {"Records": [{"messageId": message_id, "receiptHandle": "r", "body": json.dumps(body),
                         "attributes": {}, "messageAttributes": {}, "md5OfBody": "",
                         "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:q",
                         "awsRegion": "us-east-1"}]}


@pytest.fixture
def ticket(stack):
    body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": HONGQI, "phone": "13812345678", "category": "A1001"}
    return intake.submit(body, citizen_id="wx:cons", channel="wechat",
                         idempotency_key="k-cons-0001")


def test_overdue_delivered_twice_acts_once(stack, ticket):
    detail = {"ticket_id": ticket["id"], "revision": 1, "step": 0, "kind": "sign",
              "from_unit": "u-vil-hongqi", "to_unit": "u-twp-hongqi", "to_level": "township"}
    before = len(stack.sms.sent)
    consumers.on_overdue(sqs_event("TicketOverdue", detail, "m-1"), Context())
    after_first = len(stack.sms.sent)
    consumers.on_overdue(sqs_event("TicketOverdue", detail, "m-2"), Context())   # redelivered
    assert after_first - before == 4          # village, township, county, city
    assert len(stack.sms.sent) == after_first
    assert RegistryModel.get("supervise#u-gov-city", ticket["id"])
    # a later step of the same plan is a different event and acts: the township's ladder
    # (township, county, city) plus the village, which still holds the ticket in this event
    consumers.on_overdue(sqs_event("TicketOverdue", {**detail, "step": 1,
                                                     "from_unit": "u-twp-hongqi"}, "m-3"),
                         Context())
    assert len(stack.sms.sent) == after_first + 4


def test_escalated_delivered_twice_acts_once(stack, ticket):
    detail = {"ticket_id": ticket["id"], "revision": 1, "step": 0, "kind": "sign",
              "from_unit": "u-vil-hongqi", "to_unit": "u-twp-hongqi", "to_level": "township"}
    phone = stack.container.reference.unit("u-twp-hongqi").duty_phone
    for message_id in ("m-1", "m-1", "m-9"):
        consumers.on_escalated(sqs_event("TicketEscalated", detail, message_id), Context())
    assert len([s for s in stack.sms.to(phone) if "提级" in s]) == 1


def test_expired_and_forged_citizen_tokens(stack):
    token = auth.issue_citizen_token("olive")["token"]
    assert auth.verify_citizen_token(token) == "wx:olive"
    stack.clock.advance(stack.container.settings.token_ttl_seconds + 1)
    with pytest.raises(TokenExpired) as info:
        auth.verify_citizen_token(token)
    assert info.value.status == 401 and info.value.code == "token_expired"
    head, payload, _sig = auth.issue_citizen_token("olive")["token"].split(".")
    with pytest.raises(Unauthorized):
        auth.verify_citizen_token(f"{head}.{payload}.forged")


def test_signed_token_with_unreadable_times_is_401(stack):
    import jwt

    from chalicelib.services.auth import CITIZEN_AUDIENCE
    secret = stack.container.settings.token_secret
    now = int(stack.clock())
    for extra in ({"nbf": "soon"}, {"iat": "x"}):
        token = jwt.encode({"sub": "wx:o", "aud": CITIZEN_AUDIENCE, "iat": now, "exp": now + 60,
                            **extra}, secret, algorithm="HS256")
        with pytest.raises(Unauthorized):
            auth.verify_citizen_token(token)
