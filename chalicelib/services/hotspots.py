"""Hotspots (热点预警, 淮安): a major category above 10% of a period's tickets, a minor category
above 5%, or a place x category whose week is far above its usual weeks.

Checked every hour for the current week and the current month (to date), from the counters:
category counters against the city's total for the share rules, place x major category
counters against the previous weeks for the surge rule. Each hotspot is recorded once per
period (``HotspotDetected``: the record, a metric, and an SMS to the leaders of the place: the
government unit of that place; the city's for a city-wide share). Thresholds and the minimum
volume are configuration (``MINYI_HOTSPOT_RULES``; defaults in ``domain.measures``).
"""

from __future__ import annotations

import datetime as dt

from ..adapters.measure_counters import HotspotStore
from ..domain import measures as m
from ..domain.errors import ValidationError
from ..observability import count, logger
from ..wiring import container
from . import measures, notify


def store() -> HotspotStore:
    return container.hotspot_records


def rules() -> m.HotspotRules:
    try:
        return m.HotspotRules(**container.settings.hotspot_rules)
    except TypeError as exc:
        raise ValueError(f"MINYI_HOTSPOT_RULES: {exc}") from None


def period_id(granularity: str, start: dt.date) -> str:
    if granularity == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%Y-%m")


def detect(today: dt.date, reader: measures.Reader | None = None) -> list[dict]:
    """Every hotspot of the week and the month that contain ``today`` (to date)."""
    reader = reader or measures.Reader()
    r = rules()
    cats = container.reference.categories()
    city = measures._city_code()
    found = []
    for granularity in ("week", "month"):
        start = m.period_start(today, granularity)
        pid = period_id(granularity, start)
        total = reader.sum("place", start, today, [city]).get(city, {}).get("received", 0)
        by_cat = {code: c.get("received", 0)
                  for code, c in reader.sum("category", start, today).items()}
        for hit in m.share_hotspots(by_cat, total, lambda c: not (cats.get(c) and
                                                                  cats[c].parent), r):
            found.append({**hit, "period": pid, "granularity": granularity, "place": city,
                          "from": start.isoformat(), "to": today.isoformat()})
    week = m.period_start(today, "week")
    this_week = {k: c.get("received", 0)
                 for k, c in reader.sum("placecat", week, today).items()}
    usual: dict[str, list[float]] = {}
    for i in range(1, r.surge_weeks + 1):
        start = week - dt.timedelta(days=7 * i)
        sums = reader.sum("placecat", start, start + dt.timedelta(days=6), this_week)
        for pair in this_week:
            usual.setdefault(pair, []).append(float(sums.get(pair, {}).get("received", 0)))
    for hit in m.surge_hotspots(this_week, usual, r):
        found.append({**hit, "period": period_id("week", week), "granularity": "week",
                      "from": week.isoformat(), "to": today.isoformat()})
    return found


def _key(hit: dict) -> str:
    return f"{hit['period']}#{hit['kind']}#{hit['place']}#{hit['category']}"


def run_due(now: float | None = None) -> dict:
    """Record each new hotspot once per period and tell the leaders of its place."""
    now = container.now() if now is None else now
    today = measures.to_local(now).date()
    raised = 0
    for hit in detect(today):
        if not store().record(_key(hit), {**hit, "detected_at": int(now)}, now):
            continue
        raised += 1
        count("HotspotDetected", kind=hit["kind"])
        logger.info("HotspotDetected", extra={"hotspot": hit})
        text = notify.hotspot(_place_name(hit["place"]), _category_name(hit["category"]),
                              _detail(hit))
        for unit in leaders_of(hit["place"]):
            notify.send_now(unit.duty_phone, text, kind="hotspot")
    return {"raised": raised}


def leaders_of(place: str) -> list:
    return [u for u in container.reference.units().values()
            if u.kind == "government" and u.region_code == place and u.duty_phone]


def _place_name(code: str) -> str:
    region = container.reference.region(code)
    return region.name if region else code


def _category_name(code: str) -> str:
    cat = container.reference.category(code)
    return cat.name if cat else code


def _detail(hit: dict) -> str:
    span = "本周" if hit["granularity"] == "week" else "本月"
    if hit["kind"] == "surge":
        return f"{span}已达{hit['count']}件，为往周平均（{hit['usual']}件）的数倍"
    share, limit = hit["share"] * 100, hit["threshold"] * 100
    return f"{span}{hit['count']}件，占全部诉求{share:.1f}%（预警线{limit:.0f}%）"


def count_current(now: float) -> int:
    today = measures.to_local(now).date()
    week, month = m.period_start(today, "week"), m.period_start(today, "month")
    return sum(len(store().between(pid, pid)) for pid in (period_id("week", week),
                                                           period_id("month", month)))


def list_hotspots(user, *, start: str | None, end: str | None) -> dict:
    """``GET /v1/staff/hotspots?from=&to=``: hotspots of the periods overlapping the range, in
    the user's jurisdiction (a place hotspot below it, or a city-wide one)."""
    root_unit, root_region = measures._viewer_root(user)
    end_day = measures._parse_day(end, "to") if end else measures.today()
    start_day = measures._parse_day(start, "from") if start else end_day.replace(day=1)
    if end_day < start_day:
        raise ValidationError("to 不能早于 from", field="to", code="invalid_range")
    items = []
    for hit in store().between(min(period_id("week", m.period_start(start_day, "week")),
                                   period_id("month", start_day)),
                               max(period_id("week", m.period_start(end_day, "week")),
                                   period_id("month", end_day))):
        if hit["to"] < start_day.isoformat() or hit["from"] > end_day.isoformat():
            continue
        region = container.reference.region(hit["place"])
        chain = list(region.chain) if region else [hit["place"]]
        if root_unit is not None and root_region not in chain and hit["place"] != \
                measures._city_code():
            continue
        hit["place_name"] = _place_name(hit["place"])
        hit["category_name"] = _category_name(hit["category"])
        items.append(hit)
    items.sort(key=lambda h: (h["from"], h["id"]))
    return {"from": start_day.isoformat(), "to": end_day.isoformat(), "items": items}
