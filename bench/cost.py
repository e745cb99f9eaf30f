"""AWS cost per 1,000 tickets (SMS excluded), from measured calls, write and read units, events
and state transitions, at list prices, for a ticket handled on time and one that climbs four
levels.

    .venv/bin/python bench/cost.py          # one command; re-run it after the escalation sweep

In-process moto, the demo city (SMS recorded in memory: not an AWS cost here). Per ticket:

The timeline stream's consumer (the outbox: SMS, events, escalation timers) is drained after each
step and counted: its calls, and one Lambda invocation per batch (reading the stream is free
for Lambda triggers and is not counted).

- on time: a citizen's categorized submission (routed to 红旗社区), sign-in, a phone contact,
  the reply;
- four levels: the submission, then nobody signs: the escalation state machine moves it
  village -> township -> county -> city and marks it overdue at the top; the city unit signs
  and replies. The machine's own writes are replayed here as the same UpdateItem/PutItem/
  PutEvents calls its definition makes (statemachines/escalation.asl.json), so their units are
  measured on the real items; its state transitions are counted on the definition (below).

Measured per scenario: API requests, AWS calls by service, DynamoDB write units (bench/_wru.py
prices each write from the item before and after it and the real index projections), items read
(read units taken as 1 per item: an upper bound, every item here is under 4 KB), EventBridge
entries, Step Functions executions. Lambda: one invocation per API request and per SQS message
the rules delivered (batch of 1, the worst case); duration = the app's measured own time + 10 ms
per AWS call (an in-region round trip, assumed), at the functions' 512 MB. SQS: each delivered
message is 3 requests (send by EventBridge, receive, delete). Consumers' own AWS work (SMS,
supervision entries) is not included: the supervision list is being rebuilt (issue 9).
"""

from __future__ import annotations

import json
import time

import _harness  # noqa: F401  (first: environment, call counter)
from _harness import calls, demo_city, quiet_stdout
from _wru import WriteMeter

# List prices, us-east-1, USD, as published on the AWS pricing pages (DynamoDB on-demand after
# the 2024-11-01 reduction). Recorded 2026-12-02 from those pages as last known here; check
# https://aws.amazon.com/<service>/pricing before quoting.
PRICES = {
    "date": "2024-11-01 (DynamoDB on-demand); others unchanged since 2023",
    "lambda_request": 0.20 / 1e6, "lambda_gb_second": 0.0000166667,
    "api_gateway_rest_request": 3.50 / 1e6,
    "dynamodb_wru": 0.625 / 1e6, "dynamodb_rru": 0.125 / 1e6,
    "stepfunctions_transition": 0.025 / 1e3,
    "eventbridge_event": 1.00 / 1e6,
    "sqs_request": 0.40 / 1e6,
}
LAMBDA_GB = 0.5
CALL_MS = 10.0

# Step Functions standard transitions, counted on statemachines/escalation.asl.json:
TRANSITIONS_START = 4        # Init, HasNextStep, SelectStep, WaitUntilDue
TRANSITIONS_ESCALATE = 15    # GetTicket .. PublishEscalation, NextStep, HasNextStep, SelectStep,
#                              WaitUntilDue (AfterRead, IsStillDue, CheckStatus, IsStatusOpen,
#                              ConvertUnitPath, StampEscalation, EncodeTimelineData, Escalate,
#                              RecordTimeline)
TRANSITIONS_PER_PATH_UNIT = 1  # ConvertUnitPath's Map: one AsAttributeValue per unit in the path
TRANSITIONS_TOP = 10         # GetTicket, AfterRead, IsStillDue, CheckStatus, IsStatusOpen,
#                              MarkOverdue, PublishOverdue, NextStep, HasNextStep, PlanCompleted

BODY = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
        "region_code": "369902001001", "phone": "13812345678", "category": "A1001"}


class Tally:
    def __init__(self):
        self.api = 0
        self.app_ms = 0.0
        self.calls = 0
        self.by_service: dict[str, int] = {}
        self.wru = 0
        self.items = 0
        self.events = 0
        self.transitions = 0
        self.executions = 0
        self.invocations = 0          # outbox consumer batches
        self.wru_by: dict[str, int] = {}   # "table" or "table/index" -> write units

    def add(self, counts, items: int, wru: int, app_ms: float, api: bool = True):
        self.api += int(api)
        self.app_ms += app_ms
        self.wru += wru
        self.items += items
        for (service, op, _), n in counts.items():
            self.calls += n
            self.by_service[service] = self.by_service.get(service, 0) + n
            if (service, op) == ("stepfunctions", "StartExecution"):
                self.executions += n
                self.transitions += n * TRANSITIONS_START


