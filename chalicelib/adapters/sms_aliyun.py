"""Alibaba Cloud SMS (阿里云短信服务, Dysmsapi 2017-05-25 SendSms) through its official SDK.

Credentials (``{"access_key_id": ..., "access_key_secret": ...}``) come from Secrets Manager;
the signature and template codes are configuration. The SDK (Darabonba, tea-openapi 0.4) signs
every request with ACS3-HMAC-SHA256 in the ``Authorization`` header.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ..domain.messages import ALIYUN, Message, VariableRules
from .cn_providers import aliyun_error, approved, national, split_endpoint
from .sms import SmsError

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"


class AliyunSms:
    provider = "aliyun"
    receipts = True                 # SmsReport callbacks: keep an outbound record

    def __init__(self, credentials: Callable[[], dict], *, sign: str,
                 template_ids: dict[str, str], endpoint: str | None = None,
                 rules: VariableRules = ALIYUN, timeout: int = 10):
        self._credentials = credentials
        self._sign, self._templates, self._rules = sign, dict(template_ids), rules
        scheme, host = split_endpoint(endpoint)
        self._scheme, self._host = scheme or "https", host or DEFAULT_ENDPOINT
        self._timeout_ms = timeout * 1000

    def _client(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api
        creds = self._credentials()
        return Client(open_api.Config(access_key_id=creds["access_key_id"],
                                      access_key_secret=creds["access_key_secret"],
                                      endpoint=self._host, protocol=self._scheme))

    def send(self, phone: str, message: Message) -> str:
        from alibabacloud_dysmsapi20170525 import models
        from alibabacloud_tea_openapi.exceptions import AlibabaCloudException
        from darabonba.runtime import RuntimeOptions
        template_code, fitted = approved(self.provider, self._templates, message, self._rules,
                                         self._sign)
        request = models.SendSmsRequest(
            phone_numbers=national(phone), sign_name=self._sign, template_code=template_code,
            template_param=json.dumps(fitted.params(), ensure_ascii=False), out_id=message.name)
        runtime = RuntimeOptions(autoretry=False, read_timeout=self._timeout_ms,
                                 connect_timeout=self._timeout_ms)
        try:
            body = self._client().send_sms_with_options(request, runtime).body
        except AlibabaCloudException as exc:
            raise aliyun_error(exc.code or "Unknown", exc.message or "",
                               status=exc.status_code) from None
        except Exception as exc:  # noqa: BLE001 - the SDK wraps network failures in its own types
            raise SmsError(self.provider, "NetworkError", repr(exc), permanent=False) from None
        if body.code != "OK":
            raise aliyun_error(body.code or "Unknown", body.message or "")
        return body.biz_id
