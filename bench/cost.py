"""AWS cost per 1,000 tickets (SMS excluded), from measured calls, write and read units, events
and the escalation sweep's work, at list prices, for a ticket handled on time and one that climbs
four levels; and the sweep's fixed monthly cost.

    .venv/bin/python bench/cost.py

In-process moto executing the sweep state machine, the demo city (SMS recorded in memory: not an
AWS cost here). Per ticket:

- on time: a citizen's categorized submission (routed to 红旗社区), sign-in, a phone contact,
  the reply;
- four levels: the submission, then nobody signs: four sweeps (statemachines/sweep.asl.json, run
  by moto at each due deadline) move it village -> township -> county -> city and mark it
  overdue at the top; the city unit signs and replies. Each sweep step's transaction is priced
  from the ticket and timeline items before and after it (moto runs it, not botocore), and its
  reads (the index entry, the plan's GetItem) are counted; its Step Functions cost is the
  marginal duration of the shared Express execution (SWEEP_STEP_S per step).

The timeline stream's consumer (the outbox: SMS, events, measure counters, learning) is drained
after each step and counted: its calls, and one Lambda invocation per batch (reading the stream
is free for Lambda triggers and is not counted).

Measured per scenario: API requests, AWS calls by service, DynamoDB write units (bench/_wru.py
prices each write from the item before and after it and the real index projections), by table
and index, items read (read units taken as 1 per item: an upper bound), EventBridge entries.
Lambda: one invocation per API request and per SQS message the rules delivered (batch of 1, the
worst case); duration = the app's measured own time (the bench's own reads and the time inside
AWS calls subtracted) + 10 ms per AWS call (an in-region round trip, assumed), at the
functions' 512 MB. SQS: each delivered message is 3 requests (send by EventBridge, receive,
delete)."""

from __future__ import annotations

import json
import time

import _harness  # noqa: F401  (first: environment, call counter)
from _harness import calls, demo_city, quiet_stdout
from _wru import WriteMeter
from escalation import transitions

# List prices, us-east-1, USD, as published on the AWS pricing pages (DynamoDB on-demand after
# the 2024-11-01 reduction). Recorded 2026-12-02 from those pages as last known here; check
# https://aws.amazon.com/<service>/pricing before quoting.
PRICES = {
    "date": "2024-11-01 (DynamoDB on-demand); others unchanged since 2023",
    "lambda_request": 0.20 / 1e6, "lambda_gb_second": 0.0000166667,
    "api_gateway_rest_request": 3.50 / 1e6,
    "dynamodb_wru": 0.625 / 1e6, "dynamodb_rru": 0.125 / 1e6,
    "stepfunctions_transition": 0.025 / 1e3,
    "stepfunctions_express_request": 1.00 / 1e6, "stepfunctions_express_gb_second": 0.00001667,
    "eventbridge_event": 1.00 / 1e6,
    "sqs_request": 0.40 / 1e6,
}
LAMBDA_GB = 0.5
CALL_MS = 10.0

# The sweep runs as an EXPRESS machine (infra; docs/escalation-asl.md): billed per execution
# and per GB-second (64 MB steps), not per transition. An escalation step adds a GetItem and a
# transaction to the execution that runs anyway every minute: SWEEP_STEP_S of its duration.
SWEEP_GB = 0.0625
SWEEP_STEP_S = 0.1
SWEEPS_PER_MONTH = 60 * 24 * 30
SHARDS = 8

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


def _entries_observer(tally_ref: dict):
    class Entries:
        def before(self, service, op, params, context):
            if (service, op) == ("events", "PutEvents") and tally_ref.get("t") is not None:
                tally_ref["t"].events += len(params.get("Entries", []))

        def after(self, *args):
            pass
    return Entries()


