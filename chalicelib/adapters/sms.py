"""Outbound SMS behind one small interface. The SNS adapter is used in AWS and locally (moto
shows sent messages at ``/moto-api/data.json``); ``RecordingSms`` is for unit tests."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

logger = logging.getLogger("minyi.sms")


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Send one SMS to an E.164 number; return the provider's message id."""


class SnsSms:
    def __init__(self, client, sender_id: str = "12345"):
        self._client = client
        self._sender_id = sender_id

    def send(self, phone: str, text: str) -> str:
        response = self._client.publish(
            PhoneNumber=phone,
            Message=text,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self._sender_id},
            },
        )
        return response["MessageId"]


@dataclass(frozen=True)
class SentSms:
    phone: str
    text: str
    message_id: str


class RecordingSms:
    """Keeps what it was asked to send, for tests and dry runs."""

    def __init__(self):
        self.sent: list[SentSms] = []
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> str:
        with self._lock:
            message_id = f"rec-{len(self.sent) + 1}"
            self.sent.append(SentSms(phone, text, message_id))
        return message_id

    def to(self, phone: str) -> list[str]:
        return [s.text for s in self.sent if s.phone == phone]
