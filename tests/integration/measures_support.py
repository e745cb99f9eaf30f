"""Shared steps for the measures tests: the timeline "stream" replayed into the consumer, and
the counters as stored."""

from __future__ import annotations

import datetime as dt

from chalicelib.adapters.models import RegistryModel, TicketEventModel
from chalicelib.services import measures
from chalicelib.wiring import container


def day(n: int = 0) -> str:
    """The local date ``n`` days after the test clock's start (a Monday, tests/clock.py)."""
    from tests.clock import start_date
    return (start_date() + dt.timedelta(days=n)).isoformat()


def stream_records() -> list[dict]:
    """Every timeline item as a stream NewImage (DynamoDB JSON), in ticket/sk order."""
    client = container.client("dynamodb")
    items, kwargs = [], {"TableName": TicketEventModel.Meta.table_name}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: (i["ticket_id"]["S"], i["sk"]["S"]))


def deliver_all() -> int:
    """What the stream consumer would do: every entry once (applying twice is harmless)."""
    return sum(bool(measures.apply_timeline_entry(r)) for r in stream_records())


def counters() -> dict:
    """Every counter item: {(pk, sk): {field: value}} without bookkeeping attributes."""
    client = container.client("dynamodb")
    out, kwargs = {}, {"TableName": RegistryModel.Meta.table_name}
    while True:
        page = client.scan(**kwargs)
        for item in page["Items"]:
            pk = item["pk"]["S"]
            if pk.startswith("m#"):
                out[(pk, item["sk"]["S"])] = {
                    k: int(v["N"]) for k, v in item.items()
                    if k not in ("pk", "sk", "updated_at") and int(v["N"])}
        if "LastEvaluatedKey" not in page:
            return {k: v for k, v in out.items() if v}
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
