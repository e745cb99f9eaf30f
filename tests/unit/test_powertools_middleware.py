"""Powertools on every function, not only HTTP (issue 10, point 6): a job handler invoked the way
Lambda invokes it writes log lines with the Lambda context and a correlation id, and flushes its
metrics. (Schedules, the timeline stream and pure functions: tests/integration/
test_powertools_jobs.py.)"""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.logging import logger as powertools_logger
from aws_lambda_powertools.metrics.provider import cold_start
from chalice.test import Client

import app as app_module
from chalicelib import middleware
from chalicelib.observability import logger
from tests.logs import captured


@pytest.fixture
def logs():
    with captured() as lines:
        yield lines


@pytest.fixture
def client():
    with Client(app_module.app) as c:
        yield c


def _lifecycle_event(client, *messages: tuple[str, dict | None]) -> dict:
    """An EventBridge-to-SQS batch for the lifecycle consumer, one record per (id, attributes)."""
    bodies = [json.dumps({"detail-type": "TicketClosed",
                          "detail": {"ticket_id": f"t-{i}", "status": "closed"}})
              for i in range(len(messages))]
    event = client.events.generate_sqs_event(message_bodies=bodies, queue_name="lifecycle")
    for record, (message_id, attributes) in zip(event["Records"], messages, strict=True):
        record["messageId"] = message_id
        record["messageAttributes"] = attributes or {}
    return event


def test_an_sqs_consumer_logs_with_the_lambda_context_and_each_messages_id(client, logs):
    event = _lifecycle_event(client, ("msg-0001", None), ("msg-0002", None))
    client.lambda_.invoke("on_lifecycle", event)
    lines = logs.find("ticket event")
    assert [(line["ticket_id"], line["correlation_id"]) for line in lines] == [
        ("t-0", "msg-0001"), ("t-1", "msg-0002")]
    for line in lines:
        assert line["function_name"] == "on_lifecycle"
        assert isinstance(line["cold_start"], bool)
        assert line["function_request_id"] and "function_memory_size" in line


def test_an_sqs_correlation_attribute_wins_over_the_message_id(client, logs):
    attributes = {"correlation_id": {"stringValue": "req-from-the-api", "dataType": "String"}}
    client.lambda_.invoke("on_lifecycle", _lifecycle_event(client, ("msg-0003", attributes)))
    (line,) = logs.find("ticket event")
    assert line["correlation_id"] == "req-from-the-api"


def test_cold_start_is_true_once_per_process(client, logs, monkeypatch):
    monkeypatch.setattr(powertools_logger, "is_cold_start", True)
    for message_id in ("msg-cold", "msg-warm"):
        client.lambda_.invoke("on_lifecycle", _lifecycle_event(client, (message_id, None)))
    assert [line["cold_start"] for line in logs.find("ticket event")] == [True, False]


def test_an_sns_consumer_logs_with_the_sns_message_id(client, logs):
    event = client.events.generate_sns_event(message="not the End User Messaging JSON")
    event["Records"][0]["Sns"]["MessageId"] = "sns-msg-0042"
    client.lambda_.invoke("inbound_sms", event)
    (line,) = logs.find("unreadable inbound sms")
    assert line["correlation_id"] == "sns-msg-0042"
    assert line["function_name"] == "inbound_sms"


def test_a_jobs_metrics_are_flushed_with_a_cold_start_metric(client, logs, monkeypatch,
                                                             capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setattr(cold_start, "is_cold_start", True)
    client.lambda_.invoke("on_lifecycle", _lifecycle_event(client, ("msg-0004", None)))
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith("{") and '"_aws"' in line]
    (metric,) = [m for m in emitted if "ColdStart" in m]
    assert metric["function_name"] == "on_lifecycle" and metric["ColdStart"] == [1.0]
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Minyi"


def test_the_middleware_wraps_every_function_outermost():
    """Registered for every event type ('all'), before the HTTP edge's own middleware."""
    assert app_module.app.middleware_handlers[0] == (middleware.powertools, "all")


def test_a_batch_is_correlated_record_by_record_then_by_the_invocations_id(client, logs):
    """While the handler holds a record, logs carry that record's id; after the batch, the
    invocation's (its first record's), not the last record's."""
    batch = middleware._per_record(middleware.SQSEvent(
        _lifecycle_event(client, ("m-1", None), ("m-2", None)), None))
    seen = [logger.get_correlation_id() for _ in batch]
    assert seen == ["m-1", "m-2"] and logger.get_correlation_id() == "m-1"
