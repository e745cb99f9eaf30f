"""Counters per timeline entry: the ticket's facts folded entry by entry, and the deltas each
entry moves (the attribution rules: the package's docstring)."""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from ..calendar import SHANGHAI

ONLINE_CHANNELS = frozenset({"wechat", "qr", "sms", "web"})     # vs phone, petition (visit)
LEVELS = ("village", "township", "county", "city")
GRADES = ("A", "B", "C", "D")
SCOPES = ("unit", "unitcat", "place", "category", "placecat")

VOLUME_FIELDS = ("received", "online")
CENTER_FIELDS = ("c_done", "c_on_time", "c_evaluated", "c_satisfied")
PERFORMANCE_FIELDS = (
    "assigned", "signed", "signed_on_time", "sign_missed", "contacted", "contacted_on_time",
    "responded", "replied", "replied_on_time", "overdue_new", "overdue_open", "extended",
    "returned", "reopened", "handle_wd", "handle_n", "closed", "closed_first", "evaluated",
    "not_evaluated", "satisfied", "resolved_yes", "resolved_asked", "excluded",
    *(f"grade_{g}" for g in GRADES), *(f"instr_{lv}" for lv in LEVELS),
)
FIELDS = VOLUME_FIELDS + CENTER_FIELDS + PERFORMANCE_FIELDS

DEFAULT_WEIGHTS = (0.30, 0.35, 0.35)      # 三率 composite: response, resolution, satisfaction


@dataclass(frozen=True)
class Key:
    scope: str
    scope_id: str
    day: str            # YYYY-MM-DD, Asia/Shanghai

    def __str__(self) -> str:
        return f"m#{self.scope}#{self.scope_id}#{self.day}"


@dataclass(frozen=True)
class Entry:
    """A timeline entry as the stream (or the timeline table) gives it."""

    ticket_id: str
    sk: str
    at: float
    kind: str
    actor: str = "system"
    actor_unit: str | None = None
    data: Mapping = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The change this entry belongs to (entries of one transaction share it)."""
        return self.sk.split("#", 1)[1].split(".", 1)[0] if "#" in self.sk else self.sk


@dataclass(frozen=True)
class Rules:
    """What the pure functions need from configuration: the center's unit id, the region chain
    and category parent lookups, and working-day arithmetic."""

    center: str
    places: Callable[[str], tuple[str, ...]]           # region code -> (self, parent, .., city)
    major: Callable[[str | None], str | None]          # category code -> its major category
    working_days: Callable[[float, float], float]      # epoch seconds -> working days between


@dataclass(frozen=True)
class TicketFacts:
    """What the ticket's earlier timeline entries established (the "ticket snapshot")."""

    ticket_id: str
    region_code: str
    channel: str | None = None
    category: str | None = None
    unit: str | None = None               # who holds it now
    assigned_at: float | None = None
    sign_missed: bool = False             # the holder missed its sign-in deadline
    signed_day: str | None = None
    signed_on_time: bool = False
    contacted: bool = False
    replied: bool = False
    center_done: bool = False
    center_late: bool = False
    overdue_day: str | None = None        # the day it went overdue at the holder, until replied
    overdue_unit: str | None = None
    reopen_count: int = 0
    excluded: str | None = None           # review | malicious | merged
    # what this ticket contributes with no exclusion, the exclusion marks, what is counted now
    contrib: Mapping = field(default_factory=dict)
    marks: Mapping = field(default_factory=dict)
    shown: Mapping = field(default_factory=dict)


Delta = tuple[Key, str, int]


def local_day(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, SHANGHAI).date().isoformat()