def _entries_observer(tally_ref: dict):
    class Entries:
        def before(self, service, op, params, context):
            if (service, op) == ("events", "PutEvents") and tally_ref.get("t") is not None:
                tally_ref["t"].events += len(params.get("Entries", []))

        def after(self, *args):
            pass
    return Entries()


def run() -> dict:
    with demo_city(sms="record") as city:
        import boto3

        from chalicelib import config
        from chalicelib.adapters.models import TicketModel
        from chalicelib.services import intake, staff
        from chalicelib.services.staff_auth import StaffUser
        from chalicelib.wiring import container

        meter = WriteMeter()
        current: dict = {}
        calls.observers.append(_entries_observer(current))
        settings = config.settings
        ddb = boto3.client("dynamodb", region_name=settings.region)
        events_client = boto3.client("events", region_name=settings.region)
        sqs = boto3.client("sqs", region_name=settings.region)

        def queued() -> int:
            with calls.paused():
                total = 0
                for url in sqs.list_queues().get("QueueUrls", []):
                    if url.endswith("-dlq"):
                        continue
                    attrs = sqs.get_queue_attributes(
                        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                    total += int(attrs["Attributes"]["ApproximateNumberOfMessages"])
                return total

        from chalicelib.adapters.streams import StreamReader
        from chalicelib.jobs.outbox import on_timeline

        with calls.paused():
            reader = StreamReader(boto3.client("dynamodbstreams", region_name=settings.region),
                                  settings.timeline_stream_arn)

        def drain_outbox(tally) -> None:
            """The timeline stream's consumer (SMS, events, timers, learning), as Lambda's event
            source mapping runs it: its calls count, the stream reads (free for Lambda) don't."""
            while True:
                with calls.paused():
                    batches = list(reader.batches(100))
                if not batches:
                    return
                for shard, event in batches:
                    response = on_timeline(event, None)
                    tally.invocations += 1
                    with calls.paused():
                        reader.accept(shard, event, response)

        def step(tally, fn, api=True):
            calls.reset()
            meter.reset()
            t0 = time.perf_counter()
            with quiet_stdout():
                result = fn()
                drain_outbox(tally)
            wall = (time.perf_counter() - t0) * 1000
            own = wall - sum(calls.seconds.values()) * 1000
            tally.add(calls.counts.copy(), sum(calls.items.values()), meter.total, own, api)
            for (table, where), units in meter.units.items():
                key = table if where == "table" else f"{table}/{where}"
                tally.wru_by[key] = tally.wru_by.get(key, 0) + units
            city.clock.advance(300)
            return result

        with quiet_stdout():
            intake.submit(dict(BODY), citizen_id="wx:warm", channel="wechat",
                          idempotency_key="k-cost-warm")
            drain_outbox(Tally())
        base_messages = queued()

        # --- on time ----------------------------------------------------------------------
        on_time = Tally()
        current["t"] = on_time
        t = step(on_time, lambda: intake.submit(dict(BODY), citizen_id="wx:c1", channel="wechat",
                                                idempotency_key="k-cost-00001"))["id"]
        ticket = TicketModel.get(t)
        handler = StaffUser("h_vil_hongqi_chen", ticket.unit_id, frozenset({"handler"}))
        step(on_time, lambda: staff.perform(handler, t, "sign", {}))
        step(on_time, lambda: staff.perform(handler, t, "contact", {"outcome": "reached"}))
        step(on_time, lambda: staff.perform(handler, t, "reply",
                                            {"text": "已督促物业清理", "grade": "A"}))
        on_time_messages = queued() - base_messages

        # --- four levels ------------------------------------------------------------------
        climb = Tally()
        current["t"] = climb
        t2 = step(climb, lambda: intake.submit(dict(BODY), citizen_id="wx:c2", channel="wechat",
                                               idempotency_key="k-cost-00002"))["id"]
        table = settings.table("tickets")
        events_table = settings.table("events")

        def escalate(rev_step: int):
            item = TicketModel.get(t2, consistent_read=True)
            parent = container.reference.unit(item.unit_id).parent_id
            unit = container.reference.unit(parent)
            now = int(city.clock())
            ddb.get_item(TableName=table, Key={"ticket_id": {"S": t2}}, ConsistentRead=True)
            ddb.update_item(
                TableName=table, Key={"ticket_id": {"S": t2}},
                UpdateExpression="SET unit_id = :to, open_unit = :to, #level = :lv, "
                                 "unit_path = :path, sign_due_at = :d, due_at = :d, "
                                 "deadline_at = :d, overdue = :true, escalated_at = :now, "
                                 "escalations = list_append(if_not_exists(escalations, :e), "
                                 ":entry) ADD version :one",
                ExpressionAttributeNames={"#level": "level"},
                ExpressionAttributeValues={
                    ":to": {"S": unit.unit_id}, ":lv": {"S": unit.level},
                    ":path": {"L": [{"S": u} for u in unit.path]},
                    ":d": {"N": str(now + 86400)}, ":true": {"BOOL": True},
                    ":now": {"S": str(now)}, ":e": {"L": []}, ":one": {"N": "1"},
                    ":entry": {"L": [{"M": {"step": {"N": str(rev_step)},
                                            "from": {"S": item.unit_id},
                                            "to": {"S": unit.unit_id}}}]}})
            ddb.put_item(TableName=events_table, Item={
                "ticket_id": {"S": t2}, "sk": {"S": f"{now}#esc-1-{rev_step}"},
                "at": {"N": str(now)}, "kind": {"S": "escalated"}, "actor": {"S": "system"},
                "citizen_visible": {"BOOL": True},
                "data": {"S": json.dumps({"from": item.unit_id, "to": unit.unit_id})}})
            events_client.put_events(Entries=[
                {"Source": "minyi", "DetailType": kind, "EventBusName": settings.event_bus,
                 "Detail": json.dumps({"ticket_id": t2, "step": rev_step})}
                for kind in ("TicketOverdue", "TicketEscalated")])
            climb.transitions += TRANSITIONS_ESCALATE + len(unit.path) * TRANSITIONS_PER_PATH_UNIT

        for k in range(1, 4):
            step(climb, lambda k=k: escalate(k), api=False)

        def top():
            ddb.get_item(TableName=table, Key={"ticket_id": {"S": t2}}, ConsistentRead=True)
            ddb.update_item(TableName=table, Key={"ticket_id": {"S": t2}},
                            UpdateExpression="SET overdue = :true ADD version :one",
                            ExpressionAttributeValues={":true": {"BOOL": True},
                                                       ":one": {"N": "1"}})
            events_client.put_events(Entries=[{
                "Source": "minyi", "DetailType": "TicketOverdue",
                "EventBusName": settings.event_bus, "Detail": json.dumps({"ticket_id": t2})}])
            climb.transitions += TRANSITIONS_TOP
        step(climb, top, api=False)
        held_by = TicketModel.get(t2).unit_id
        city_handler = StaffUser("h_city", held_by, frozenset({"handler"}))
        step(climb, lambda: staff.perform(city_handler, t2, "sign", {}))
        step(climb, lambda: staff.perform(city_handler, t2, "reply",
                                          {"text": "已协调处理", "grade": "A"}))
        climb_messages = queued() - base_messages - on_time_messages
        return {"on time": _cost(on_time, on_time_messages),
                "climbs four levels": _cost(climb, climb_messages)}


def _cost(t: Tally, messages: int) -> dict:
    p = PRICES
    invocations = t.api + messages + t.invocations
    duration_s = (t.app_ms + CALL_MS * t.calls) / 1000
    per_ticket = {
        "api_gateway": t.api * p["api_gateway_rest_request"],
        "lambda": invocations * p["lambda_request"]
        + duration_s * LAMBDA_GB * p["lambda_gb_second"],
        "dynamodb_writes": t.wru * p["dynamodb_wru"],
        "dynamodb_reads": t.items * p["dynamodb_rru"],
        "stepfunctions": t.transitions * p["stepfunctions_transition"],
        "eventbridge": t.events * p["eventbridge_event"],
        "sqs": 3 * messages * p["sqs_request"],
    }
    per_1000 = {k: round(v * 1000, 4) for k, v in per_ticket.items()}
    return {"per ticket": {"api_requests": t.api, "aws_calls": t.calls,
                           "calls_by_service": t.by_service, "wru": t.wru,
                           "wru_by_table": dict(sorted(t.wru_by.items(), key=lambda kv: -kv[1])),
                           "items_read": t.items,
                           "events": t.events, "sqs_messages": messages,
                           "executions": t.executions, "transitions": t.transitions,
                           "lambda_invocations": invocations,
                           "lambda_ms": round(t.app_ms + CALL_MS * t.calls, 1)},
            "usd_per_1000": per_1000, "usd_per_1000_total": round(sum(per_1000.values()), 4)}


def main() -> None:
    result = run()
    print(json.dumps({"prices": PRICES, **result}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
