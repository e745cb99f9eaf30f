"""A month's report for every unit reads counters, never tickets: the same read count whatever
the number of stored tickets.

    python bench/measures.py --tickets 10000 100000

For each size: stores that many tickets (spread over November 2026, over every unit of the demo
city) straight into the tickets table, writes the day counters those tickets would have produced
(one item per unit / place / category / unit x category / place x category and day, as
``services.measures.recompute`` writes them), then runs the city leader's month report
(``GET /v1/staff/measures?scope=unit&granularity=month``, with case mix) and prints the AWS calls
it made and the counter items it read. Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random

import _harness  # noqa: F401 - sets the environment before chalicelib is imported
from _harness import calls, demo_city, format_calls, quiet_stdout

NOVEMBER = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(30)]


def store_tickets(city, start: int, n: int, rng: random.Random) -> None:
    """Set-up, not measured: the tickets go straight into moto's table (its backend API, not
    the wire), which is what makes 100,000 of them affordable on a laptop."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.adapters.models import TicketModel
    from chalicelib.domain.ticket import new_ticket_id

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][city.container.settings.region]
    table = TicketModel.Meta.table_name
    now = city.clock()
    for i in range(start, start + n):
        item = TicketModel(
            new_ticket_id(now - i), code=f"{i:013d}", created_at=now, updated_at=now,
            type="complaint", region_code="369902001001", description="测试工单",
            citizen_id=f"wx:b{i % 500}", phone="+8613812345678", channel="wechat",
            status="closed", category="A1001", unit_id=rng.choice(city.units), version=1)
        backend.put_item(table, item.serialize())


def write_counters(city, total: int, rng: random.Random) -> None:
    """The counters ``total`` tickets would give. Round-robin over unit, day and category, so
    from 3,780 tickets on (42 units x 30 days x 3 categories) every counter key exists: more
    tickets make bigger numbers, not more items."""
    from chalicelib.services import measures

    sums: dict = {}
    regions = ["369902001001", "369902001000", "369902000000", "369900000000"]
    for i in range(total):
        n_units = len(city.units)
        unit = city.units[i % n_units]
        day = NOVEMBER[(i // n_units) % len(NOVEMBER)].isoformat()
        cat = ("A1001", "A0101", "B0201")[(i // (n_units * len(NOVEMBER))) % 3]
        major = cat[:3]
        on_time = rng.random() < 0.8
        # as the consumer stores them: the ticket's own place and category (the levels above
        # are summed when a report reads the day: domain/measures/rollup.py)
        keys = [("unit", unit), ("unitcat", f"{unit}|{major}"), ("category", cat),
                ("place", regions[i % len(regions)])]
        for scope, sid in keys:
            c = sums.setdefault((scope, day), {}).setdefault(sid, {})
            for name in ("received", "assigned", "signed", "signed_on_time", "replied",
                         "evaluated") + (("replied_on_time", "satisfied", "responded",
                                          "resolved_yes") if on_time else ()):
                c[name] = c.get(name, 0) + 1
            c["resolved_asked"] = c.get("resolved_asked", 0) + 1
    store = measures.store()
    for (scope, day), counters in sums.items():
        store.replace_day(scope, day, counters, city.clock())


def month_report(city) -> tuple:
    from chalicelib.services import measures
    from chalicelib.services.staff_auth import StaffUser

    leader = StaffUser("lead_city_sun", "u-gov-city", frozenset({"leader"}))
    store = measures.store()
    store.items_read = store.queries = 0
    calls.reset()
    report = measures.report(leader, scope="unit", start="2026-11-01", end="2026-11-30",
                             granularity="month")
    return report, dict(calls.counts), store.items_read, store.queries


def _tickets_table() -> str:
    from chalicelib.adapters.models import TicketModel
    return TicketModel.Meta.table_name


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, nargs="+", default=[10000, 100000])
    args = parser.parse_args()
    rng = random.Random(12)
    results = []
    with demo_city(sms="record") as city, quiet_stdout():
        city.units = sorted(city.container.reference.units())
        stored = 0
        for size in sorted(args.tickets):
            with calls.paused():
                store_tickets(city, stored, size - stored, rng)
                stored = size
                write_counters(city, size, rng)
            report, counts, items, queries = month_report(city)
            received = report["periods"][0]["total"]["counters"].get("received")
            stored_now = city.container.client("dynamodb").describe_table(
                TableName=_tickets_table())["Table"]["ItemCount"]
            results.append((size, counts, items, queries, received, stored_now))
    for size, counts, items, queries, received, stored_now in results:
        from collections import Counter
        print(f"\n== {size} tickets ({stored_now} in the tickets table; "
              f"report total received: {received})")
        print(f"counter items read: {items} in {queries} queries "
              f"({len(city.units)} units, 30 days; previous month read for the change)")
        print(format_calls(Counter(counts), per=1, per_label="per report"))
    same = len({(r[2], r[3], tuple(sorted(r[1].items()))) for r in results}) == 1
    print(f"\nsame read count for every size: {same}")


if __name__ == "__main__":
    main()
