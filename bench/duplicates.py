"""Finding duplicate candidates (``services.duplicates.find_candidates``) with 10k and 100k stored
tickets: AWS calls and items read (DynamoDB's ScannedCount) per search, on in-process moto.

    .venv/bin/python bench/duplicates.py                         # 10k and 100k stored
    .venv/bin/python bench/duplicates.py --stored 10000 --nearby 12 24

The report searched for is a street light (路灯照明, A0106) in 红旗社区. The stored tickets are
the city's history: 95% closed (the duplicate keys are gone, as the app leaves them), 5% open,
all at least 5 km from the light, in the other villages, of any category, created over the last
year. ``--nearby`` open street-light tickets are placed within 450 m of the light in the last
20 days, half of them with similar text. Setup is not counted; each search is run 5 times and
the calls of one search are printed. Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time

import _harness  # noqa: F401 - first: sets the environment, installs the call counter
from _harness import REPO, calls, demo_city, quiet_stdout

LIGHT = (25.8500, 114.9300)
HONGQI = "369902001001"
LIGHTS = "A0106"
SIMILAR = "红旗大道路灯坏了不亮，晚上黑乎乎的"
UNRELATED = "红旗大道的路灯杆被车撞歪了，需要扶正"
DAY = 86400


def _moved(lat: float, lng: float, metres: float, bearing: float) -> tuple[float, float]:
    dlat = metres * math.cos(math.radians(bearing)) / 111_195
    dlng = metres * math.sin(math.radians(bearing)) / (111_195 * math.cos(math.radians(lat)))
    return lat + dlat, lng + dlng


def _villages() -> list[str]:
    city = json.loads((REPO / "data" / "demo_city.json").read_text(encoding="utf-8"))
    return [r["code"] for r in city["regions"] if r["level"] == "village" and r["code"] != HONGQI]


def _minor_categories() -> list[str]:
    cats = json.loads((REPO / "data" / "categories.json").read_text(encoding="utf-8"))
    items = cats if isinstance(cats, list) else cats.get("categories", [])
    return [c["code"] for major in items for c in major.get("children", [])]


def _ticket(i: int, *, now: float, lat: float, lng: float, category: str, region: str,
            text: str, status: str, age: float, keyed: bool):
    from chalicelib.adapters.models import LocationMap, TicketModel
    from chalicelib.domain import duplicates as rules
    from chalicelib.services.duplicates import settings_rules
    point = rules.Point(lat, lng)
    t = TicketModel(f"BENCH{i:021d}", code=f"{i:013d}", version=1, created_at=now - age,
                    updated_at=now - age, type="complaint", category=category, region_code=region,
                    description=text, citizen_id=f"tel:+86139{i:08d}", phone=f"+86139{i:08d}",
                    channel="wechat", status=status, location=LocationMap(lat=lat, lng=lng))
    if keyed:
        t.dup_cell = rules.cell_key(category, point, settings_rules())
        t.dup_place = rules.place_key(category, region)
    return t


class _Backend:
    """Bulk setup straight into moto's DynamoDB backend (the HTTP round trip per 25 items is
    what made a 100k setup slow); the searches measured go through the app's code and boto."""

    def __init__(self):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        from chalicelib.adapters.models import TicketModel
        self._backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][TicketModel.Meta.region]
        self._table = TicketModel.Meta.table_name

    def save(self, ticket) -> None:
        self._backend.put_item(self._table, ticket.serialize())


def populate(stored: int, nearby: int, now: float, seed: int = 13) -> None:
    rng = random.Random(seed)
    villages, categories = _villages(), _minor_categories()
    table = _Backend()
    for i in range(stored):
        lat, lng = _moved(*LIGHT, rng.uniform(5_000, 25_000), rng.uniform(0, 360))
        is_open = rng.random() < 0.05
        table.save(_ticket(i, now=now, lat=lat, lng=lng, category=rng.choice(categories),
                           region=rng.choice(villages), text=SIMILAR,
                           status="dispatched" if is_open else "closed",
                           age=rng.uniform(0, 365) * DAY, keyed=is_open))
    for j in range(nearby):
        lat, lng = _moved(*LIGHT, rng.uniform(30, 450), rng.uniform(0, 360))
        table.save(_ticket(stored + j, now=now, lat=lat, lng=lng, category=LIGHTS,
                           region=HONGQI, text=SIMILAR if j % 2 == 0 else UNRELATED,
                           status="dispatched", age=rng.uniform(0, 20) * DAY, keyed=True))


def measure(stored: int, nearby: int) -> dict:
    with demo_city(sms="record") as city:
        from chalicelib.adapters.models import LocationMap, TicketModel
        from chalicelib.services import duplicates
        now = city.clock()
        started = time.perf_counter()
        with calls.paused():
            populate(stored, nearby, now)
        setup_s = time.perf_counter() - started
        new = TicketModel("NEWREPORT0000000000000000", code="0", created_at=now,
                          category=LIGHTS, region_code=HONGQI, status="submitted",
                          description="红旗大道12号路灯不亮了，晚上很黑", phone="+8613812345678",
                          location=LocationMap(lat=LIGHT[0], lng=LIGHT[1]))
        results = []
        for _ in range(5):
            calls.reset()
            with quiet_stdout():
                found = duplicates.find_candidates(new, now)
            results.append((sum(calls.counts.values()), sum(calls.items_read.values()),
                            len(found), dict(calls.counts)))
        assert len({r[:3] for r in results}) == 1, results
        n_calls, read, found, counts = results[0]
        return {"stored": stored, "nearby": nearby, "calls": n_calls, "items_read": read,
                "candidates": found, "by_call": counts, "setup_s": round(setup_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stored", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--nearby", type=int, nargs="+", default=[12])
    args = parser.parse_args()
    rows = [measure(s, n) for s in args.stored for n in args.nearby]
    print(f"{'stored':>8} {'nearby open':>12} {'calls':>6} {'items read':>11} "
          f"{'candidates':>11}")
    for r in rows:
        print(f"{r['stored']:>8} {r['nearby']:>12} {r['calls']:>6} {r['items_read']:>11} "
              f"{r['candidates']:>11}")
    print("calls of one search:", {" ".join(filter(None, k)): v
                                    for k, v in rows[0]["by_call"].items()})


if __name__ == "__main__":
    main()
