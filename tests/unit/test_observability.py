"""Logs are JSON, carry the request id, and never show a phone number or a name in full."""

from __future__ import annotations

import io
import json
import logging

from aws_lambda_powertools import Logger

from chalicelib.domain.intake import mask_name, mask_phone
from chalicelib.observability import _MaskingFilter, mask_text, mask_value


def capture_logger():
    stream = io.StringIO()
    log = Logger(service="t", logger_handler=logging.StreamHandler(stream), level="INFO")
    log.addFilter(_MaskingFilter())
    return log, stream


def test_phone_numbers_masked_in_messages_and_fields():
    log, stream = capture_logger()
    log.set_correlation_id("req-123")
    log.info("caller 13812345678 says hi", extra={"phone": "+8613912345678",
                                                  "citizen_name": "王小明",
                                                  "note": "回电 +8613700001111"})
    record = json.loads(stream.getvalue())
    text = stream.getvalue()
    assert "13812345678" not in text and "13912345678" not in text and "13700001111" not in text
    assert record["correlation_id"] == "req-123"
    assert record["phone"] == "+86139****5678" and record["citizen_name"] == "王**"
    assert "138****5678" in record["message"]


def test_helpers():
    assert mask_text("13812345678,+8613812345678") == "138****5678,+86138****5678"
    assert mask_text("工单2611220000019") == "工单2611220000019"      # codes are not phones
    assert mask_value("phone", "+8613812345678") == "+86138****5678"
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_name("张三") == "张*"
