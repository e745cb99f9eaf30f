"""The local pump: what AWS does for us in the cloud and moto does not.

- drains every SQS queue that has an ``@app.on_sqs_message`` consumer and invokes the consumer
  with a Lambda-shaped SQS event (a failed batch stays on the queue and is retried, then goes to
  the dead-letter queue by the queue's redrive policy, as in AWS);
- fires every ``@app.schedule`` at its rate (``MINYI_PUMP_SCHEDULE_SCALE`` < 1 speeds them up);
- bridges every ``@app.on_sns_message`` topic through an SQS queue subscribed to it (moto does
  not deliver SNS to Lambda) and invokes the handler once per notification, SNS-shaped;
- reads every ``@app.on_dynamodb_record`` stream (the timeline's: the outbox) with
  GetShardIterator/GetRecords and invokes the handler with Lambda-shaped batches, honouring
  partial batch failures; its shard positions are saved (``MINYI_PUMP_STATE``, default
  ``.local/pump-state.json``), so a restarted pump neither loses records nor replays more than
  the last batch.

Run by ``make run`` (through scripts/local_stack.py) and by the e2e tests.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class LocalContext:
    """Enough of a Lambda context for Powertools and Chalice."""

    function_name = "minyi-local-pump"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:minyi-local-pump"

    def __init__(self, budget_ms: int = 30_000):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + budget_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def resolve(handler_string: str):
    """``app.handler`` or ``chalicelib.jobs.consumers.on_overdue`` -> the Lambda-shaped callable."""
    import importlib
    module, _, name = handler_string.rpartition(".")
    return getattr(importlib.import_module(module), name)


def rate_seconds(expression: str) -> float:
    """A schedule's period: ``rate(...)`` exactly; a ``cron(...)`` (a daily job) once a day,
    from the pump's start (locally the hour of day does not matter)."""
    if expression.startswith("cron("):
        return 86400.0
    match = re.match(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if not match:
        raise ValueError(f"unsupported schedule {expression!r}")
    n, unit = int(match.group(1)), match.group(2)
    return n * {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400,
                "days": 86400}[unit]


def sqs_event(messages: list[dict], queue_arn: str) -> dict:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": {},
        "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": os.environ.get("AWS_DEFAULT_REGION"),
    } for m in messages]}


class Pump:
    def __init__(self, app_module):
        import boto3
        from chalice.app import (
            DynamoDBEventConfig,
            ScheduledEventConfig,
            SNSEventConfig,
            SQSEventConfig,
        )

        from chalicelib.adapters.streams import StreamReader

        self.app = app_module.app
        self.sqs = boto3.client("sqs")
        self.consumers = []       # (queue_url, queue_arn, handler)
        self.schedules = []       # [next_at, period, handler, name]
        self.streams = []         # (StreamReader, handler, batch size)
        state = Path(os.environ.get("MINYI_PUMP_STATE", ROOT / ".local" / "pump-state.json"))
        scale = float(os.environ.get("MINYI_PUMP_SCHEDULE_SCALE", "1"))
        for source in self.app.event_sources:
            handler = resolve(source.handler_string)
            if isinstance(source, SQSEventConfig):
                url = self.sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
                arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                    "Attributes"]["QueueArn"]
                self.consumers.append((url, arn, handler, source.batch_size or 10))
            elif isinstance(source, ScheduledEventConfig):
                period = rate_seconds(str(source.schedule_expression)) * scale
                self.schedules.append([time.monotonic() + period, period, handler, source.name])
            elif isinstance(source, SNSEventConfig):
                self.consumers.append(self._sns_bridge(source.topic, handler))
            elif isinstance(source, DynamoDBEventConfig):
                reader = StreamReader(boto3.client("dynamodbstreams"), source.stream_arn,
                                      state.with_name(f"{state.stem}-{source.name}.json"))
                self.streams.append((reader, handler, source.batch_size or 100))

    def _sns_bridge(self, topic: str, handler):
        """An SQS queue subscribed to the topic; each notification becomes one SNS event."""
        import boto3
        sns = boto3.client("sns")
        topic_arn = topic if topic.startswith("arn:") else sns.create_topic(Name=topic)[
            "TopicArn"]
        url = self.sqs.create_queue(QueueName=f"pump-sns-{topic_arn.rsplit(':', 1)[-1]}"[:80])[
            "QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)

        def deliver(event, context):
            for record in event["Records"]:
                note = json.loads(record["body"])
                handler({"Records": [{
                    "EventSource": "aws:sns", "EventVersion": "1.0",
                    "EventSubscriptionArn": f"{topic_arn}:pump",
                    "Sns": {"Type": "Notification", "MessageId": note.get("MessageId"),
                            "TopicArn": topic_arn, "Subject": note.get("Subject") or "",
                            "Message": note.get("Message"), "Timestamp": note.get("Timestamp"),
                            "MessageAttributes": note.get("MessageAttributes") or {}}}]},
                        context)

        deliver.__name__ = getattr(handler, "__name__", "sns_handler")
        return (url, arn, deliver, 10)

    def drain_once(self, wait: int = 0) -> int:
        handled = 0
        for url, arn, handler, batch in self.consumers:
            messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(batch, 10),
                                                WaitTimeSeconds=wait,
                                                AttributeNames=["All"]).get("Messages", [])
            if not messages:
                continue
            try:
                handler(sqs_event(messages, arn), LocalContext())
            except Exception as exc:  # noqa: BLE001 - like Lambda: the batch is retried later
                print(f"consumer {handler.__name__} failed: {exc!r}", flush=True)
                continue
            self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages)])
            handled += len(messages)
        return handled

    def drain_streams(self) -> int:
        """One pass over every stream: each shard's new records, as Lambda would deliver them.
        A failed batch (an exception, or a record reported in ``batchItemFailures``) is read
        again from the first record not accepted on the next pass."""
        handled = 0
        for reader, handler, batch in self.streams:
            for shard, event in reader.batches(batch):
                try:
                    response = handler(event, LocalContext())
                except Exception as exc:  # noqa: BLE001 - like Lambda: the batch is retried
                    print(f"stream consumer {handler.__name__} failed: {exc!r}", flush=True)
                    continue
                handled += reader.accept(shard, event, response)
        return handled

    def fire_due(self) -> None:
        now = time.monotonic()
        for entry in self.schedules:
            if now >= entry[0]:
                entry[0] = now + entry[1]
                event = {"version": "0", "id": str(uuid.uuid4()),
                         "detail-type": "Scheduled Event",
                         "source": "aws.events", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                       time.gmtime()),
                         "resources": [], "detail": {}, "region": "us-east-1",
                         "account": "123456789012"}
                try:
                    entry[2](event, LocalContext())
                except Exception as exc:  # noqa: BLE001 - a failed run is retried next time
                    print(f"schedule {entry[3]} failed: {exc!r}", flush=True)

    def run_forever(self, idle_sleep: float = 0.5) -> None:
        print(f"pump: {len(self.consumers)} queues, {len(self.streams)} streams, "
              f"{len(self.schedules)} schedules", flush=True)
        while True:
            self.fire_due()
            busy = self.drain_streams()
            busy += self.drain_once()
            if not busy:
                time.sleep(idle_sleep)


def main() -> None:
    import app as app_module
    Pump(app_module).run_forever()


if __name__ == "__main__":
    main()