def _unit_of(data: Mapping, *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _category_of(entry: Entry) -> str | None:
    data = entry.data or {}
    if entry.kind == "dispatched":
        return data.get("category") or None
    if entry.kind == "review_queued" and "suggested" in data:
        return data.get("suggested") or None
    return None


class _Out:
    """Collects the deltas of one entry for a ticket, routing each field to its scopes."""

    def __init__(self, facts: TicketFacts, rules: Rules, day: str):
        self.facts, self.rules, self.day = facts, rules, day
        self.deltas: list[Delta] = []

    def _keys(self, unit: str | None, day: str, *, center: bool = False) -> list[Key]:
        f, rules = self.facts, self.rules
        major = rules.major(f.category)
        # places and categories at the leaf only: a read sums them up the hierarchy (rollup.py)
        places = rules.places(f.region_code)
        keys = [Key("place", places[0], day)] if places else []
        if f.category:
            keys.append(Key("category", f.category, day))
        target = rules.center if center else unit
        if target:
            keys.append(Key("unit", target, day))
            if not center and major:
                keys.append(Key("unitcat", f"{target}|{major}", day))
        return keys

    def add(self, name: str, unit: str | None, *, day: str | None = None, delta: int = 1,
            center: bool = False) -> None:
        for key in self._keys(unit, day or self.day, center=center):
            self.deltas.append((key, name, delta))

    def placecat(self) -> None:
        major = self.rules.major(self.facts.category)
        if not major:
            return
        places = self.rules.places(self.facts.region_code)
        if len(places) > 1:                  # below the city; a read sums it up (rollup.py)
            self.deltas.append((Key("placecat", f"{places[0]}|{major}", self.day),
                                "received", 1))


def _excluded_fields(reason: str | None) -> frozenset:
    if reason == "merged":
        return frozenset(FIELDS)
    if reason in ("review", "malicious"):
        return frozenset(PERFORMANCE_FIELDS) | {"c_evaluated", "c_satisfied"}
    return frozenset()


def counter_deltas(entry: Entry, facts: TicketFacts, rules: Rules) -> list[Delta]:
    """The counters one timeline entry moves, given what the earlier entries established."""
    return step(entry, facts, rules)[0]


def step(entry: Entry, facts: TicketFacts, rules: Rules) -> tuple[list[Delta], TicketFacts]:
    """One entry folded into the ticket's facts: (its counter deltas, the facts after it)."""
    data = entry.data or {}
    kind = entry.kind
    day = local_day(entry.at)
    category = _category_of(entry)
    if category:
        facts = replace(facts, category=category)
    out = _Out(facts, rules, day)
    f = facts
    changes: dict = {}

    if kind == "submitted":
        changes["channel"] = data.get("channel") or f.channel
        out.facts = f = replace(f, channel=changes["channel"])
        out.add("received", None, center=True)
        if f.channel in ONLINE_CHANNELS:
            out.add("online", None, center=True)
        out.placecat()
    elif kind in ("dispatched", "rejected"):
        if not f.center_done:
            changes["center_done"] = True
            out.add("c_done", None, center=True)
            if not f.center_late:
                out.add("c_on_time", None, center=True)
        if kind == "dispatched":
            unit = _unit_of(data, "unit_id")
            changes.update(_assigned(unit, entry.at))
            out.add("assigned", unit)
    elif kind == "signed":
        unit = entry.actor_unit or f.unit
        on_time = not f.sign_missed
        changes.update(signed_day=day, signed_on_time=on_time)
        out.add("signed", unit)
        if on_time:
            out.add("signed_on_time", unit)
    elif kind == "contacted":
        if data.get("first_contact") and not f.contacted:
            changes["contacted"] = True
            sign_day = f.signed_day or day
            out.add("contacted", f.unit, day=sign_day)
            if data.get("on_time"):
                out.add("contacted_on_time", f.unit, day=sign_day)
                if f.signed_on_time:
                    out.add("responded", f.unit, day=sign_day)
    elif kind == "replied":
        unit = entry.actor_unit or f.unit
        changes["replied"] = True
        out.add("replied", unit)
        if data.get("on_time"):
            out.add("replied_on_time", unit)
        grade = data.get("grade")
        if grade in GRADES:
            out.add(f"grade_{grade}", unit)
        if f.assigned_at is not None:
            days = max(rules.working_days(f.assigned_at, entry.at), 0.0)
            out.add("handle_wd", unit, delta=int(round(days * 100)))
            out.add("handle_n", unit)
        if f.overdue_day and f.overdue_unit == unit:
            out.add("overdue_open", unit, day=f.overdue_day, delta=-1)
            changes.update(overdue_day=None, overdue_unit=None)
    elif kind in ("escalated", "overdue"):
        from_unit = _unit_of(data, "from_unit", "unit_id") or f.unit
        manual = bool(data.get("manual"))
        if not manual:
            if from_unit == rules.center and not f.center_done:
                changes["center_late"] = True
            elif f.overdue_day is None or f.overdue_unit != from_unit:
                out.add("overdue_new", from_unit)
                out.add("overdue_open", from_unit)
                changes.update(overdue_day=day, overdue_unit=from_unit)
            if not f.signed_day and from_unit != rules.center:
                out.add("sign_missed", from_unit)
                changes["sign_missed"] = True
        to_unit = _unit_of(data, "to_unit")
        if kind == "escalated" and to_unit:
            changes.update(_assigned(to_unit, entry.at))
            if not manual:
                changes["sign_missed"] = False
            out.add("assigned", to_unit)
    elif kind == "extended":
        out.add("extended", f.unit)
    elif kind == "returned":
        unit = _unit_of(data, "from_unit") or f.unit
        out.add("returned", unit)
        changes.update(unit=rules.center, assigned_at=entry.at, sign_missed=False,
                       signed_day=None, signed_on_time=False, contacted=False)
    elif kind == "reopened":
        unit = _unit_of(data, "unit_id") or f.unit
        out.add("reopened", unit)
        changes.update(_assigned(unit, entry.at), reopen_count=f.reopen_count + 1,
                       replied=False)
    elif kind == "evaluated":
        if data.get("outcome") in ("satisfied", "dissatisfied"):
            satisfied = data["outcome"] == "satisfied"
            out.add("evaluated", f.unit)
            out.add("c_evaluated", None, center=True)
            if satisfied:
                out.add("satisfied", f.unit)
                out.add("c_satisfied", None, center=True)
            if data.get("resolved") is not None:
                out.add("resolved_asked", f.unit)
                if data.get("resolved"):
                    out.add("resolved_yes", f.unit)
    elif kind == "closed":
        out.add("closed", f.unit)
        evaluation = data.get("evaluation")
        if evaluation == "not_evaluated":
            out.add("not_evaluated", f.unit)
        if evaluation == "satisfied" and f.reopen_count == 0:
            out.add("closed_first", f.unit)
    elif kind == "instruction":
        level = data.get("level")
        if level in LEVELS:
            out.add(f"instr_{level}", f.unit)

    contrib = dict(f.contrib)
    for key, name, delta in out.deltas:
        contrib[(key, name)] = contrib.get((key, name), 0) + delta
    marks = dict(f.marks)
    excluded = f.excluded
    exclusion = _exclusion(kind, data)
    if exclusion == "include" and excluded:
        excluded, marks = None, {}
    elif exclusion and exclusion != "include" and not excluded:
        excluded = exclusion
        after = replace(f, **{k: v for k, v in changes.items() if k != "contrib"})
        marker = _Out(after, rules, day)
        marker.add("excluded", after.unit)
        for key, name, delta in marker.deltas:
            marks[(key, name)] = marks.get((key, name), 0) + delta
    # what should show now: every contribution not hidden by an exclusion, plus the exclusion
    # marks; emit the difference from what was shown before
    hidden = _excluded_fields(excluded)
    desired = {k: v for k, v in contrib.items() if k[1] not in hidden and v}
    for k, v in marks.items():
        desired[k] = desired.get(k, 0) + v
    shown = f.shown
    emitted = [(k, n, desired.get((k, n), 0) - shown.get((k, n), 0))
               for (k, n) in {**shown, **desired}]
    changes.update(contrib=contrib, marks=marks, shown=desired, excluded=excluded)
    return _merge(emitted), replace(f, **changes)


def _exclusion(kind: str, data: Mapping) -> str | None:
    if kind == "closed" and data.get("excluded_from_scores"):
        return "review"
    if kind == "merged":
        return "merged"
    if kind in ("caller_flagged", "malicious_marked") and data.get("malicious", True):
        return "malicious"
    if kind in ("unmerged", "caller_unflagged"):
        return "include"
    return None


def _assigned(unit: str | None, at: float) -> dict:
    return {"unit": unit, "assigned_at": at, "sign_missed": False, "signed_day": None,
            "signed_on_time": False, "contacted": False}


def _merge(deltas: Iterable[Delta]) -> list[Delta]:
    acc: dict[tuple[Key, str], int] = {}
    for key, name, delta in deltas:
        acc[(key, name)] = acc.get((key, name), 0) + delta
    return [(k, n, v) for (k, n), v in acc.items() if v]


def fold(entries: Iterable[Entry], facts: TicketFacts, rules: Rules,
         until_sk: str | None = None) -> tuple[TicketFacts, list[tuple[Entry, list[Delta]]]]:
    """Fold a ticket's timeline (in ``sk`` order). Returns the facts after the last entry folded
    and each entry's deltas. With ``until_sk``, stops before that entry: the snapshot the
    consumer passes to :func:`counter_deltas`. A category named by any entry of a change applies
    to the whole change (the submission is counted under the category its routing step names)."""
    ordered = sorted(entries, key=lambda e: e.sk)
    first_category: dict[str, str] = {}
    for e in ordered:
        cat = _category_of(e)
        if cat and e.version not in first_category:
            first_category[e.version] = cat
    out = []
    for e in ordered:
        if until_sk is not None and e.sk >= until_sk:
            break
        if e.version in first_category and facts.category != first_category[e.version] \
                and e.kind == "submitted":
            facts = replace(facts, category=first_category[e.version])
        deltas, facts = step(e, facts, rules)
        out.append((e, deltas))
    return facts, out


def snapshot_for(entries: Iterable[Entry], entry: Entry, facts: TicketFacts,
                 rules: Rules) -> TicketFacts:
    """The ticket snapshot just before ``entry`` (its submission's category applied)."""
    entries = list(entries)
    before, _ = fold(entries, facts, rules, until_sk=entry.sk)
    if entry.kind == "submitted":
        for e in entries:
            if e.version == entry.version and _category_of(e):
                return replace(before, category=_category_of(e))
    return before
