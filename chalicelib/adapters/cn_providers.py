"""What Tencent Cloud and Aliyun answer when they refuse a request, read into ``SmsError``:
permanent (do not retry) or transient (retry later, maybe after ``retry_after`` seconds).

Tencent Cloud API 3.0 error codes (SMS SendSms, VMS SendTtsVoice: ``Response.Error.Code`` or a
``SendStatusSet[].Code`` other than ``Ok``); Aliyun Dysmsapi ``Code`` (``isv.*`` business
errors come back with HTTP 200, ``isp.*`` are the provider's own faults).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..domain.messages import Message, ParameterTooLong, VariableRules
from .sms import SmsError

DAY = 86400

# --- Tencent Cloud -----------------------------------------------------------------------------
TENCENT_PERMANENT = {
    "FailedOperation.TemplateIncorrectOrUnapproved",      # 模板未审批或内容不匹配
    "FailedOperation.SignatureIncorrectOrUnapproved",     # 签名未审批或格式错误
    "FailedOperation.PhoneNumberInBlacklist",             # 号码在免打扰名单 (退订/运营商)
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "FailedOperation.FailResolvePacket",
    "InvalidParameterValue.IncorrectPhoneNumber",
    "InvalidParameterValue.TemplateParameterFormatError",
    "InvalidParameterValue.TemplateParameterLengthLimit",
    "InvalidParameterValue.ContentLengthLimit",
    "InvalidParameterValue.SdkAppIdNotExist",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
    "UnauthorizedOperation.RequestPermissionDeny",
    "UnauthorizedOperation.RequestIpNotInWhitelist",
    "UnauthorizedOperation.SerivceSuspendDueToArrears",
}
TENCENT_RETRY_AFTER = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": 30,
    "LimitExceeded.PhoneNumberOneHourLimit": 3600,
    "LimitExceeded.PhoneNumberDailyLimit": DAY,           # the natural day: next local morning
    "LimitExceeded.PhoneNumberSameContentDailyLimit": DAY,
    "LimitExceeded.DeliveryFrequencyLimit": 60,
    "RequestLimitExceeded": 1,
}
_TENCENT_PERMANENT_PREFIXES = ("AuthFailure", "InvalidParameter", "MissingParameter",
                               "UnauthorizedOperation", "UnsupportedOperation", "FailedOperation")


def tencent_error(code: str, message: str = "", provider: str = "tencent") -> SmsError:
    if code in TENCENT_RETRY_AFTER or code.startswith(("LimitExceeded", "RequestLimitExceeded")):
        return SmsError(provider, code, message, permanent=False,
                        retry_after=TENCENT_RETRY_AFTER.get(code))
    permanent = code in TENCENT_PERMANENT or code.startswith(_TENCENT_PERMANENT_PREFIXES)
    # InternalError.*, ServerNetworkError (HTTP 5xx), ClientNetworkError: try again later
    return SmsError(provider, code, message, permanent=permanent)


# --- Aliyun ------------------------------------------------------------------------------------
ALIYUN_PERMANENT = {
    "isv.SMS_TEMPLATE_ILLEGAL",          # 模板不合法 (不存在或未审核通过)
    "isv.SMS_SIGNATURE_ILLEGAL",         # 签名不合法
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
    "isv.SIGN_STATE_ILLEGAL",
    "isv.MOBILE_NUMBER_ILLEGAL",         # 非法手机号
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.TEMPLATE_PARAMS_ILLEGAL",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT",       # 黑名单管控
    "isv.SMS_CONTENT_ILLEGAL",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    "isv.DENY_IP_RANGE",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
}
ALIYUN_RETRY_AFTER = {
    "isv.BUSINESS_LIMIT_CONTROL": 3600,  # 业务限流: per number, per minute/hour/day
    "isv.DAY_LIMIT_CONTROL": DAY,        # the account's daily ceiling set in the console
    "isv.MONTH_LIMIT_CONTROL": DAY,
    "Throttling": 1,
    "Throttling.User": 1,
    "isp.SYSTEM_ERROR": None,
    "ServiceUnavailable": None,
}


def aliyun_error(code: str, message: str = "", *, status: int | None = None,
                 provider: str = "aliyun") -> SmsError:
    if code in ALIYUN_RETRY_AFTER or code.startswith(("isp.", "Throttling")) or (
            status is not None and status >= 500):
        return SmsError(provider, code, message, permanent=False,
                        retry_after=ALIYUN_RETRY_AFTER.get(code))
    # isv.* business refusals and the 4xx (signature, access key, permission) will not heal
    return SmsError(provider, code, message, permanent=True)


def approved(provider: str, templates: dict[str, str], message: Message, rules: VariableRules,
             sign: str) -> tuple[str, Message]:
    """The message's approved template id and its parameters fitted to the provider's rules;
    what the provider would refuse is refused here (permanent), before anything is sent."""
    template_id = templates.get(message.name)
    if not template_id:
        raise SmsError(provider, "TemplateNotConfigured", message.name, permanent=True)
    try:
        return template_id, message.fit(rules, sign)
    except ParameterTooLong as exc:
        raise SmsError(provider, "ParameterTooLong", str(exc), permanent=True) from None


def split_endpoint(endpoint: str | None) -> tuple[str | None, str | None]:
    """``http://127.0.0.1:9000`` -> (``http``, ``127.0.0.1:9000``); a bare host -> https."""
    if not endpoint:
        return None, None
    if "://" not in endpoint:
        return "https", endpoint
    parts = urlsplit(endpoint)
    return parts.scheme, parts.netloc


def national(phone: str) -> str:
    """Aliyun wants a mainland number as its 11 digits (others with their country code)."""
    return phone[3:] if phone.startswith("+86") else phone.lstrip("+")