def run() -> dict:
    with demo_city(sms="record", execute_state_machines=True) as city:
        import boto3

        from chalicelib import config
        from chalicelib.adapters.models import TicketModel
        from chalicelib.services import escalation, intake, staff
        from chalicelib.services.staff_auth import StaffUser

        meter = WriteMeter()
        current: dict = {}
        calls.observers.append(_entries_observer(current))
        settings = config.settings
        ddb = boto3.client("dynamodb", region_name=settings.region)
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

        def drain_outbox(tally) -> None:
            """The timeline stream's consumer (SMS, events, timers, learning), as Lambda's event
            source mapping runs it: its calls count, the stream reads (free for Lambda) don't."""
            city.drain_outbox(handled=lambda: setattr(tally, "invocations",
                                                      tally.invocations + 1))

        def step(tally, fn, api=True):
            calls.reset()
            meter.reset()
            t0 = time.perf_counter()
            with quiet_stdout():
                result = fn()
                drain_outbox(tally)
            wall = (time.perf_counter() - t0) * 1000
            own = wall - (sum(calls.seconds.values()) + calls.overhead) * 1000
            # the sweep's own writes and reads (inside moto, not botocore calls)
            extra_wru, extra_items = result if not api and isinstance(result, tuple) else (0, 0)
            tally.add(calls.counts.copy(), sum(calls.items.values()) + extra_items,
                      meter.total + extra_wru, own, api)
            for (table, where), units in meter.units.items():
                key = table if where == "table" else f"{table}/{where}"
                tally.wru_by[key] = tally.wru_by.get(key, 0) + units
            city.clock.advance(300)
            return result

        with quiet_stdout():        # warm-up (imports, caches): a ticket handled to its reply
            warm = intake.submit(dict(BODY), citizen_id="wx:warm", channel="wechat",
                                 idempotency_key="k-cost-warm")["id"]
            warm_unit = TicketModel.get(warm).unit_id
            warm_handler = StaffUser("h_warm", warm_unit, frozenset({"handler"}))
            staff.perform(warm_handler, warm, "sign", {})
            staff.perform(warm_handler, warm, "reply", {"text": "已处理", "grade": "A"})
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
        sfn = boto3.client("stepfunctions", region_name=settings.region)
        tickets_table, events_table = settings.table("tickets"), settings.table("events")
        with calls.paused():
            empty = escalation.sweep_now(city.clock())     # a sweep that finds nothing
            base, _ = transitions(sfn, empty.execution_arn)

        def raw_item(table: str, key: dict) -> dict | None:
            with calls.paused():
                return ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")

        def timeline_items() -> list[dict]:
            with calls.paused():
                return ddb.query(TableName=events_table, ConsistentRead=True,
                                 KeyConditionExpression="ticket_id = :t",
                                 ExpressionAttributeValues={":t": {"S": t2}})["Items"]

        def sweep_step():
            """The next due step of the climb, applied by the sweep state machine itself (moto
            executes it): its transitions above an empty sweep's, and its one transaction
            (ticket update + timeline entry) priced from the items before and after, as
            bench/_wru.py prices the app's writes (moto's own calls are not botocore's)."""
            key = {"ticket_id": {"S": t2}}
            old = raw_item(tickets_table, key)
            before = {e["sk"]["S"] for e in timeline_items()}
            city.clock.t = max(city.clock.t, int(old["deadline_at"]["N"]))
            with calls.paused():
                rep = escalation.sweep_now(city.clock.t)
                n, _ = transitions(sfn, rep.execution_arn)
            assert rep.escalated == [t2], rep
            climb.transitions += n - base
            new = raw_item(tickets_table, key)
            added = [e for e in timeline_items() if e["sk"]["S"] not in before]
            units = meter.price_transaction(tickets_table, old, new) + sum(
                meter.price_transaction(events_table, None, e) for e in added)
            climb.wru_by["sweep transactions"] = climb.wru_by.get("sweep transactions", 0) + units
            # the due ticket's index entry (from the sweep's query) and its plan (GetItem)
            return units, 2

        for _ in range(4):       # village -> township -> county -> city, then overdue at the top
            step(climb, sweep_step, api=False)
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
        # marginal duration of the shared sweep: one step per escalation (transitions / 5)
        "stepfunctions": (t.transitions / 5) * SWEEP_STEP_S * SWEEP_GB
        * p["stepfunctions_express_gb_second"],
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


def sweep_monthly() -> dict:
    """The sweep's fixed cost, whatever the number of tickets: a scheduled Lambda starts one
    Express execution a minute, which queries each shard (an empty Query reads 1 unit at the
    most) for about a second."""
    p = PRICES
    usd = {
        "lambda": SWEEPS_PER_MONTH * (p["lambda_request"] + 0.05 * LAMBDA_GB
                                      * p["lambda_gb_second"]),
        "stepfunctions": SWEEPS_PER_MONTH * (p["stepfunctions_express_request"]
                                             + 1.0 * SWEEP_GB
                                             * p["stepfunctions_express_gb_second"]),
        "dynamodb_reads": SWEEPS_PER_MONTH * SHARDS * p["dynamodb_rru"],
    }
    return {"usd_per_month": {k: round(v, 3) for k, v in usd.items()},
            "usd_per_month_total": round(sum(usd.values()), 3)}


def main() -> None:
    result = run()
    print(json.dumps({"prices": PRICES, **result, "sweep, fixed": sweep_monthly()},
                     ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
