"""In-memory fakes of the repositories the composition root (chalicelib/wiring.py) hands to
services: the same methods, kept in dicts, no network. The ticket and timeline records are the
real record classes, built in memory and never saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from chalicelib.adapters.markers import EntryClaim
from chalicelib.adapters.supervision_repo import SupervisionEntry
from chalicelib.adapters.survey_repo import OpenSurvey
from chalicelib.adapters.tickets_repo import new_ticket
from chalicelib.domain.catalog import (
    DATA_DIR,
    load_categories,
    load_demo_city,
    region_chain,
    unit_ladder,
)
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.escalation import PARKED_PREFIX


class FakeTickets:
    """The ticket repository: versioned saves (a stale version is a 409, as the transaction's
    condition makes it), the timeline per ticket, and the index queries services use."""

    def __init__(self):
        self.items: dict = {}
        self.timelines: dict[str, list] = {}
        self.writes = 0
        self.reads_by_id = 0            # tickets read by get/get_many

    def add(self, ticket_id: str, **fields):
        """A ticket as a test fixture (stored at version 1)."""
        ticket = new_ticket(ticket_id, version=1, **fields)
        self.items[ticket_id] = ticket
        return ticket

    def _commit(self, ticket, entries, *, new: bool) -> None:
        stored = self.items.get(ticket.ticket_id)
        if new and stored is not None:
            raise VersionConflict("工单已存在")
        if not new and (stored is None or stored.version != ticket.version):
            raise VersionConflict()
        ticket.version = int(ticket.version or 0) + 1 if not new else 1
        self.items[ticket.ticket_id] = ticket
        self.timelines.setdefault(ticket.ticket_id, []).extend(entries)
        self.writes += 1

    def create(self, ticket, events, marker=None, now=None) -> None:
        self._commit(ticket, list(events), new=True)

    def save(self, ticket, events, marker=None, now=None) -> None:
        self.save_all([(ticket, events)], marker=marker, now=now)

    def save_all(self, changes, marker=None, now=None) -> None:
        changes = [(t, list(e)) for t, e in changes]
        for ticket, _ in changes:            # all or nothing
            stored = self.items.get(ticket.ticket_id)
            if stored is None or stored.version != ticket.version:
                raise VersionConflict()
        for ticket, entries in changes:
            self._commit(ticket, entries, new=False)

    PLAN_KEYS = ("esc_plan", "esc_step", "deadline_at", "deadline_shard", "status_deadline")

    def store_plan(self, ticket, read_step) -> bool:
        """The escalation keys only, no new version, as the real conditional update does."""
        stored = self.items.get(ticket.ticket_id)
        if (stored is None or stored.version != ticket.version or stored.esc_plan is not None
                or stored.esc_step != read_step):
            return False
        for name in self.PLAN_KEYS:
            setattr(stored, name, getattr(ticket, name))
        self.writes += 1
        return True

    def get(self, ticket_id: str):
        self.reads_by_id += 1
        stored = self.items.get(ticket_id)
        if stored is None:
            return None
        return type(stored)(ticket_id, **{k: v for k, v in stored.attribute_values.items()
                                          if k != "ticket_id"})

    def get_many(self, ticket_ids) -> dict:
        return {i: self.get(i) for i in dict.fromkeys(ticket_ids) if i in self.items}

    def timeline(self, ticket_id: str) -> list:
        return list(self.timelines.get(ticket_id, []))

    def count_due(self, shard: str, *, before=None, between=None) -> int:
        on_shard = [t for t in self.items.values() if t.deadline_shard == shard]
        if before is not None:
            return sum(1 for t in on_shard if t.deadline_at < before)
        if between is not None:
            return sum(1 for t in on_shard if between[0] <= t.deadline_at <= between[1])
        return len(on_shard)

    def unit_open_tickets(self, unit_id: str, limit: int, cursor=None, filter_condition=None):
        """The sparse ``by_unit_deadline`` index: a unit's open tickets, soonest first."""
        found = sorted((t for t in self.items.values() if t.open_unit == unit_id),
                       key=lambda t: t.deadline_at or 0)
        return [self.get(t.ticket_id) for t in found[:limit]], None

    def due_callbacks(self, shard: str, now: float, limit: int):
        due = sorted((t for t in self.items.values() if t.callback_shard == shard
                      and t.callback_at is not None and t.callback_at <= int(now)),
                     key=lambda t: t.callback_at)
        return due[:limit]


