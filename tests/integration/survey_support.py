"""Shared steps for the callback-survey tests: a ticket walked to its reply, the survey's SMS,
the inbound paths (Tencent, Aliyun, AWS End User Messaging via SNS, the voice contact flow)."""

from __future__ import annotations

import json

from chalicelib.adapters.models import TicketEventModel, TicketModel
from chalicelib.config import LOCAL_SMS_WEBHOOK_SECRETS
from chalicelib.domain.ticket import Actor
from chalicelib.services import intake, staff
from chalicelib.services.staff_auth import StaffUser
from chalicelib.wiring import container

HONGQI = "369902001001"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
DISPATCHER = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
AGENT = Actor("staff", "disp_liumin", "u-center")
UNIT_PHONE = "+8613907970035"             # 红旗社区居民委员会's duty phone (demo city)
PHONE = "13812345678"
PHONE_E164 = "+8613812345678"
HOUR = 3600
DAY = 86400


def submit(phone: str = PHONE, key: str = "k-survey-0001", channel: str = "wechat",
           citizen: str = "wx:carol") -> str:
    body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": HONGQI, "phone": phone, "category": "A1001"}
    agent = AGENT if channel == "phone" else None
    return intake.submit(body, citizen_id=citizen, channel=channel, idempotency_key=key,
                         agent=agent)["id"]


def reply(ticket_id: str, text: str = "已督促物业清理完毕") -> None:
    staff.perform(HANDLER, ticket_id, "sign", {})
    staff.perform(HANDLER, ticket_id, "reply", {"text": text, "grade": "A"})


def replied_ticket(**kw) -> str:
    ticket_id = submit(**kw)
    reply(ticket_id)
    return ticket_id


def make_due(stack) -> None:
    stack.clock.advance(container.settings.callback_delay_seconds + 60)


def surveys_to(stack, phone: str) -> list[str]:
    return [t for t in stack.sms.to(phone) if "请评价" in t]


def ticket(ticket_id: str) -> TicketModel:
    return TicketModel.get(ticket_id, consistent_read=True)


def kinds(ticket_id: str) -> list[str]:
    return [e.kind for e in TicketEventModel.query(ticket_id, consistent_read=True)]


def events(ticket_id: str, kind: str) -> list[TicketEventModel]:
    return [e for e in TicketEventModel.query(ticket_id, consistent_read=True) if e.kind == kind]


# ---------------------------------------------------------------- the inbound paths
def tencent(client, mobile: str, text: str, *, at: int = 1795400000, token: str | None = None):
    token = LOCAL_SMS_WEBHOOK_SECRETS["tencent"] if token is None else token
    body = [{"extend": "", "mobile": mobile, "nationcode": "86", "sign": "12345热线",
             "text": text, "time": at}]
    return client.http.post(f"/v1/webhooks/sms/tencent?token={token}",
                            headers={"Content-Type": "application/json"},
                            body=json.dumps(body).encode())


def aliyun(client, mobile: str, text: str, *, sequence_id: int = 1001, token: str | None = None):
    token = LOCAL_SMS_WEBHOOK_SECRETS["aliyun"] if token is None else token
    body = [{"phone_number": mobile, "send_time": "2026-11-23 12:05:00", "content": text,
             "sign_name": "12345热线", "dest_code": "1234", "sequence_id": sequence_id}]
    return client.http.post("/v1/webhooks/sms/aliyun",
                            headers={"Content-Type": "application/json",
                                     "X-Minyi-Webhook-Token": token},
                            body=json.dumps(body).encode())


def sns(client, mobile: str, text: str, *, message_id: str = "in-0001"):
    message = {"originationNumber": f"+86{mobile}", "destinationNumber": "+8610612345",
               "messageKeyword": "KEYWORD_123456789012", "messageBody": text,
               "inboundMessageId": message_id, "previousPublishedMessageId": "out-1"}
    event = client.events.generate_sns_event(message=json.dumps(message))
    return client.lambda_.invoke("inbound_sms", event)


def voice(client, mobile: str, ticket_id: str, *, satisfaction: str = "",
          resolved: str = "", contact_id: str = "contact-1"):
    event = {"Name": "ContactFlowEvent", "Details": {
        "ContactData": {"ContactId": contact_id, "InitialContactId": contact_id,
                        "Channel": "VOICE", "InitiationMethod": "OUTBOUND",
                        "CustomerEndpoint": {"Address": f"+86{mobile}", "Type": "TELEPHONE_NUMBER"},
                        "Attributes": {"ticket_id": ticket_id, "attempt": "1"}},
        "Parameters": {"satisfaction": satisfaction, "resolved": resolved}}}
    return client.lambda_.invoke("voice_survey_result", event).payload


