"""One JSON reader for what clients send: deep nesting and lone surrogates are a 400."""

import json

import pytest

from chalicelib.adapters.sms_providers import MalformedCallback, parse_end_user_messaging
from chalicelib.domain.errors import BadJson
from chalicelib.domain.jsonin import MAX_DEPTH, parse_json


@pytest.mark.parametrize("raw, code", [
    (b"[" * 990 + b"]" * 990, "json_too_deep"),
    (b"[" * 100000 + b"]" * 100000, "json_too_deep"),
    ("{\"a\": " + "[" * 40 + "]" * 40 + "}", "json_too_deep"),
    (b'{"name": "\\ud800"}', "invalid_text"),
    (b'{"\\udfff": 1}', "invalid_text"),
    (b'[{"text": ["ok", "\\ud83d"]}]', "invalid_text"),
    (b"{", "bad_json"),
])
def test_refused(raw, code):
    with pytest.raises(BadJson) as info:
        parse_json(raw)
    assert info.value.code == code and info.value.status == 400


def test_accepted():
    nested = "[" * (MAX_DEPTH - 1) + "{}" + "]" * (MAX_DEPTH - 1)
    assert parse_json(nested.encode())
    assert parse_json('{"t": "\\ud83d\\ude00 路灯"}'.encode()) == {"t": "😀 路灯"}


def test_sns_delivered_sms_with_a_lone_surrogate_is_malformed_not_a_crash():
    message = {"inboundMessageId": "m1", "originationNumber": "+8613812345678",
               "messageBody": "\ud800"}
    for form in (json.dumps(message), message):
        with pytest.raises(MalformedCallback):
            parse_end_user_messaging(form)