@dataclass
class FakeSupervision:
    rows: dict = field(default_factory=dict)

    def put(self, unit_id, ticket_id, data, at) -> None:
        self.rows[(unit_id, ticket_id)] = SupervisionEntry(ticket_id, dict(data), float(at))

    closed: dict = field(default_factory=dict)

    def entries(self, unit_id) -> list[SupervisionEntry]:
        return [e for (u, _), e in self.rows.items() if u == unit_id]

    def archive(self, unit_ids, ticket_id, at) -> int:
        moved = [u for u in unit_ids if (u, ticket_id) in self.rows]
        for u in moved:
            self.closed[(u, ticket_id)] = self.rows.pop((u, ticket_id))
        return len(moved)

    def page(self, unit_id, limit, cursor, include_closed=False):
        """The same order as the repository's; the cursor is a plain offset."""
        live = sorted(self.entries(unit_id), key=lambda e: (-e.updated_at, e.ticket_id))
        done = sorted((e for (u, _), e in self.closed.items() if u == unit_id),
                      key=lambda e: e.ticket_id, reverse=True)
        rows = live + (done if include_closed else [])
        start = int(cursor or 0)
        end = start + limit
        return rows[start:end], (str(end) if end < len(rows) else None)


@dataclass
class FakeSurveyRegistry:
    opted_out: dict = field(default_factory=dict)
    open: dict = field(default_factory=dict)

    def is_opted_out(self, phone) -> bool:
        return phone in self.opted_out

    def opt_out(self, phone, data, now) -> None:
        self.opted_out[phone] = data

    def open_for(self, phone):
        return self.open.get(phone)

    def point(self, phone, ticket_id, now, replacing) -> bool:
        current = self.open.get(phone)
        if (current is None) != (replacing is None) or (
                current is not None and current.version != replacing.version):
            return False
        self.open[phone] = OpenSurvey(phone, ticket_id, (current.version if current else 0) + 1)
        return True

    def remove(self, item) -> None:
        current = self.open.get(item.phone)
        if current is not None and current.version == item.version:
            del self.open[item.phone]


@dataclass
class FakeSettingsStore:
    overrides: dict = field(default_factory=dict)
    notices: dict = field(default_factory=dict)
    policies: dict = field(default_factory=dict)

    def calendar_overrides(self):
        return dict(self.overrides)

    def set_calendar_override(self, day, working, note, now) -> None:
        self.overrides[day] = working

    def notice_applied(self, year) -> bool:
        return year in self.notices

    def record_notice(self, year, data, now) -> None:
        self.notices[year] = data

    def sla_policies(self) -> dict:
        return dict(self.policies)

    def save_sla_policy(self, jurisdiction, data, now) -> None:
        self.policies[jurisdiction] = dict(data)


