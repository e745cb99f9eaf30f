"""Tencent Cloud SMS and Aliyun SMS through their real SDKs, against a local fake provider that
verifies each request's signature (tests/fake_cn_providers.py); credentials from Secrets
Manager (moto). No network."""

from __future__ import annotations

import itertools
import json

import boto3
import pytest

from chalicelib.adapters.sms import SmsError
from chalicelib.domain import messages as m
from tests.fake_cn_providers import ALIYUN_KEYS, TENCENT_KEYS, FakeProviderServer

CODE = "3699020261123"
PHONE = "+8613800138000"
TEMPLATE_IDS = {name: str(2000000 + i) for i, name in enumerate(sorted(m.CATALOGUE))}
_SECRETS = itertools.count()
ALIYUN_CODES = {name: f"SMS_{470000000 + i}" for i, name in enumerate(sorted(m.CATALOGUE))}


@pytest.fixture
def fake():
    with FakeProviderServer() as fake:
        yield fake


def _use(monkeypatch, mode: str, fake, secret: dict, **env):
    from chalicelib import config
    from chalicelib.wiring import container
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    name = f"minyi/test/sms-{mode}-{next(_SECRETS)}"
    arn = sm.create_secret(Name=name, SecretString=json.dumps(secret))["ARN"]
    values = {"MINYI_SMS_MODE": mode, "MINYI_SMS_SECRET_ID": arn, "MINYI_SMS_ENDPOINT": fake.url,
              "MINYI_SMS_SIGN_NAME": "赣州12345",
              "MINYI_SMS_TEMPLATE_IDS": json.dumps(TEMPLATE_IDS if mode == "tencent"
                                                   else ALIYUN_CODES),
              "MINYI_SMS_APP_ID": "1400000001", **env}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    config.reload()
    container.reset()
    return container.sms


def tencent(monkeypatch, fake, key=None, **env):
    (secret_id, secret_key), = TENCENT_KEYS.items()
    return _use(monkeypatch, "tencent", fake,
                {"secret_id": secret_id, "secret_key": key or secret_key}, **env)


def aliyun(monkeypatch, fake, key=None, **env):
    (key_id, key_secret), = ALIYUN_KEYS.items()
    return _use(monkeypatch, "aliyun", fake,
                {"access_key_id": key_id, "access_key_secret": key or key_secret}, **env)


@pytest.fixture(autouse=True)
def _reset():
    yield
    from chalicelib import config
    from chalicelib.wiring import container
    config.reload()
    container.reset()


def test_tencent_sends_the_approved_template_signed(aws, monkeypatch, fake):
    sms = tencent(monkeypatch, fake)
    message = m.AcceptedRouted(CODE, "红旗村村委会", "11月30日17:30", CODE)
    serial = sms.send(PHONE, message)
    (req,) = fake.requests
    assert req.action == "SendSms" and serial.startswith("2433:")
    assert req.params["TemplateId"] == TEMPLATE_IDS["accepted_routed"]
    assert req.params["TemplateParamSet"] == [CODE, "红旗村村委会", "11月30日17:30", CODE]
    assert req.params["SignName"] == "赣州12345" and req.params["PhoneNumberSet"] == [PHONE]
    assert req.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKID")


def test_aliyun_sends_the_approved_template_signed(aws, monkeypatch, fake):
    sms = aliyun(monkeypatch, fake)
    note = "经核查，该路段占道经营已由街道执法中队依法劝离，并在东侧设置了便民摊点，请知悉。"
    biz_id = sms.send(PHONE, m.ReviewExplained(CODE, note))
    (req,) = fake.requests
    assert req.action == "SendSms" and biz_id.endswith("^0")
    assert req.params["PhoneNumbers"] == "13800138000"
    assert req.params["TemplateCode"] == ALIYUN_CODES["review_explained"]
    params = json.loads(req.params["TemplateParam"])
    assert params["code"] == CODE and len(params["note"]) == 35      # Aliyun: 35 a variable
    assert req.headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=LTAI")


@pytest.mark.parametrize("provider", ["tencent", "aliyun"])
def test_a_wrong_key_fails_the_signature_check(aws, monkeypatch, fake, provider):
    sms = (tencent if provider == "tencent" else aliyun)(monkeypatch, fake, key="not-the-key")
    with pytest.raises(SmsError) as err:
        sms.send(PHONE, m.Replied(CODE))
    assert fake.refused_signatures == 1 and fake.requests == []
    assert err.value.code in ("AuthFailure.SignatureFailure", "SignatureDoesNotMatch")
    assert err.value.permanent


@pytest.mark.parametrize("provider, knob, code, permanent", [
    ("tencent", "template", "FailedOperation.TemplateIncorrectOrUnapproved", True),
    ("tencent", "blocked", "FailedOperation.PhoneNumberInBlacklist", True),
    ("tencent", "rate", "LimitExceeded.PhoneNumberDailyLimit", False),
    ("tencent", "5xx", "ServerNetworkError", False),
    ("aliyun", "template", "isv.SMS_TEMPLATE_ILLEGAL", True),
    ("aliyun", "blocked", "isv.MOBILE_NUMBER_ILLEGAL", True),
    ("aliyun", "rate", "isv.BUSINESS_LIMIT_CONTROL", False),
    ("aliyun", "5xx", "ServiceUnavailable", False),
])
def test_provider_refusals_are_permanent_or_transient(aws, monkeypatch, fake, provider, knob,
                                                      code, permanent):
    sms = (tencent if provider == "tencent" else aliyun)(monkeypatch, fake)
    ids = TEMPLATE_IDS if provider == "tencent" else ALIYUN_CODES
    number = PHONE if provider == "tencent" else "13800138000"
    if knob == "template":
        fake.unapproved_templates.add(ids["replied"])
    elif knob == "blocked":
        fake.blocked_numbers.add(number)
    elif knob == "rate":
        fake.rate_limited_numbers.add(number)
    else:
        fake.server_error = True
    with pytest.raises(SmsError) as err:
        sms.send(PHONE, m.Replied(CODE))
    assert (err.value.code, err.value.permanent) == (code, permanent)
    if code.startswith(("LimitExceeded", "isv.BUSINESS")):
        assert err.value.retry_after and err.value.retry_after >= 3600


def test_tencent_app_id_is_checked(aws, monkeypatch, fake):
    sms = tencent(monkeypatch, fake, MINYI_SMS_APP_ID="1400999999")
    with pytest.raises(SmsError) as err:
        sms.send(PHONE, m.Replied(CODE))
    assert (err.value.code, err.value.permanent) == (
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail", True)


def test_nothing_is_sent_that_the_provider_must_refuse(aws, monkeypatch, fake):
    # an individually verified Tencent account: 12 characters a variable, a code has 13
    sms = tencent(monkeypatch, fake, MINYI_SMS_ACCOUNT="individual")
    with pytest.raises(SmsError) as err:
        sms.send(PHONE, m.Replied(CODE))
    assert (err.value.code, err.value.permanent) == ("ParameterTooLong", True)
    # a template without a configured id
    sms = tencent(monkeypatch, fake, MINYI_SMS_TEMPLATE_IDS=json.dumps({"accepted": "1"}))
    with pytest.raises(SmsError) as err:
        sms.send(PHONE, m.Replied(CODE))
    assert (err.value.code, err.value.permanent) == ("TemplateNotConfigured", True)
    assert fake.requests == []
