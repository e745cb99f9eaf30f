"""Measures: the timeline-stream consumer that keeps the counters, ``recompute``, and the
leaders' report (``GET /v1/staff/measures``).

The consumer the change stream calls is :func:`apply_timeline_entry` (one new timeline item, as
the stream's NewImage). It folds the ticket's timeline up to that entry into the snapshot the
pure :func:`domain.measures.counter_deltas` needs, and applies the deltas and pool changes once
(``adapters/counters.py``). :func:`recompute` rebuilds days from the timeline table with the
same fold, so both paths give the same counters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..adapters import keys, tickets_repo
from ..adapters.measure_counters import CounterStore, plain
from ..domain import measures as m
from ..domain import workflow
from ..domain.errors import Forbidden, ValidationError
from ..observability import count, logger
from ..wiring import container
from .sla_service import calendar, to_local

COUNTER_SET = "measures"
MAX_DAYS = 400
GRANULARITIES = ("day", "week", "month")
SCOPES = ("unit", "place", "category")
POOL_GRADES = ("C", "D")


def store() -> CounterStore:
    return container.counters


def weights() -> tuple[float, float, float]:
    return container.settings.measure_weights


# ------------------------------------------------------------------ rules from reference data
def rules() -> m.Rules:
    ref = container.reference

    def places(code: str) -> tuple[str, ...]:
        region = ref.region(code)
        return tuple(region.chain) if region and region.chain else (code,)

    def major(code: str | None) -> str | None:
        if not code:
            return None
        cat = ref.category(code)
        if cat is None:
            return code
        return cat.parent or cat.code

    def working_days(a: float, b: float) -> float:
        return calendar().working_days_between(to_local(a), to_local(b))

    return m.Rules(center=container.settings.center_unit, places=places, major=major,
                   working_days=working_days)


def to_entry(item) -> m.Entry:
    """A timeline item (PynamoDB model or a plain dict from a stream image) as a domain entry."""
    if tickets_repo.is_entry(item):
        return m.Entry(item.ticket_id, item.sk, float(item.at), item.kind, item.actor or "system",
                       item.actor_unit, item.data or {})
    data = item.get("data") or {}
    if isinstance(data, str):
        import json
        data = json.loads(data) if data else {}
    return m.Entry(item["ticket_id"], item["sk"], float(item["at"]), item["kind"],
                   item.get("actor") or "system", item.get("actor_unit"), data)


def _facts(ticket) -> m.TicketFacts:
    return m.TicketFacts(ticket.ticket_id, ticket.region_code, channel=ticket.channel)


# ------------------------------------------------------------------ the stream consumer
def apply_timeline_entry(new_image: dict) -> bool:
    """THE consumer for the timeline stream: one new timeline item (the record's NewImage, in
    DynamoDB JSON or plain) -> its counter deltas and monitoring-pool changes, applied once.
    Returns False when the entry was applied before (a replayed record changes nothing)."""
    entry = to_entry(plain(new_image))
    ticket = container.tickets.get(entry.ticket_id)
    if ticket is None:
        logger.warning("timeline entry of an unknown ticket", extra={"ticket_id": entry.ticket_id})
        return False
    timeline = [to_entry(e) for e in container.tickets.timeline(entry.ticket_id)]
    if all(e.sk != entry.sk for e in timeline):
        timeline.append(entry)
    r = rules()
    facts = m.snapshot_for(timeline, entry, _facts(ticket), r)
    deltas = m.counter_deltas(entry, facts, r)
    pool = pool_changes(entry, facts, ticket.code)
    applied = store().apply(keys.measure_applied(entry.ticket_id, entry.sk, COUNTER_SET), deltas,
                            pool, container.now())
    count("MeasureEntries", applied=str(applied).lower())
    return applied


def pool_changes(entry: m.Entry, facts: m.TicketFacts, code: str) -> list[tuple]:
    """Monitoring pool (工单监测池): a C or D grade puts the ticket on its unit's list; only an
    explicit close-out (销号, ``pool_closed``) takes it off."""
    data = entry.data or {}
    if entry.kind == "replied" and data.get("grade") in POOL_GRADES:
        unit = entry.actor_unit or facts.unit
        if unit:
            return [("put", unit, entry.ticket_id, {
                "code": code, "grade": data["grade"], "since": int(entry.at),
                "plan": data.get("plan"), "extended": bool(data.get("extended"))})]
    if entry.kind == "reopened":           # the citizen did not accept the result: grade D
        unit = data.get("unit_id") or facts.unit
        if unit:
            return [("put", unit, entry.ticket_id, {"code": code, "grade": "D",
                                                    "since": int(entry.at)})]
    if entry.kind == "pool_closed" and data.get("unit_id"):
        return [("delete", data["unit_id"], entry.ticket_id, None)]
    return []


# ------------------------------------------------------------------ recompute (admin)
def _day_bounds(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(0), tzinfo=to_local(0).tzinfo).timestamp()


def recompute(from_day: str, to_day: str) -> dict:
    """Rebuild every counter of [from_day, to_day] from the timeline table.

    Every delta is keyed on or before its entry's day, so only tickets with an entry on or after
    ``from_day`` can touch these days: their timelines are folded in full and the deltas that
    fall in the range replace the stored counters. Run it over days the stream has finished
    (a live entry applied while it runs may be overwritten). Scans the timeline table once."""
    start, end = _parse_day(from_day, "from_day"), _parse_day(to_day, "to_day")
    if end < start:
        raise ValidationError("to_day 不能早于 from_day", field="to_day", code="invalid_range")
    days = [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    wanted = set(days)
    since = _day_bounds(start)
    ticket_ids = store().tickets_with_entries_since(since)
    r = rules()
    sums: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for ticket_id in sorted(ticket_ids):
        ticket = container.tickets.get(ticket_id)
        if ticket is None:
            continue
        entries = [to_entry(e) for e in container.tickets.timeline(ticket_id)]
        _, steps = m.fold(entries, _facts(ticket), r)
        for _entry, deltas in steps:
            for key, name, delta in deltas:
                if key.day in wanted:
                    fields = sums.setdefault((key.scope, key.day), {}).setdefault(
                        key.scope_id, {})
                    fields[name] = fields.get(name, 0) + delta
    now = container.now()
    for scope in m.SCOPES:
        for day in days:
            counters = {sid: {k: v for k, v in f.items() if v}
                        for sid, f in sums.get((scope, day), {}).items()}
            store().replace_day(scope, day, {k: v for k, v in counters.items() if v}, now)
    count("MeasureRecomputes")
    return {"days": len(days), "tickets": len(ticket_ids)}


def _parse_day(value, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 \
            else _bad_day(name)
    except ValueError:
        return _bad_day(name)


def _bad_day(name: str):
    raise ValidationError(f"{name} 应为日期（YYYY-MM-DD）", field=name, code="invalid_date")


# ------------------------------------------------------------------ reading
class Reader:
    """Reads day counters once per (scope, day) for one report or job."""

    def __init__(self):
        self._days: dict[tuple[str, str], dict[str, dict]] = {}

    def day(self, scope: str, day: str) -> dict[str, dict]:
        """Every scope id's figures for the day: places and categories summed up from the
        leaves they are stored at (domain/measures/rollup.py)."""
        key = (scope, day)
        if key not in self._days:
            self._days[key] = m.roll_up(scope, store().day(scope, day), rules())
        return self._days[key]

    def sum(self, scope: str, start: dt.date, end: dt.date,
            ids: Iterable[str] | None = None) -> dict[str, dict]:
        wanted = set(ids) if ids is not None else None
        out: dict[str, dict] = {}
        d = start
        while d <= end:
            for sid, c in self.day(scope, d.isoformat()).items():
                if wanted is None or sid in wanted:
                    m.add_counters(out.setdefault(sid, {}), c)
            d += dt.timedelta(days=1)
        return out


def today() -> dt.date:
    return to_local(container.now()).date()


# ------------------------------------------------------------------ jurisdiction
def _viewer_root(user) -> tuple[str | None, str]:
    """(root unit, root region) the user may read; None unit = everything."""
    workflow.check_role(user, "measures")
    if workflow.sees_all(user):
        return None, _city_code()
    unit = container.reference.unit(user.unit_id)
    if unit is None:
        raise Forbidden("账号所属单位不存在", code="role_required")
    return unit.unit_id, unit.region_code


def _city_code() -> str:
    center = container.reference.unit(container.settings.center_unit)
    region = container.reference.region(center.region_code) if center else None
    return region.chain[-1] if region and region.chain else (
        center.region_code if center else "")


def units_under(root: str | None) -> list:
    return [u for u in container.reference.units().values()
            if root is None or root in (u.path or [u.unit_id])]


def regions_under(code: str) -> list:
    region = container.reference.region(code)
    if region is None:
        return []
    out, frontier = [region], [code]
    while frontier:
        parent = frontier.pop()
        for child in container.reference.region_children(parent):
            out.append(child)
            frontier.append(child.region_code)
    return out


def resolve_scope(user, scope: str, unit: str | None, place: str | None) -> dict:
    """The rows a user may read for this scope: 403 outside their jurisdiction."""
    root_unit, root_region = _viewer_root(user)
    if scope == "unit":
        target = unit or root_unit
        if target is not None and container.reference.unit(target) is None:
            raise ValidationError("未知的单位", field="unit", code="unknown_unit")
        if target is not None and root_unit is not None and root_unit not in (
                container.reference.unit(target).path or []):
            raise Forbidden("该单位不在您的管辖范围内", code="not_in_jurisdiction")
        rows = units_under(target)
        return {"root": target, "ids": {u.unit_id: u for u in rows}}
    if scope == "place":
        target = place or root_region
        region = container.reference.region(target) if target else None
        if region is None:
            raise ValidationError("未知的地区编码", field="place", code="unknown_region")
        if root_unit is not None and root_region not in (region.chain or []):
            raise Forbidden("该地区不在您的管辖范围内", code="not_in_jurisdiction")
        return {"root": target, "ids": {r.region_code: r for r in regions_under(target)}}
    if root_unit is not None and root_region != _city_code():
        raise Forbidden("分类统计为全市数据，只有市级领导可以查看", code="not_in_jurisdiction")
    cats = container.reference.categories()
    return {"root": None, "ids": dict(cats)}


def _name(scope: str, obj) -> tuple[str, str | None]:
    if scope == "unit":
        return obj.name, obj.level
    if scope == "place":
        return obj.name, obj.level
    return obj.name, "major" if not obj.parent else "minor"


# ------------------------------------------------------------------ the report
def report(user, *, scope: str | None, start: str | None, end: str | None,
           granularity: str | None, unit: str | None = None, place: str | None = None,
           rank_by: str | None = None, reader: Reader | None = None) -> dict:
    scope = scope or "unit"
    if scope not in SCOPES:
        raise ValidationError("scope 应为 unit / place / category", field="scope",
                              code="invalid_scope")
    granularity = granularity or "month"
    if granularity not in GRANULARITIES:
        raise ValidationError("granularity 应为 day / week / month", field="granularity",
                              code="invalid_granularity")
    end_day = _parse_day(end, "to") if end else today()
    start_day = _parse_day(start, "from") if start else end_day.replace(day=1)
    if end_day < start_day:
        raise ValidationError("to 不能早于 from", field="to", code="invalid_range")
    rank_by = rank_by or "composite"
    if rank_by not in RANKABLE:
        raise ValidationError("rank_by 应为可排名的指标之一", field="rank_by",
                              code="invalid_rank_by")
    cuts = m.periods(start_day, end_day, granularity)
    previous = m.previous_period(cuts[0], granularity)
    if (cuts[-1][1] - previous[0]).days > MAX_DAYS:
        raise ValidationError(f"查询区间不能超过 {MAX_DAYS} 天", field="from",
                              code="range_too_long")
    allowed = resolve_scope(user, scope, unit, place)
    reader = reader or Reader()
    w = weights()
    out_periods = []
    prev_values = _period_values(scope, allowed, previous, reader, w, rank_by)[1]
    for cut in cuts:
        rows, values, total = _period_values(scope, allowed, cut, reader, w, rank_by)
        ranking = m.rank(values, prev_values)
        for row in rows:
            row["ranking"] = ranking.get(row["id"])
        if scope == "unit":
            _case_mix(rows, cut, reader, w)
        rows.sort(key=lambda r: (r["ranking"]["rank"] is None, r["ranking"]["rank"] or 0,
                                 r["id"]))
        out_periods.append({"from": cut[0].isoformat(), "to": cut[1].isoformat(),
                            "total": total, "rows": rows})
        prev_values = values
    return {"scope": scope, "root": allowed["root"], "granularity": granularity,
            "from": start_day.isoformat(), "to": end_day.isoformat(), "rank_by": rank_by,
            "weights": {"response": w[0], "resolution": w[1], "satisfaction": w[2]},
            "periods": out_periods}


RANKABLE = ("composite", "center_timely_acceptance", "unit_timely_signin",
            "on_time_completion", "evaluation_participation", "online_share",
            "center_satisfaction", "unit_satisfaction", "response_rate", "resolution_rate",
            "satisfaction_rate", "first_contact_30min", "first_time_resolution")


def _period_values(scope, allowed, cut, reader, w, rank_by):
    ids = allowed["ids"]
    sums = reader.sum(scope, cut[0], cut[1], ids)
    rows, values = [], {}
    for sid, obj in ids.items():
        c = sums.get(sid, {})
        if not c and scope == "category":
            continue
        name, level = _name(scope, obj)
        measures = m.rates(c, w)
        rows.append({"id": sid, "name": name, "level": level, "counters": c,
                     "measures": measures})
        values[sid] = measures.get(rank_by)
    if scope == "place":
        total_counters = dict(sums.get(allowed["root"], {}))
    elif scope == "category":
        total_counters = {}
        for sid, c in sums.items():
            if sid in ids and not ids[sid].parent:
                m.add_counters(total_counters, c)
    else:
        total_counters = {}
        for c in sums.values():
            m.add_counters(total_counters, c)
    total = {"counters": total_counters, "measures": m.rates(total_counters, w)}
    return rows, values, total


def _case_mix(rows: list[dict], cut, reader: Reader, w) -> None:
    unitcat = reader.sum("unitcat", cut[0], cut[1])
    city_cats = reader.sum("category", cut[0], cut[1])
    city = reader.sum("place", cut[0], cut[1], [_city_code()]).get(_city_code(), {})
    by_unit: dict[str, dict] = {}
    for sid, c in unitcat.items():
        unit_id, _, major = sid.partition("|")
        by_unit.setdefault(unit_id, {})[major] = c
    values = {}
    for row in rows:
        mix = m.case_mix(by_unit.get(row["id"], {}), city_cats, city, w)
        row["case_mix"] = mix
        values[row["id"]] = mix["composite"]["adjusted"]
    ranking = m.rank(values, {})
    for row in rows:
        row["ranking_adjusted"] = {k: v for k, v in ranking[row["id"]].items() if k != "change"}
