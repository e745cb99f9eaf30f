"""Powertools logger and metrics, shared by the whole app.

Logs are JSON with the Lambda context and a correlation id (the API request id, a schedule's
event id, a message or timeline entry: ``chalicelib/middleware.py``, applied to every function);
phone numbers and names are masked before a record is written, whatever the code logged.
"""

from __future__ import annotations

import logging
import re

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from .config import settings

NAMESPACE = "Minyi"
_PHONE_RE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_SENSITIVE_KEYS = {"phone", "name", "citizen_name", "phone_number", "originationNumber",
                   "mobile", "PhoneNumber"}


def mask_text(text: str) -> str:
    return _PHONE_RE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)


def mask_value(key: str, value):
    if isinstance(value, dict):
        return {k: mask_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(key, v) for v in value]
    if isinstance(value, str):
        if key in _SENSITIVE_KEYS:
            return value[:1] + "*" * max(len(value) - 1, 0) if key.endswith("name") else (
                mask_text(value) if _PHONE_RE.search(value) else "****")
        return mask_text(value)
    return value


class _MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        elif isinstance(record.msg, dict):
            record.msg = mask_value("", record.msg)
        if record.args:
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
        for key, value in list(record.__dict__.items()):
            if key in _SENSITIVE_KEYS or key == "extra":
                record.__dict__[key] = mask_value(key, value)
            elif isinstance(value, (str, dict, list)) and key not in (
                    "msg", "args", "name", "levelname", "pathname", "filename", "module",
                    "funcName", "processName", "threadName", "taskName", "exc_text",
                    "stack_info"):
                record.__dict__[key] = mask_value(key, value)
        return True


logger = Logger(service=settings.service_name)     # level: POWERTOOLS_LOG_LEVEL, else INFO
logger.addFilter(_MaskingFilter())
metrics = Metrics(namespace=NAMESPACE, service=settings.service_name)


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Emit one metric now (EMF to stdout), with its own dimensions."""
    if settings.metrics_disabled:
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as m:
        m.add_dimension(name="service", value=settings.service_name)
        for key, val in dimensions.items():
            m.add_dimension(name=key, value=str(val))


def gauge(name: str, value: float, **dimensions: str) -> None:
    """A point-in-time value (dashboards take its Maximum/Average per period)."""
    count(name, value, **dimensions)