class FakeReference:
    """The demo city's reference data, read from data/ (files, no tables)."""

    def __init__(self):
        regions, units, rules, _ = load_demo_city(DATA_DIR / "demo_city.json")
        by_code, by_id = {r.code: r for r in regions}, {u.id: u for u in units}
        self._regions = {r.code: SimpleNamespace(region_code=r.code, name=r.name, level=r.level,
                                                 chain=region_chain(by_code, r.code))
                         for r in regions}
        self._units = {u.id: SimpleNamespace(unit_id=u.id, name=u.name, level=u.level,
                                             kind=u.kind, path=unit_ladder(by_id, u.id),
                                             duty_phone=u.duty_phone,
                                             duty_contacts=list(u.duty_contacts))
                       for u in units}

        self._categories = {c.code: c for c in load_categories()}
        self._rules = {(r["category"], r["region"]): SimpleNamespace(
            category=r["category"], region_code=r["region"], lead=r["lead"],
            co_units=list(r["co_units"])) for r in rules}

    def region(self, code):
        return self._regions.get(code)

    def regions(self):
        return dict(self._regions)

    def category(self, code):
        return self._categories.get(code)

    def categories(self):
        return dict(self._categories)

    def units(self):
        return self._units

    def unit(self, unit_id):
        return self._units.get(unit_id)

    def unit_name(self, unit_id) -> str:
        unit = self.unit(unit_id) if unit_id else None
        return unit.name if unit else (unit_id or "")

    def duty_rules(self, keys) -> dict:
        return {k: self._rules[k] for k in keys if k in self._rules}

    def clear(self) -> None:
        pass


def parked(shard: str) -> str:
    return PARKED_PREFIX + shard.split("#", 1)[-1]


class FakeMarkers:
    """Markers with a TTL: a claim holds until its expiry (adapters/markers.py). ``writes``
    lists every write asked of the table, conditional ones refused included (each costs a
    write unit in DynamoDB)."""

    def __init__(self):
        self.items: dict[str, tuple[float, dict]] = {}
        self.writes: list[tuple[str, str]] = []

    def claim(self, key, *, now, expires_at, data=None) -> bool:
        self.writes.append(("claim", key))
        held = self.items.get(key)
        if held is not None and held[0] >= now:
            return False
        self.items[key] = (expires_at, data or {"at": int(now)})
        return True

    def release(self, key) -> None:
        self.writes.append(("release", key))
        self.items.pop(key, None)

    def put(self, key, *, expires_at, data=None) -> None:
        self.writes.append(("put", key))
        self.items[key] = (expires_at, data)

    def live(self, key, now):
        held = self.items.get(key)
        if held is None or held[0] < now:
            return None
        return SimpleNamespace(pk=key, data=held[1])

    def claim_entry(self, key, *, now, lease_until, expires_at) -> EntryClaim:
        """One conditional write: free if absent, past its life or past its lease."""
        self.writes.append(("claim_entry", key))
        held = self.items.get(key)
        if held is not None and held[0] >= now and held[1]["lease_until"] >= now:
            return EntryClaim("done" if held[1]["state"] == "done" else "busy")
        done = held[1].get("done", ()) if held is not None and held[0] >= now else ()
        self.items[key] = (expires_at, {"state": "sending", "lease_until": lease_until,
                                        "done": list(done)})
        return EntryClaim("claimed", frozenset(done))

    def record_done(self, key, effect, *, complete, expires_at) -> None:
        self.writes.append(("record_done", key))
        life, held = self.items[key]
        held = {**held, "done": [*held.get("done", ()), effect]}
        if complete:
            life, held = expires_at, {**held, "state": "done", "lease_until": expires_at}
        self.items[key] = (life, held)

    def finish_entry(self, key, *, done, complete, expires_at) -> None:
        self.writes.append(("finish_entry", key))
        self.items[key] = (expires_at, {"state": "done", "lease_until": expires_at} if complete
                           else {"state": "released", "lease_until": 0, "done": sorted(done)})


class FakeWorkIndex:
    """adapters/work_repo.WorkIndex over the fake tickets: the sparse order-deadline index and
    the timeline feeds, read off what the fake repository holds."""

    def __init__(self, tickets: FakeTickets):
        self.tickets = tickets

    def orders_due(self, now, limit):
        due = sorted((t for t in self.tickets.items.values() if t.order_watch == "open"
                      and t.order_due_at is not None and t.order_due_at <= int(now)),
                     key=lambda t: t.order_due_at)
        return [self.tickets.get(t.ticket_id) for t in due[:limit]]

    def feed(self, name, since, limit):
        found = [e for entries in self.tickets.timelines.values() for e in entries
                 if e.feed == name and e.at >= since]
        return sorted(found, key=lambda e: -e.at)[:limit]
