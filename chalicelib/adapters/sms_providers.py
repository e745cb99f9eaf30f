"""Inbound SMS from the providers: their callback formats, read into one shape.

- AWS End User Messaging two-way SMS publishes each reply to an SNS topic as JSON
  (``originationNumber``, ``destinationNumber``, ``messageBody``, ``inboundMessageId``, ...).
- Tencent Cloud SMS (腾讯云短信) posts replies (短信回复回调: ``mobile``, ``nationcode``, ``text``,
  ``sign``, ``time``, ``extend``) and delivery receipts (状态回执: ``sid``, ``report_status``,
  ``errmsg``, ``description``, ``user_receive_time``...) as one JSON object or an array.
- Aliyun SMS (阿里云短信) pushes up-messages (上行短信 SmsUp: ``phone_number``, ``content``,
  ``send_time``, ``sequence_id``, ...) and receipts (SmsReport: ``biz_id``, ``success``,
  ``err_code``...) as a JSON array.

Neither Chinese provider signs its callbacks, so each callback URL carries a per-provider secret
(``?token=`` in the URL configured at the provider, or the ``X-Minyi-Webhook-Token`` header),
compared in constant time. Each message carries the provider's id for de-duplication (for a
Tencent reply, which has none, an id derived from its content).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any, Protocol

from ..domain.errors import BadJson
from ..domain.jsonin import check_document, parse_json

TOKEN_HEADER = "x-minyi-webhook-token"
TOKEN_QUERY = "token"


class MalformedCallback(ValueError):
    """The payload is not what the provider sends."""


@dataclass(frozen=True)
class InboundSms:
    provider: str           # aws | tencent | aliyun
    message_id: str         # the provider's id of this message (dedupe key)
    phone: str              # the sender, as the provider wrote it (normalized by the service)
    text: str
    to: str | None = None   # our number / extension it was sent to


@dataclass(frozen=True)
class DeliveryReceipt:
    provider: str
    message_id: str         # the id the provider returned when we sent (Tencent sid, Aliyun biz_id)
    delivered: bool
    phone: str | None = None
    code: str | None = None
    description: str | None = None
    at: str | None = None

    @property
    def dedupe_id(self) -> str:
        return f"receipt:{self.message_id}:{'ok' if self.delivered else 'fail'}"


def secret_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a provider without a configured secret matches nothing."""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def _items(payload: Any) -> list[dict]:
    items = payload if isinstance(payload, list) else [payload]
    if not items or not all(isinstance(i, dict) for i in items):
        raise MalformedCallback("expected a JSON object or an array of objects")
    return items


def _str(item: dict, name: str, *, required: bool = True) -> str | None:
    value = item.get(name)
    if value is None or value == "":
        if required:
            raise MalformedCallback(f"missing {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise MalformedCallback(f"{name} has the wrong type")
    return str(value)


def _digest(*parts: object) -> str:
    raw = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


class Callbacks(Protocol):
    name: str

    def parse(self, payload: Any) -> tuple[list[InboundSms], list[DeliveryReceipt]]: ...

    def ok(self) -> dict: ...


class TencentCallbacks:
    """腾讯云短信: 短信回复 (reply) and 短信下发状态 (receipt) callbacks."""

    name = "tencent"

    def parse(self, payload: Any) -> tuple[list[InboundSms], list[DeliveryReceipt]]:
        replies, receipts = [], []
        for item in _items(payload):
            nation = _str(item, "nationcode", required=False) or "86"
            mobile = _str(item, "mobile")
            phone = mobile if mobile.startswith("+") else f"+{nation}{mobile}"
            if "report_status" in item:
                receipts.append(_receipt(self.name, item, phone, "sid",
                                         _str(item, "report_status") == "SUCCESS",
                                         ("errmsg", "description", "user_receive_time")))
            elif "text" in item:
                text = _text(item, "text")
                sent = _str(item, "time", required=False)
                # a reply carries no id: the same reply delivered again has the same content
                replies.append(InboundSms(self.name, _digest(nation, mobile, sent, text), phone,
                                          text, _str(item, "extend", required=False)))
            else:
                raise MalformedCallback("neither a reply nor a delivery receipt")
        return replies, receipts

    def ok(self) -> dict:
        return {"result": 0, "errmsg": "OK"}


def _text(item: dict, key: str) -> str:
    text = item.get(key)
    if not isinstance(text, str):
        raise MalformedCallback(f"{key} has the wrong type")
    return text


def _receipt(provider: str, item: dict, phone: str, id_key: str, success: bool,
             optional: tuple[str, str, str]) -> DeliveryReceipt:
    """A delivery receipt: the provider's message id, the outcome, then its error code, error
    message and time fields (``optional``, by the provider's names)."""
    return DeliveryReceipt(provider, _str(item, id_key), success, phone,
                           *(_str(item, key, required=False) for key in optional))


class AliyunCallbacks:
    """阿里云短信: 上行短信 (SmsUp) and 状态报告 (SmsReport) HTTP batch pushes."""

    name = "aliyun"

    def parse(self, payload: Any) -> tuple[list[InboundSms], list[DeliveryReceipt]]:
        replies, receipts = [], []
        for item in _items(payload):
            phone = _str(item, "phone_number")
            if len(phone) == 13 and phone.startswith("86"):     # 8613800138000
                phone = f"+{phone}"
            if "biz_id" in item or "success" in item:
                success = item.get("success")
                if not isinstance(success, bool):
                    success = str(success).lower() == "true"
                receipts.append(_receipt(self.name, item, phone, "biz_id", success,
                                         ("err_code", "err_msg", "report_time")))
            elif "content" in item:
                text = _text(item, "content")
                sequence = _str(item, "sequence_id", required=False)
                message_id = sequence or _digest(phone, _str(item, "send_time", required=False),
                                                 text)
                replies.append(InboundSms(self.name, message_id, phone, text,
                                          _str(item, "dest_code", required=False)))
            else:
                raise MalformedCallback("neither an up-message nor a delivery report")
        return replies, receipts

    def ok(self) -> dict:
        return {"code": 0, "msg": "接收成功"}


PROVIDERS: dict[str, Callbacks] = {p.name: p for p in (TencentCallbacks(), AliyunCallbacks())}


def parse_end_user_messaging(message: str | dict) -> InboundSms:
    """One two-way SMS reply as AWS End User Messaging publishes it to SNS."""
    if isinstance(message, str):
        try:
            message = parse_json(message)
        except BadJson:
            raise MalformedCallback("not JSON, too deep or with invalid characters") from None
    else:
        try:
            check_document(message)
        except BadJson:
            raise MalformedCallback("too deep or with invalid characters") from None
    if not isinstance(message, dict):
        raise MalformedCallback("expected a JSON object")
    body = message.get("messageBody")
    if not isinstance(body, str):
        raise MalformedCallback("missing messageBody")
    return InboundSms("aws", _str(message, "inboundMessageId"), _str(message, "originationNumber"),
                      body, _str(message, "destinationNumber", required=False))
