"""A local stand-in for Tencent Cloud (SMS SendSms, VMS SendTtsVoice) and Aliyun (Dysmsapi
SendSms) that the real SDKs are pointed at (endpoint override).

It checks each request's signature the way the provider does, recomputed from what arrived on
the wire: TC3-HMAC-SHA256 for Tencent (``Authorization`` header, the ``X-TC-Timestamp`` within
five minutes), ACS3-HMAC-SHA256 for Aliyun (every signed header, the body's SHA-256, the
``x-acs-date`` within 15 minutes, each ``x-acs-signature-nonce`` once). A bad signature is
answered as the provider answers it. Then it answers like the provider, including the refusals a
test asks for: an unapproved template, a blocked number, a rate limit, a 5xx.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

TENCENT_KEYS = {"AKIDminyitest0001": "tencent-secret-key-0001"}
ALIYUN_KEYS = {"LTAIminyitest0001": "aliyun-access-key-secret-0001"}


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    k_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    k_signing = _hmac(_hmac(k_date, service), "tc3_request")
    return hmac.new(k_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class Received:
    provider: str
    action: str
    params: dict
    headers: dict


@dataclass
class FakeProviders:
    """Behaviour knobs a test sets; what arrived (verified) is in ``requests``."""

    unapproved_templates: set = field(default_factory=set)     # template id / code
    blocked_numbers: set = field(default_factory=set)         # E.164 (Tencent) / national
    rate_limited_numbers: set = field(default_factory=set)
    server_error: bool = False
    requests: list = field(default_factory=list)
    refused_signatures: int = 0
    _ids = itertools.count(1)
    _nonces: set = field(default_factory=set)

    # --- Tencent ---------------------------------------------------------------------------
    def tencent(self, handler, body: bytes) -> tuple[int, dict]:
        headers = handler.headers
        request_id = f"req-{next(self._ids)}"
        problem = self._tencent_signature(handler, body)
        if problem:
            self.refused_signatures += 1
            return 200, {"Response": {"Error": {"Code": problem, "Message": "signature"},
                                      "RequestId": request_id}}
        action = headers["X-TC-Action"]
        params = json.loads(body or b"{}")
        self.requests.append(Received("tencent", action, params, dict(headers)))
        if self.server_error:
            return 502, {"message": "bad gateway"}
        if action == "SendSms":
            return 200, {"Response": self._send_sms(params, request_id)}
        if action == "SendTtsVoice":
            return 200, {"Response": self._send_tts(params, request_id)}
        return 200, {"Response": {"Error": {"Code": "InvalidAction", "Message": action},
                                  "RequestId": request_id}}

    def _tencent_signature(self, handler, body: bytes) -> str | None:
        headers = handler.headers
        auth = headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(p.strip().split("=", 1) for p in rest.split(","))
            secret_id, date, service, terminator = parts["Credential"].split("/")
        except ValueError:
            return "AuthFailure.InvalidAuthorization"
        if algorithm != "TC3-HMAC-SHA256" or terminator != "tc3_request":
            return "AuthFailure.InvalidAuthorization"
        if secret_id not in TENCENT_KEYS:
            return "AuthFailure.SecretIdNotFound"
        timestamp = int(headers.get("X-TC-Timestamp", "0"))
        if abs(time.time() - timestamp) > 300:
            return "AuthFailure.SignatureExpire"
        if dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d") != date:
            return "AuthFailure.SignatureFailure"
        signed = parts["SignedHeaders"].split(";")
        canonical_headers = "".join(f"{h}:{headers.get(h, '')}\n" for h in signed)
        canonical = "\n".join(["POST", "/", "", canonical_headers, ";".join(signed),
                               hashlib.sha256(body).hexdigest()])
        string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp),
                                    f"{date}/{service}/tc3_request",
                                    hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
        expected = tc3_signature(TENCENT_KEYS[secret_id], date, service, string_to_sign)
        if not hmac.compare_digest(expected, parts["Signature"]):
            return "AuthFailure.SignatureFailure"
        return None

    def _send_sms(self, params: dict, request_id: str) -> dict:
        if params.get("SmsSdkAppId") != "1400000001":
            return {"Error": {"Code": "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
                              "Message": "SmsSdkAppId verify fail"}, "RequestId": request_id}
        if params.get("TemplateId") in self.unapproved_templates:
            return {"Error": {"Code": "FailedOperation.TemplateIncorrectOrUnapproved",
                              "Message": "template is not approved or not exist"},
                    "RequestId": request_id}
        statuses = []
        for phone in params.get("PhoneNumberSet", []):
            code, message = "Ok", "send success"
            if phone in self.blocked_numbers:
                code, message = "FailedOperation.PhoneNumberInBlacklist", "phone in blacklist"
            elif phone in self.rate_limited_numbers:
                code, message = "LimitExceeded.PhoneNumberDailyLimit", "daily limit"
            statuses.append({"SerialNo": f"2433:{next(self._ids):020d}" if code == "Ok" else "",
                             "PhoneNumber": phone, "Fee": 1 if code == "Ok" else 0,
                             "SessionContext": params.get("SessionContext", ""),
                             "Code": code, "Message": message, "IsoCode": "CN"})
        return {"SendStatusSet": statuses, "RequestId": request_id}

    def _send_tts(self, params: dict, request_id: str) -> dict:
        if params.get("TemplateId") in self.unapproved_templates:
            return {"Error": {"Code": "FailedOperation.TemplateIncorrectOrUnapproved",
                              "Message": "template"}, "RequestId": request_id}
        if params.get("CalledNumber") in self.blocked_numbers:
            return {"Error": {"Code": "FailedOperation.PhoneNumberInBlacklist",
                              "Message": "blacklist"}, "RequestId": request_id}
        return {"SendStatus": {"CallId": f"call-{next(self._ids)}",
                               "SessionContext": params.get("SessionContext", "")},
                "RequestId": request_id}

    # --- Aliyun ----------------------------------------------------------------------------
    def aliyun(self, handler, body: bytes) -> tuple[int, dict]:
        request_id = f"REQ-{next(self._ids)}"
        query = dict(parse_qsl(urlsplit(handler.path).query, keep_blank_values=True))
        problem = self._aliyun_signature(handler, body, query)
        if problem:
            self.refused_signatures += 1
            return 400, {"Code": problem, "Message": "signature", "RequestId": request_id}
        headers = handler.headers
        action = headers.get("x-acs-action", "")
        self.requests.append(Received("aliyun", action, query, dict(headers)))
        if self.server_error:
            return 503, {"Code": "ServiceUnavailable", "Message": "busy",
                         "RequestId": request_id}
        phone = query.get("PhoneNumbers", "")
        if query.get("TemplateCode") in self.unapproved_templates:
            code = "isv.SMS_TEMPLATE_ILLEGAL"
        elif phone in self.blocked_numbers or not phone.isdigit():
            code = "isv.MOBILE_NUMBER_ILLEGAL"
        elif phone in self.rate_limited_numbers:
            code = "isv.BUSINESS_LIMIT_CONTROL"
        else:
            try:
                json.loads(query.get("TemplateParam") or "{}")
                code = "OK"
            except ValueError:
                code = "isv.INVALID_JSON_PARAM"
        if code != "OK":
            return 200, {"Code": code, "Message": code, "RequestId": request_id}
        return 200, {"Code": "OK", "Message": "OK", "RequestId": request_id,
                     "BizId": f"{next(self._ids):015d}^0"}

    def _aliyun_signature(self, handler, body: bytes, query: dict) -> str | None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        auth = headers.get("authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(p.split("=", 1) for p in rest.split(","))
        except ValueError:
            return "IncompleteSignature"
        if algorithm != "ACS3-HMAC-SHA256":
            return "IncompleteSignature"
        secret = ALIYUN_KEYS.get(parts.get("Credential", ""))
        if secret is None:
            return "InvalidAccessKeyId.NotFound"
        payload_hash = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload_hash:
            return "SignatureDoesNotMatch"
        try:
            when = dt.datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return "InvalidTimeStamp.Format"
        if abs(time.time() - when.replace(tzinfo=dt.timezone.utc).timestamp()) > 900:
            return "InvalidTimeStamp.Expired"
        nonce = headers.get("x-acs-signature-nonce", "")
        if not nonce or nonce in self._nonces:
            return "SignatureNonceUsed"
        signed = parts.get("SignedHeaders", "").split(";")
        if not {"host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} <= set(
                signed):
            return "IncompleteSignature"
        canonical_query = "&".join(f"{k}={quote(query[k], safe='~')}" for k in sorted(query))
        canonical_headers = "".join(f"{h}:{headers.get(h, '').strip()}\n" for h in signed)
        canonical = "\n".join([handler.command, urlsplit(handler.path).path or "/",
                               canonical_query, canonical_headers, ";".join(signed),
                               payload_hash])
        string_to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(
            canonical.encode("utf-8")).hexdigest()
        expected = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            return "SignatureDoesNotMatch"
        self._nonces.add(nonce)
        return None


class _Handler(BaseHTTPRequestHandler):
    fake: FakeProviders

    def do_POST(self):   # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "X-TC-Action" in self.headers:
            status, answer = self.fake.tencent(self, body)
        else:
            status, answer = self.fake.aliyun(self, body)
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class FakeProviderServer:
    """``with FakeProviderServer() as fake: fake.url`` on a free loopback port."""

    def __init__(self):
        self.fake = FakeProviders()
        handler = type("Handler", (_Handler,), {"fake": self.fake})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeProviders:
        self._thread.start()
        self.fake.url = self.url
        return self.fake

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
