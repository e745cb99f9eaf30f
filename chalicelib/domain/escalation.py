"""The escalation plan (自下而上逐级): what the sweep does to a ticket if nobody acts in time.

Pure. Whenever the app writes an open ticket it recomputes, from the ticket's current state, the
continuation: a list of steps, in order, each due at a deadline, and stores the next one
(:func:`encode`). The escalation sweep (``statemachines/sweep.asl.json``, every minute) finds
tickets whose ``deadline_at`` has passed on the sparse deadline index and applies the stored step
with one conditioned TransactWriteItems (the ticket update + its timeline entry), which also
removes it; the outbox, reading that entry, stores the step after it (``services/changes.replan``).
The state machine only plumbs the values computed here: a step is typed DynamoDB values for its
kind's UpdateExpression (:data:`OPS`), and the timeline entry's attributes.

The phases, each a ladder from the ticket's unit up its path (village → township → county → city):

- review queue (``submitted``/``returned``, held by the dispatch center): when the review
  deadline passes the ticket climbs to the center's parent (the city government), which is told
  and gets a fresh review period; status stays ``submitted``/``returned`` because only the dispatch
  center routes tickets (dispatchers act city-wide). At the top: marked overdue.
- sign-in (``dispatched``): the unit that misses its sign-in deadline loses the ticket to its
  parent, which gets its own sign-in period.
- reply (``accepted``): the reply deadline passes → the parent takes over and must *sign first*:
  status goes back to ``dispatched`` with a fresh sign-in deadline, ``signed_at``/``contacted_at``
  are removed, and the reply deadline is counted afresh from the takeover. The plan then continues
  with the sign-in ladder from that unit.

The first contact (seed 004: the handler phones the citizen within 30 minutes of signing) is
watched the same way (issue 15 point 6): while a signed ticket's citizen has not been reached,
its first step is due at ``contact_due_at``; missing it does not move the ticket but marks the
miss (``contact_missed`` = the missed deadline, so a later write never plans it again) and puts
the ticket on the to-supervise list of its unit and every level above, each told by SMS (kind
``contact_overdue``); the reply ladder follows. The reminder before it is the reminder job's
(services/reminders.py), read from the same deadline index.

At the top of the ladder (no unit above) the last step only marks the ticket overdue (kind
``overdue``) and *parks* it: ``deadline_shard`` becomes ``O#<n>`` so the sweep (which reads ``D#*``)
never sees it again, while ``deadline_at`` keeps the missed deadline, so the unit queue still sorts
it first and the gauges count it red (``services/stats.py`` counts the ``O#`` shards as overdue).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

REVIEW_STATUSES = ("submitted", "returned")
DISPATCHED, ACCEPTED = "dispatched", "accepted"
SWEEP_PREFIX, PARKED_PREFIX = "D#", "O#"
MAX_STEPS = 12                  # a ladder has at most a handful of rungs; a bad path can't loop
MISSED_ZH = {"sign": "签收", "reply": "答复", "review": "研判派单", "contact": "首次联系"}
LEVEL_ZH = {"village": "村/社区", "township": "乡镇/街道", "county": "县/区", "city": "市"}

# the ticket attributes a step touches, always through names (status, level... are reserved)
NAMES = {
    "#ver": "version", "#dl": "deadline_at", "#step": "esc_step", "#upd": "updated_at",
    "#od": "overdue", "#plan": "esc_plan",
}
CLIMB_NAMES = {
    **NAMES, "#unit": "unit_id", "#open": "open_unit", "#lv": "level", "#path": "unit_path",
    "#st": "status", "#sign": "sign_due_at", "#due": "due_at", "#escs": "escalations",
    "#clock": "clock_start_at", "#signed": "signed_at", "#contacted": "contacted_at",
    "#cdue": "contact_due_at", "#sd": "status_deadline",
}
PARK_NAMES = {**NAMES, "#shard": "deadline_shard"}
CONTACT_NAMES = {**{k: v for k, v in NAMES.items() if k != "#od"}, "#cm": "contact_missed",
                 "#sd": "status_deadline"}
CONTACT_UPDATE = ("SET #cm = :cdue, #ver = #ver + :one, #step = #step + :one, #upd = :now, "
                  "#dl = :next, #sd = :sd REMOVE #plan")
CLIMB_UPDATE = (
    "SET #unit = :unit, #open = :unit, #lv = :lv, #path = :path, #st = :st, #sign = :sign, "
    "#due = :due, #od = :true, #escs = list_append(if_not_exists(#escs, :empty), :esc), "
    "#ver = #ver + :one, #step = #step + :one, #upd = :now, #clock = :at, #dl = :next, "
    "#sd = :sd "
    "REMOVE #signed, #contacted, #cdue, #plan")
PARK_UPDATE = ("SET #od = :true, #ver = #ver + :one, #step = #step + :one, #upd = :now, "
               "#shard = :parked REMOVE #plan")
# what the sweep's condition and input add (the state machine fills these in)
CONDITION = "#ver = :v AND #dl = :d AND #step = :s"


@dataclass(frozen=True)
class TicketState:
    """What the plan depends on: the ticket as it is now."""

    ticket_id: str
    code: str
    status: str
    unit_id: str
    level: str | None
    unit_path: tuple[str, ...]
    sign_due_at: int | None
    due_at: int | None
    type: str
    category: str | None = None
    channel: str | None = None
    region_code: str | None = None
    emergency: bool = False
    contact_due_at: int | None = None      # the first contact, while the citizen is not reached
    contacted: bool = False
    contact_missed: int | None = None      # the contact deadline already marked missed


def ddb(value) -> dict:
    """A Python value as DynamoDB-typed JSON (what TransactWriteItems takes), without boto3."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Mapping):
        return {"M": {str(k): ddb(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [ddb(v) for v in value]}
    raise TypeError(f"no DynamoDB type for {value!r}")


def phase(status: str) -> str | None:
    """Which deadline is running: ``review``, ``sign`` or ``reply`` (None: none)."""
    if status in REVIEW_STATUSES:
        return "review"
    if status == DISPATCHED:
        return "sign"
    if status == ACCEPTED:
        return "reply"
    return None


def status_deadline_key(status: str, deadline: int) -> str:
    """The by_unit_status sort key: a status, then the deadline in sortable digits."""
    return f"{status}#{int(deadline):010d}"


def current_deadline(status: str, sign_due_at, due_at) -> int | None:
    """The deadline the sweep watches now: sign-in (or review) until signed, then the reply."""
    which = phase(status)
    if which in ("review", "sign"):
        value = sign_due_at or due_at
    elif which == "reply":
        value = due_at
    else:
        value = None
    return int(value) if value else None


def parked_shard(shard: str) -> str:
    return PARKED_PREFIX + shard.split("#", 1)[-1]


def is_parked(shard: str | None) -> bool:
    return bool(shard) and shard.startswith(PARKED_PREFIX)


def stays_parked(plan: Sequence[dict], parked_deadline: int | None) -> bool:
    """A ticket already marked overdue at the top stays parked when a later change (a note, a
    co-unit) recomputes the same top-of-ladder miss: nobody is told twice about one deadline."""
    return (bool(plan) and parked_deadline is not None and plan[0]["kind"] == "overdue"
            and plan[0]["at"] <= int(parked_deadline))


def build_plan(ticket: TicketState, levels: Mapping[str, str],
               deadlines: Callable[[int], tuple[int, int]], shard: str) -> list[dict]:
    """The steps the sweep applies, in order, if nobody acts.

    ``levels`` maps unit ids to their level; ``deadlines(t)`` gives the (sign-in, reply) deadlines,
    epoch seconds, of a unit that takes the ticket over at ``t`` (one home: domain/sla).
    ``shard`` is the ticket's deadline shard (``D#<n>``).
    """
    status, path = ticket.status, list(ticket.unit_path or (ticket.unit_id,))
    if not path or path[0] != ticket.unit_id:
        path = [ticket.unit_id, *path[1:]]
    sign_due = int(ticket.sign_due_at) if ticket.sign_due_at else None
    due = int(ticket.due_at) if ticket.due_at else None
    level = ticket.level
    steps: list[dict] = []
    contact = _contact_step(ticket, status, due, shard)
    if contact is not None:
        steps.append(contact)
    while len(steps) < MAX_STEPS:
        missed = phase(status)
        at = current_deadline(status, sign_due, due)
        if missed is None or at is None:
            break
        from_unit, chain = path[0], list(path)
        if len(path) < 2:
            snap = _snap(ticket, status, from_unit, level, sign_due, due)
            steps.append(_park(ticket, at, missed, from_unit, chain, sign_due, due, snap, shard))
            break
        path = path[1:]
        to_unit, level = path[0], levels.get(path[0], "unknown")
        new_sign, new_reply = deadlines(at)
        if missed == "reply":           # the unit that takes over must sign first
            status, sign_due, due = DISPATCHED, new_sign, new_reply
        else:                           # sign-in or review: the reply promised is kept
            sign_due, due = new_sign, max(due or new_sign, new_sign)
        nxt = current_deadline(status, sign_due, due)
        snap = _snap(ticket, status, to_unit, level, sign_due, due)
        steps.append(_climb(ticket, at, missed, from_unit, to_unit, level, path, chain, status,
                            sign_due, due, nxt, snap))
    return steps


def contact_pending(ticket: TicketState) -> int | None:
    """The first-contact deadline still to be watched, or None."""
    cdue = int(ticket.contact_due_at) if ticket.contact_due_at else None
    if (ticket.status != ACCEPTED or ticket.contacted or cdue is None
            or (ticket.contact_missed is not None and int(ticket.contact_missed) == cdue)):
        return None
    return cdue


def _contact_step(ticket: TicketState, status: str, due: int | None, shard: str) -> dict | None:
    cdue = contact_pending(ticket)
    if cdue is None or due is None or cdue >= due:
        return None
    path = list(ticket.unit_path or (ticket.unit_id,))
    nxt = current_deadline(status, ticket.sign_due_at, due)
    snap = _snap(ticket, status, ticket.unit_id, ticket.level, ticket.sign_due_at, due)
    data = {"missed": "contact", "from_unit": ticket.unit_id, "to_unit": None, "to_level": None,
            "chain": path, "contact_due_at": cdue, "due_at": due, "auto": True, "snap": snap}
    values = {":cdue": cdue, ":one": 1, ":next": nxt, ":sd": status_deadline_key(status, nxt)}
    return {"at": cdue, "kind": "contact_overdue", "update": CONTACT_UPDATE,
            "names": dict(CONTACT_NAMES), "values": {k: ddb(v) for k, v in values.items()},
            "entry": _entry("contact_overdue", "首次联系超时，已列入督办", data, False)}


def _snap(ticket: TicketState, status, unit_id, level, sign_due, due) -> dict:
    return {"code": ticket.code, "status": status, "type": ticket.type,
            "category": ticket.category, "channel": ticket.channel,
            "region_code": ticket.region_code, "unit_id": unit_id, "level": level,
            "due_at": due, "sign_due_at": sign_due, "emergency": bool(ticket.emergency)}


def _entry(kind: str, text: str, data: dict, visible: bool) -> dict:
    return {"kind": ddb(kind), "text": ddb(text), "actor": ddb("system"),
            "citizen_visible": ddb(visible),
            "data": ddb(json.dumps(data, ensure_ascii=False, separators=(",", ":")))}


def _climb(ticket, at, missed, from_unit, to_unit, level, path, chain, status, sign_due, due,
           nxt, snap) -> dict:
    data = {"missed": missed, "from_unit": from_unit, "to_unit": to_unit, "to_level": level,
            "chain": chain, "sign_due_at": sign_due, "due_at": due, "auto": True, "snap": snap,
            "public": {"to_level": level}}
    text = f"{MISSED_ZH[missed]}超期，已自动提级至{LEVEL_ZH.get(level, '上一级')}办理"
    values = {
        ":unit": to_unit, ":lv": level, ":path": list(path), ":st": status, ":sign": sign_due,
        ":due": due, ":true": True, ":empty": [], ":one": 1, ":at": at, ":next": nxt,
        ":sd": status_deadline_key(status, nxt),
        ":esc": [{"from_unit": from_unit, "to_unit": to_unit, "to_level": level, "kind": missed,
                  "at": at, "auto": True}],
    }
    return {"at": at, "kind": "escalated", "update": CLIMB_UPDATE, "names": dict(CLIMB_NAMES),
            "values": {k: ddb(v) for k, v in values.items()},
            "entry": _entry("escalated", text, data, True)}


def _park(ticket, at, missed, from_unit, chain, sign_due, due, snap, shard) -> dict:
    data = {"missed": missed, "from_unit": from_unit, "to_unit": None, "to_level": None,
            "chain": chain, "sign_due_at": sign_due, "due_at": due, "auto": True, "snap": snap}
    text = f"{MISSED_ZH[missed]}超期，已列入督办"
    values = {":true": True, ":one": 1, ":parked": parked_shard(shard)}
    return {"at": at, "kind": "overdue", "update": PARK_UPDATE, "names": dict(PARK_NAMES),
            "values": {k: ddb(v) for k, v in values.items()},
            "entry": _entry("overdue", text, data, False)}


# A step's update expression and attribute names depend on its kind only: the state machine
# holds them (statemachines/sweep.asl.json, state StepOp), so the stored plan does not repeat
# them for every step (they were a third of the ticket item). tests/unit/test_escalation_plan.py
# checks the state machine's copies against these.
OPS = {"escalated": (CLIMB_UPDATE, CLIMB_NAMES), "overdue": (PARK_UPDATE, PARK_NAMES),
       "contact_overdue": (CONTACT_UPDATE, CONTACT_NAMES)}
STORED_WITHOUT = ("update", "names")
STORED_STEPS = 1                # the next step only: see encode


def encode(plan: Sequence[dict]) -> str:
    """The ``esc_plan`` attribute: the plan's *next step only*, as compact JSON the state machine
    decodes with StringToJson, without the update and names of its kind (:data:`OPS`).

    The rest of the continuation is not stored: it is most of what a ticket item would weigh
    (about 1.4 KB a step), rewritten with every change, and a ticket handled on time never needs
    it. Applying a step removes ``esc_plan`` (every kind's update ends ``REMOVE #plan``); the
    timeline entry the step writes reaches the outbox, which stores the step after it
    (``services/changes.replan``) before that step can be due."""
    for step in plan:
        update, names = OPS[step["kind"]]
        if step["update"] != update or step["names"] != names:
            raise ValueError(f"a {step['kind']} step with its own update or names")
    stored = [{k: v for k, v in step.items() if k not in STORED_WITHOUT}
              for step in plan[:STORED_STEPS]]
    return json.dumps(stored, ensure_ascii=False, separators=(",", ":"))


def replanned_after(kind: str, data: Mapping) -> bool:
    """Whether a timeline entry is a sweep step after which the ticket needs its next step
    stored: a climb or a missed first contact (the top-of-ladder mark parks the ticket)."""
    return bool(data.get("auto")) and kind in ("escalated", "contact_overdue")
