"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11 SendSms) through its official SDK.

Credentials (``{"secret_id": ..., "secret_key": ...}``) come from Secrets Manager on each
client build and are cached by the secrets adapter; the SMS app id (SmsSdkAppId), signature and
template ids are configuration. The SDK signs every request with TC3-HMAC-SHA256.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..domain.messages import TENCENT_ORGANISATION, Message, VariableRules
from .cn_providers import approved, split_endpoint, tencent_error
from .sms import SmsError

# the SDK is imported when a Tencent client is built: a stage without Tencent leaves it out of
# its bundle (scripts/bundle.py, optional groups), and the app still imports this module
if TYPE_CHECKING:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile


def tencent_profile(endpoint: str | None, timeout: int) -> ClientProfile:
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    scheme, host = split_endpoint(endpoint)
    return ClientProfile(httpProfile=HttpProfile(protocol=scheme, endpoint=host,
                                                 reqTimeout=timeout))


def tencent_credential(credentials: Callable[[], dict]) -> credential.Credential:
    from tencentcloud.common import credential
    creds = credentials()
    return credential.Credential(creds["secret_id"], creds["secret_key"])


def call_tencent(provider: str, call: Callable):
    """Run one SDK call; a refusal or a network failure becomes an ``SmsError``."""
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
        TencentCloudSDKException,
    )
    try:
        return call()
    except TencentCloudSDKException as exc:
        raise tencent_error(exc.get_code() or "ClientNetworkError", exc.get_message() or "",
                            provider) from None
    except OSError as exc:                     # requests' connection errors are OSErrors
        raise SmsError(provider, "ClientNetworkError", str(exc), permanent=False) from None


class TencentSms:
    provider = "tencent"
    receipts = True                 # 短信下发状态 callbacks: keep an outbound record

    def __init__(self, credentials: Callable[[], dict], *, app_id: str, sign: str,
                 template_ids: dict[str, str], region: str = "ap-guangzhou",
                 endpoint: str | None = None, rules: VariableRules = TENCENT_ORGANISATION,
                 timeout: int = 10):
        if not app_id:
            raise ValueError("Tencent Cloud SMS needs the SmsSdkAppId (MINYI_SMS_APP_ID)")
        self._credentials = credentials
        self._app_id, self._sign, self._templates = app_id, sign, dict(template_ids)
        self._region, self._rules = region, rules
        self._profile = tencent_profile(endpoint, timeout)

    def _client(self):
        from tencentcloud.sms.v20210111 import sms_client
        return sms_client.SmsClient(tencent_credential(self._credentials), self._region,
                                    self._profile)

    def send(self, phone: str, message: Message) -> str:
        from tencentcloud.sms.v20210111 import models
        template_id, fitted = approved(self.provider, self._templates, message, self._rules,
                                       self._sign)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [phone]
        request.SmsSdkAppId = self._app_id
        request.SignName = self._sign
        request.TemplateId = str(template_id)
        request.TemplateParamSet = fitted.param_list()
        request.SessionContext = message.name
        response = call_tencent(self.provider, lambda: self._client().SendSms(request))
        (status,) = response.SendStatusSet
        if status.Code != "Ok":
            raise tencent_error(status.Code, status.Message or "", self.provider)
        return status.SerialNo
