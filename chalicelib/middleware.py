"""Powertools on every function, HTTP or not: ``app.register_middleware(powertools, "all")``.

Each invocation's log lines carry the Lambda context (``function_name``, ``cold_start``,
``function_request_id``, ...) and a correlation id, and its metrics are flushed at the end
(with a ``ColdStart`` metric per function). The correlation id is what ties a log line to the
thing being handled:

=================  ============================================================================
function           correlation id
=================  ============================================================================
HTTP               API Gateway's request id (also the ``X-Request-Id`` header, api/http.py)
schedule           the scheduled event's id
SQS consumer       each message's ``correlation_id`` attribute, else its message id
timeline stream    each record's timeline entry, ``<ticket id>#<sk>`` (the outbox's Entry.key)
SNS consumer       the SNS message id
pure function      the payload's ``correlation_id``, an Amazon Connect contact id, else the
                   Lambda request id
=================  ============================================================================

A batch (SQS, the stream) is correlated record by record: the id changes as the handler takes
the next record, so whatever is logged while handling a record carries that record's id.
"""

from __future__ import annotations

import warnings
from typing import Any

from chalice.app import (
    CloudWatchEvent,
    DynamoDBEvent,
    LambdaFunctionEvent,
    Request,
    SNSEvent,
    SQSEvent,
)

from .observability import logger, metrics
from .wiring import container


def powertools(event: Any, get_response):
    """Chalice middleware for every event type."""
    if event is None:               # an API Gateway event Chalice cannot route (its own 500)
        return get_response(event)
    if isinstance(event, Request):
        raw, context = event.to_original_event(), event.lambda_context
    else:
        raw, context = event.to_dict(), event.context
    event = _per_record(event)

    def handler(_raw, _context):
        logger.set_correlation_id(correlation_id(event, context))
        container.set_lambda_context(context)
        return get_response(event)

    if context is None:             # called without a Lambda context (the tests' outbox drain)
        wrapped = metrics.log_metrics(handler)
    else:
        wrapped = logger.inject_lambda_context(
            metrics.log_metrics(handler, capture_cold_start_metric=True), clear_state=True)
    with warnings.catch_warnings():
        # most invocations emit no metric of their own: not worth a warning each time
        warnings.filterwarnings("ignore", "No application metrics to publish")
        return wrapped(raw, context)


def correlation_id(event: Any, context: Any = None) -> str | None:
    """The invocation's correlation id (for a batch: its first record's)."""
    if isinstance(event, Request):
        return (event.context or {}).get("requestId")
    if isinstance(event, CloudWatchEvent):
        return event.event_id
    for kind, record_id in _RECORD_IDS.items():
        if isinstance(event, kind):
            records = event.to_dict().get("Records") or []
            if records:
                return record_id(records[0])
    if isinstance(event, LambdaFunctionEvent):
        payload = event.event if isinstance(event.event, dict) else {}
        contact = ((payload.get("Details") or {}).get("ContactData") or {}).get("ContactId")
        found = payload.get("correlation_id") or contact
        if found:
            return str(found)
    return getattr(context, "aws_request_id", None)


def sqs_record_id(record: dict) -> str | None:
    attribute = (record.get("messageAttributes") or {}).get("correlation_id") or {}
    return attribute.get("stringValue") or record.get("messageId")


def stream_record_id(record: dict) -> str | None:
    """A timeline record's entry (``<ticket id>#<sk>``), else the stream's event id."""
    keys = (record.get("dynamodb") or {}).get("Keys") or {}
    values = {name: next(iter(typed.values()), None) for name, typed in keys.items()}
    if values.get("ticket_id") and values.get("sk"):
        return f"{values['ticket_id']}#{values['sk']}"
    return record.get("eventID")


def sns_record_id(record: dict) -> str | None:
    return (record.get("Sns") or {}).get("MessageId")


_RECORD_IDS = {SQSEvent: sqs_record_id, DynamoDBEvent: stream_record_id,
               SNSEvent: sns_record_id}


class _PerRecord:
    """A batch whose iteration sets each record's correlation id before the handler has it."""

    record_id = staticmethod(lambda record: None)

    def __iter__(self):
        first = None
        for record in super().__iter__():
            current = self.record_id(record.to_dict())
            first = first or current
            logger.set_correlation_id(current)
            yield record
        if first is not None:
            logger.set_correlation_id(first)     # after the batch: the invocation's id again


class _SQSBatch(_PerRecord, SQSEvent):
    record_id = staticmethod(sqs_record_id)


class _StreamBatch(_PerRecord, DynamoDBEvent):
    record_id = staticmethod(stream_record_id)


def _per_record(event: Any) -> Any:
    if isinstance(event, SQSEvent) and not isinstance(event, _PerRecord):
        return _SQSBatch(event.to_dict(), event.context)
    if isinstance(event, DynamoDBEvent) and not isinstance(event, _PerRecord):
        return _StreamBatch(event.to_dict(), event.context)
    return event
