"""What grows with stored tickets: DynamoDB items read (and calls) per job and per list, with the
same work at two sizes of history.

    .venv/bin/python bench/scale.py                      # 10,000 and 100,000 stored tickets
    .venv/bin/python bench/scale.py --sizes 2000,20000   # quicker

For each size N, a fresh in-process moto demo city gets N tickets written straight to the table
(not counted): 80% closed, 20% an open backlog (status ``accepted``, reply deadlines 10-60 days
out, spread over the 8 villages' units), and N/100 category corrections learned by the classifier
(``dispatch.learn``). The work is the same at every N: 20 red tickets (past their deadline), 20
yellow ones (due within 24 hours) and 20 unsigned (``dispatched``) tickets in 红旗社区's queue.
Measured, each from a cold cache:

- queue: ``staff.queue(status="dispatched", limit=20)`` for 红旗社区, page after page until the
  cursor ends (the "calls" are API calls, i.e. pages);
- gauges: ``stats.open_ticket_gauges()`` (the 15-minute job);
- classifier build: ``dispatch.classifier()`` after ``reset_classifier()`` (a cold start).

- supervision list: ``supervision.supervision_list`` for 红旗's township leader, 20 a page,
  page after page; 2% of the closed tickets had gone overdue (their entries on their village's
  and 红旗's closed lists, where ``supervision.forget`` moved them), the 20 red tickets are on
  the live list.

Items read = ScannedCount of each Query/Scan (COUNT queries included) + items
returned by GetItem/BatchGetItem. The last line prints each ratio (items at the largest N over
items at the smallest).
"""

from __future__ import annotations

import argparse
import json
import random

import _harness  # noqa: F401  (first: environment, call counter)
from _harness import calls, demo_city, quiet_stdout

DAY = 86400
HONGQI_UNIT = "u-vil-hongqi"
HONGQI = "369902001001"
HONGQI_TOWNSHIP = "u-twp-hongqi"


def _villages(city) -> list[tuple[str, str]]:
    """(unit id, region code) of the village units."""
    from chalicelib.wiring import container

    out = []
    for unit in container.reference.units().values():
        if unit.level == "village":
            out.append((unit.unit_id, unit.region_code))
    return sorted(out)


def _ticket(i: int, now: float, status: str, unit: str, region: str, deadline: float | None):
    from chalicelib.adapters.models import TicketModel
    from chalicelib.services import lifecycle

    t = TicketModel(f"T{i:09d}", code=f"261123{i:06d}", version=3, created_at=now - 20 * DAY,
                    updated_at=now - DAY, type="complaint", category="A1001",
                    category_source="citizen", region_code=region,
                    description="小区物业不作为，楼道垃圾一周没人清理",
                    citizen_id=f"wx:c{i % 5000}",
                    phone="+8613812345678", channel="wechat", status=status, level="village",
                    unit_id=unit, unit_path=[unit], clock_start_at=now - 20 * DAY)
    if status == "closed":
        t.closed_at = now - DAY
        t.replied_at = now - 2 * DAY
    elif status == "accepted":
        t.signed_at = now - 19 * DAY
        t.due_at = int(deadline)
    else:                                   # dispatched: the sign-in deadline is next
        t.sign_due_at = int(deadline)
        t.due_at = int(deadline + 4 * DAY)
    lifecycle.refresh_open_keys(t)
    return t


