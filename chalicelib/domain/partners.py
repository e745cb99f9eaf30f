"""Requests from other platforms (seed 004: 12345 national, 人民网留言板, 信访): how a partner's
request and our callbacks are signed, and what a callback says. Pure.

A signed message is ``"<unix seconds>\\n<METHOD>\\n<path>\\n<body>"``; its signature is the hex
HMAC-SHA256 of it under the partner's key. The same scheme signs both ways: the partner's
requests to us (``X-Minyi-Timestamp``, ``X-Minyi-Signature``) and our callbacks to it.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from .changes import KINDS
from .errors import Unauthorized

SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
SOURCE_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
TIMESTAMP_HEADER = "X-Minyi-Timestamp"
SIGNATURE_HEADER = "X-Minyi-Signature"
DELIVERY_HEADER = "X-Minyi-Delivery"

BadSignature = type("BadSignature", (Unauthorized,), {
    "code": "invalid_signature", "message": "签名无效", "__module__": __name__})
StaleRequest = type("StaleRequest", (Unauthorized,), {
    "code": "stale_request", "message": "请求时间戳缺失或超出允许范围，请校准时间后重试",
    "__module__": __name__})

# the steps a partner is told of: what the citizen sees of the ticket's life, after its intake
REPORTED = frozenset(KINDS) - {"submitted", "survey_sent", "survey_skipped",
                               "survey_rescheduled", "survey_busy", "survey_cleared",
                               "sms_failed", "duplicates_found", "anonymized"}


def message(timestamp: str, method: str, path: str, body: bytes) -> bytes:
    return f"{timestamp}\n{method.upper()}\n{path}\n".encode() + (body or b"")


def sign(key: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    return hmac.new(key.encode(), message(timestamp, method, path, body),
                    hashlib.sha256).hexdigest()


def check_timestamp(timestamp: str | None, now: float, window: int) -> int:
    """The request's time, within ``window`` seconds of ours either way (else StaleRequest):
    a captured request can't be replayed later."""
    if not timestamp or not timestamp.isdigit() or abs(int(timestamp) - now) > window:
        raise StaleRequest()
    return int(timestamp)


def verify(key: str, timestamp: str, signature: str | None, method: str, path: str,
           body: bytes) -> None:
    expected = sign(key, timestamp, method, path, body)
    if not signature or not hmac.compare_digest(expected, signature.strip().lower()):
        raise BadSignature()


def reported(kind: str, visible: bool) -> bool:
    """Whether a timeline entry is a step the partner is told of."""
    return visible and kind in REPORTED


def backoff(attempt: int) -> int:
    """Seconds before retry ``attempt + 1`` of a failed callback: 1, 2, 4 ... minutes, at most 6
    hours."""
    return min(60 * 2 ** max(attempt - 1, 0), 6 * 3600)
