"""Outbound SMS behind one small interface: ``send(phone, message) -> provider message id``.

``message`` is a catalogue template (``chalicelib/domain/messages.py``). The SNS adapter (AWS
global regions, and locally: moto shows sent messages at ``/moto-api/data.json``) and
``RecordingSms`` (tests) send the rendered text; the Chinese providers' adapters
(``sms_tencent.py``, ``sms_aliyun.py``) send the approved template id and its parameters.

A provider's refusal is an ``SmsError``: ``permanent`` (a template or signature not approved, a
number that is wrong or blocked: retrying cannot help) or transient (rate limits, the
provider's 5xx, timeouts: retry later).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

from ..domain.messages import Message

logger = logging.getLogger("minyi.sms")


class SmsError(Exception):
    """The provider did not accept the SMS."""

    def __init__(self, provider: str, code: str, message: str = "", *, permanent: bool,
                 retry_after: float | None = None):
        super().__init__(f"{provider} {code}: {message}")
        self.provider, self.code, self.detail = provider, code, message
        self.permanent = permanent
        self.retry_after = retry_after        # seconds, when the provider's rule says so


class SmsSender(Protocol):
    def send(self, phone: str, message: Message) -> str:
        """Send one SMS to an E.164 number; return the provider's message id."""


class SnsSms:
    def __init__(self, client, sender_id: str = "12345", sign: str = "12345"):
        self._client = client
        self._sender_id = sender_id
        self._sign = sign

    def send(self, phone: str, message: Message) -> str:
        response = self._client.publish(
            PhoneNumber=phone,
            Message=message.render(self._sign),
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
    message: Message | None = field(default=None, compare=False)


class RecordingSms:
    """Keeps what it was asked to send, for tests and dry runs."""

    provider = "record"

    def __init__(self, sign: str = "12345", receipts: bool = False):
        self.receipts = receipts        # keep outbound records, as a provider with receipts
        self.sent: list[SentSms] = []
        self._lock = threading.Lock()
        self._sign = sign

    def send(self, phone: str, message: Message) -> str:
        with self._lock:
            message_id = f"rec-{len(self.sent) + 1}"
            self.sent.append(SentSms(phone, message.render(self._sign), message_id, message))
        return message_id

    def to(self, phone: str) -> list[str]:
        return [s.text for s in self.sent if s.phone == phone]