def populate(n: int, now: float, rng: random.Random) -> None:
    from chalicelib.adapters import keys
    from chalicelib.adapters.models import RegistryModel, TicketModel

    villages = _villages(None)
    with calls.paused(), TicketModel.batch_write() as batch:
        for i in range(n):
            unit, region = villages[i % len(villages)]
            if i % 5 == 0:                 # 20% open backlog, far from its deadline
                batch.save(_ticket(i, now, "accepted", unit, region,
                                   now + rng.uniform(10, 60) * DAY))
            else:
                batch.save(_ticket(i, now, "closed", unit, region, None))
    # the to-supervise lists: 2% of the closed tickets had gone overdue, and their entries moved
    # to the units' closed lists when they closed (services/supervision.forget); the 20 red
    # tickets of 红旗社区 are on its live list and its township's
    with calls.paused(), RegistryModel.batch_write() as batch:
        for i in range(0, n, 50):
            if i % 5 != 0:                 # a closed one: on its village's and 红旗's lists
                unit, _ = villages[i % len(villages)]
                for on in (unit, HONGQI_TOWNSHIP):
                    batch.save(RegistryModel(keys.supervised(on), f"T{i:09d}",
                                             updated_at=now - DAY,
                                             data={"missed": "sign", "closed_at": int(now)}))
        for k in range(20):
            for unit in (HONGQI_UNIT, HONGQI_TOWNSHIP):
                batch.save(RegistryModel(keys.supervise(unit), f"T{n + k:09d}",
                                         updated_at=now - k, data={"missed": "reply"}))
    with calls.paused(), TicketModel.batch_write() as batch:
        base = n
        for k in range(20):                # the same work at every size
            batch.save(_ticket(base + k, now, "accepted", HONGQI_UNIT, HONGQI,
                               now - rng.uniform(1, 5) * DAY))          # red
            batch.save(_ticket(base + 20 + k, now, "accepted", HONGQI_UNIT, HONGQI,
                               now + rng.uniform(0.1, 0.9) * DAY))      # yellow
            batch.save(_ticket(base + 40 + k, now, "dispatched", HONGQI_UNIT, HONGQI,
                               now + rng.uniform(1, 60) * DAY))         # 红旗 queue


def learn_corrections(n: int, now: float) -> None:
    from chalicelib.domain.catalog import load_routed_examples
    from chalicelib.services import dispatch

    examples = load_routed_examples()
    with calls.paused():
        for k in range(n // 100):
            text, category = examples[k % len(examples)]
            dispatch.learn(f"{text}（{k}）", category, now, f"L{k:09d}")


def measure(label: str, work) -> dict:
    calls.reset()
    with quiet_stdout():
        work()
    return {"calls": calls.total, "items": sum(calls.items.values()),
            "by_call": {" ".join(k): v for k, v in calls.counts.items()}}


def run(n: int) -> dict:
    rng = random.Random(16)
    with demo_city(sms="record") as city:
        from chalicelib.services import dispatch, staff, stats, supervision
        from chalicelib.services.staff_auth import StaffUser
        from chalicelib.wiring import container

        now = city.clock()
        populate(n, now, rng)
        learn_corrections(n, now)
        handler = StaffUser("h_vil_hongqi_chen", HONGQI_UNIT, frozenset({"handler"}))
        with calls.paused():
            container.reference.units()        # reference caches warm: not what is measured
        seen: list[str] = []

        def queue():
            cursor, pages = None, 0
            while True:
                page = staff.queue(handler, status="dispatched", light=None, cursor=cursor,
                                   unit=None, limit="20")
                seen.extend(i["id"] for i in page["items"])
                pages += 1
                cursor = page["cursor"]
                if not cursor:
                    break
            return pages

        out = {"stored": n}
        pages = {}
        q = measure("queue", lambda: pages.setdefault("n", queue()))
        q["pages"] = pages["n"]
        assert len(seen) == 20, len(seen)
        out["queue ?status=dispatched"] = q
        out["gauges job"] = measure("gauges", stats.open_ticket_gauges)
        leader = StaffUser("l_twp_hongqi", HONGQI_TOWNSHIP, frozenset({"leader"}))
        listed: list[str] = []

        def supervision_pages():
            cursor = None
            while True:
                page = supervision.supervision_list(leader, limit="20", cursor=cursor)
                listed.extend(i["id"] for i in page["items"])
                cursor = page["cursor"]
                if not cursor:
                    break
        out["supervision list"] = measure("supervision", supervision_pages)
        assert len(listed) == 20, len(listed)

        def build():
            dispatch.reset_classifier()
            dispatch.classifier()
        with calls.paused():
            container.reference.categories()
        out["classifier build"] = measure("classifier", build)
        return out


def main() -> None:
    # moto's own per-item costs (serializing every attribute, copying whole tables before each
    # transaction) would make populating 100,000 tickets take hours: the same patches as the
    # integration tier (scripts/moto_fast.py; tests/unit/test_moto_fast.py keeps them exact)
    from scripts.moto_fast import patch_serializer, patch_transactions
    patch_serializer()
    patch_transactions()
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = [run(n) for n in sizes]
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    first, last = results[0], results[-1]
    ratios = {k: round(last[k]["items"] / max(first[k]["items"], 1), 2)
              for k in first if k != "stored"}
    print(json.dumps({"items ratio": ratios, "sizes": sizes}))


if __name__ == "__main__":
    main()
