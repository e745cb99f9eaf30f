"""The timeline is the outbox: every committed timeline entry, read from the timeline table's
DynamoDB Stream, becomes its effects here — the SMS to the citizen and to the units, the
EventBridge event, the supervision entries (待督办), the survey call, the classifier's lesson,
and, after the sweep's steps, the ticket's next escalation step (``changes.replan``).

Nothing is sent for a change that did not commit (there is no entry), and nothing is sent from
the request that made the change. Each effect runs once per (entry, effect, recipient), through
ONE marker per entry, ``fx#<ticket>#<entry>`` (``adapters/markers.py``): one write to claim it
and one as each guarded effect finishes, where a marker per effect cost two per effect:

- before its first guarded effect, the entry's lease is claimed with one conditional write
  (free: absent, past its ``expires_at``, or its lease past ``LEASE_SECONDS``; never trusted by
  mere presence, TTL deletes late); the write returns the effects already recorded done, and
  those are skipped;
- a live ``done`` marker: the record was handled, nothing runs again; a live lease held by
  another consumer: ``EffectBusy``, the record fails and is retried later, so two consumers of
  one record cannot both send;
- each guarded effect that succeeds is recorded done at once (one write); the last one's write
  also marks the entry ``done`` (kept ``RETAIN_SECONDS``). Some failed: one more write releases
  the lease, and the record fails: the stream delivers it again (bisect-on-error, partial batch
  failures) until the provider recovers, and only what failed runs again;
- a consumer killed while an effect is under way leaves a lease that expires: the redelivered
  record then runs that effect (at-least-once for that crash window, never silently lost) and
  the ones after it, never one recorded done.

Unguarded effects (``guarded=False``) claim nothing here: each is applied once by its own
conditional write. An entry with no guarded effect writes no marker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from ..adapters import keys, tickets_repo
from ..adapters.tickets_repo import Ticket, TimelineEntry
from ..domain import escalation as escalation_rules
from ..domain import partners as partner_rules
from ..domain.catalog import duty_phones
from ..observability import count, logger
from ..wiring import container
from . import changes, notify, sms_delivery, supervision

LEASE_SECONDS = 120
RETAIN_SECONDS = 14 * 86400

DETAIL_TYPES = {
    "submitted": ("TicketSubmitted",),
    "dispatched": ("TicketDispatched",),
    "replied": ("TicketReplied",),
    "closed": ("TicketClosed",),
    "reopened": ("TicketReopened",),
    "overdue": ("TicketOverdue",),
}
AUTO_ESCALATION_TYPES = ("TicketOverdue", "TicketEscalated")
ENDED = ("closed", "rejected", "merged", "withdrawn")       # the entries that end a ticket
URGENT_KINDS = ("handed_off",)     # citizen SMS that never wait for the daytime window


class EffectBusy(RuntimeError):
    """Another consumer holds this entry's lease: try the record again later."""


@dataclass(frozen=True)
class Effect:
    name: str            # sms | event | supervise | survey | learn
    recipient: str       # a phone, a unit, "bus", ...
    run: Callable[[], object]
    # False: the effect is applied once by its own conditional write (the measures' counters
    # with their marker in one transaction, the classifier's lesson once per ticket): the
    # entry's marker neither leases nor records it
    guarded: bool = True

    @property
    def id(self) -> str:
        """The effect within its entry, as the entry's marker records it done."""
        return f"{self.name}#{self.recipient}"


class Entry:
    """A committed timeline entry and, loaded once if an effect needs it, its ticket."""

    def __init__(self, event: TimelineEntry):
        self.event = event
        self.kind = event.kind
        self.data = dict(event.data or {})
        self.snap = dict(self.data.pop("snap", None) or {})
        self.data.pop("public", None)

    @property
    def key(self) -> str:
        return f"{self.event.ticket_id}#{self.event.sk}"

    @property
    def marker(self) -> str:
        """The key of the entry's marker: its lease and its effects done."""
        return keys.effects(self.key)

    @cached_property
    def ticket(self) -> Ticket | None:
        return container.tickets.get(self.event.ticket_id)

    @property
    def code(self) -> str:
        return self.snap.get("code") or (self.ticket.code if self.ticket else "")

    def detail(self) -> dict:
        return {"event_id": self.key, "ticket_id": self.event.ticket_id,
                "at": int(self.event.at), "entry_kind": self.kind, **self.snap, **self.data}


# ------------------------------------------------------------------ what an entry means
def effects(entry: Entry) -> list[Effect]:
    # the measures' counters (issue 12): every entry counts, once (services/measures.py)
    out: list[Effect] = [Effect("measures", "counters", lambda: _measure(entry), guarded=False)]
    kind, data, snap = entry.kind, entry.data, entry.snap
    if escalation_rules.replanned_after(kind, data):    # the sweep applied the stored step:
        out.append(Effect("replan", "plan", lambda: changes.replan(     # store the next one
            entry.event.ticket_id), guarded=False))
    if kind in ENDED:        # off the to-supervise lists (moving an entry twice changes nothing)
        out.append(Effect("unsupervise", "lists", lambda: supervision.forget(
            entry.event.ticket_id, entry.event.at), guarded=False))
    types = DETAIL_TYPES.get(kind, ())
    if kind == "escalated" and data.get("auto"):
        types = AUTO_ESCALATION_TYPES
    if types:
        detail = entry.detail()
        out.append(Effect("event", "bus", lambda: container.bus.publish_many(
            [(t, detail) for t in types])))

    def citizen(text_of: Callable[[], str]) -> None:
        t = entry.ticket
        if t is not None and t.phone:
            out.append(Effect("sms", t.phone, lambda: _citizen_sms(entry, t.phone, text_of())))

    def unit(unit_id: str | None, text_of: Callable[[], str], effect: str = "sms") -> None:
        """Every duty contact of the unit is told at once (seed 004), each once: the effect's
        marker is per entry and recipient."""
        u = container.reference.unit(unit_id) if unit_id else None
        for phone in duty_phones(u):
            out.append(Effect(effect, phone, lambda p=phone: _sms(p, text_of(), kind)))

    name = container.reference.unit_name
    code = entry.code
    region = snap.get("region_code")
    if kind == "submitted":
        out.append(Effect("screen", "duplicates", lambda: _screen(entry)))
        routed = snap.get("unit_id") if snap.get("status") == "dispatched" else None
        citizen(lambda: notify.accepted(code, snap.get("due_at"),
                                        name(routed) if routed else None, region))
    elif kind == "dispatched":
        if data.get("by") == "dispatcher":
            text = notify.redispatched if data.get("redispatch") else notify.dispatched
            citizen(lambda: text(code, name(data["unit_id"])))
        if snap.get("status") == "dispatched" and snap.get("emergency"):
            _emergency_team(entry, unit)     # 绿色通道: the lead and its co-units, at once
        elif snap.get("status") == "dispatched":
            unit(snap.get("unit_id"), lambda: notify.unit_new_ticket(
                code, snap.get("sign_due_at"), entry.ticket.description if entry.ticket else "",
                region))
        if data.get("learn") and snap.get("category"):
            out.append(Effect("learn", "classifier", lambda: _learn(entry), guarded=False))
    elif kind == "escalated" and data.get("manual"):
        citizen(lambda: notify.redispatched(code, name(data.get("to_unit"))))
        unit(data.get("to_unit"), lambda: notify.unit_new_ticket(
            code, snap.get("sign_due_at"), entry.ticket.description if entry.ticket else "",
                region))
    elif kind in ("escalated", "overdue", "contact_overdue"):
        if kind == "escalated" and data.get("to_unit"):      # the citizen: it climbed
            citizen(lambda: notify.escalated(code, name(data["to_unit"])))
        late = name(data.get("from_unit"))
        missed = data.get("missed")
        for unit_id in data.get("chain") or []:
            out.append(Effect("supervise", unit_id,
                              lambda u=unit_id: supervision.put(u, entry.event.ticket_id, code,
                                                                data, entry.event.at)))
            unit(unit_id, lambda: notify.unit_overdue(code, late, missed), effect="sms-overdue")
        if kind == "escalated" and data.get("to_unit"):
            unit(data["to_unit"], lambda: notify.unit_escalated(code, data.get(
                "sign_due_at") if snap.get("status") == "dispatched" else data.get("due_at"),
                region))
    elif kind == "replied":
        if data.get("via_code"):             # a merged reporter, through the primary's reply
            citizen(lambda: notify.merged_replied(code, data["via_code"]))
        else:
            citizen(lambda: notify.replied(code))
        t = entry.ticket
        if t is not None and t.merged_reporters:    # 并单: the reply reaches every reporter
            out.append(Effect("share", "merged", lambda: _share_reply(entry)))
    elif kind == "merged":
        citizen(lambda: notify.merged(code, data.get("into_code", "")))
    elif kind == "unmerged":
        citizen(lambda: notify.unmerged(code))
    elif kind == "supplement" and data.get("repeat"):
        citizen(lambda: notify.repeat_attached(code))
    elif kind == "extended":
        citizen(lambda: notify.extended(code, data.get("due_at"), region))
    elif kind == "returned":
        citizen(lambda: notify.returned(code))
    elif kind == "co_units_added":
        for unit_id in data.get("units") or []:
            unit(unit_id, lambda: notify.co_unit_invited(code))
    elif kind == "handed_off":
        citizen(lambda: notify.handed_off(code, data.get("agency", ""), data.get("number", "")))
    elif kind == "rejected":
        citizen(lambda: notify.rejected(code, data.get("channel", "")))
    elif kind == "supervised":
        unit(snap.get("unit_id"), lambda: notify.supervised(code))
        if not data.get("sent_back"):       # the order, not the holder's send-back
            citizen(lambda: notify.supervised_citizen(code))
    elif kind == "signed":
        citizen(lambda: notify.signed(code, name(snap.get("unit_id"))))
    elif kind == "supervision_stepped_up" and data.get("to_unit"):   # services/orders.py
        holder = data["to_unit"]
        out.append(Effect("supervise", holder, lambda: supervision.put(
            holder, entry.event.ticket_id, code, data, entry.event.at)))
        unit(holder, lambda: notify.order_stepped_up(code))
    elif kind == "deadline_moved":      # the State Council's notice applied (calendar_notice)
        unit(snap.get("unit_id"), lambda: notify.unit_deadline_moved(code, snap.get(
            "sign_due_at") if snap.get("status") == "dispatched" else snap.get("due_at"),
            region))
    elif kind == "closed":
        if data.get("reason") == "satisfied":
            citizen(lambda: notify.evaluated_closed(code))
        elif data.get("reason") == "review_unreasonable":
            citizen(lambda: notify.review_explained(code, data.get("explanation") or ""))
    elif kind == "reopened":
        unit_id = data.get("unit_id")
        if data.get("reason") == "social_review":
            citizen(lambda: notify.review_rehandle(code, name(unit_id)))
            unit(unit_id, lambda: notify.unit_review_rehandle(code))
        else:
            citizen(lambda: notify.reopened(code, name(unit_id)))
            unit(unit_id, lambda: notify.unit_look_again(code, data.get("reopen_count") or 1,
                                                         data.get("comment")))
    elif kind == "review_queued" and data.get("queue") == "social_review":
        citizen(lambda: notify.review_queued(code))
    elif kind == "supplement" and entry.event.channel == "sms":
        citizen(lambda: notify.supplement_added(code))
    elif kind == "survey_sent":
        t = entry.ticket
        if t is not None and t.phone:
            out.append(Effect("survey", t.phone, lambda: _deliver_survey(entry)))
    # a partner platform's ticket (issue 15): each reported step goes back to the partner
    source = snap.get("partner_source")
    if source and partner_rules.reported(kind, bool(entry.event.citizen_visible)):
        out.append(Effect("partner", source, lambda: _partner_callback(entry)))
    return out


# ------------------------------------------------------------------ the effects themselves
def _emergency_team(entry: Entry, unit) -> None:
    """An emergency's dispatch tells the whole team at once (seed 001, 绿色通道): every duty
    contact of the lead unit, with the deadline in minutes, and of each co-unit."""
    summary = entry.ticket.description if entry.ticket else ""
    code = entry.code
    unit(entry.snap.get("unit_id"), lambda: notify.unit_emergency(
        code, entry.snap.get("sign_due_at"), summary))
    for co in entry.data.get("co_units") or []:
        unit(co, lambda: notify.unit_emergency_co(code, summary), effect="sms-co")


def _sms(phone: str, text: notify.Message, kind: str) -> str | None:
    """Send or raise: a transient failure is retried from the stream, not swallowed; a
    permanent refusal is recorded on the ticket's timeline (services/sms_delivery.py)."""
    return sms_delivery.send_for_outbox(phone, text, kind=kind)


def _citizen_sms(entry: Entry, phone: str, text: notify.Message) -> str | None:
    """A citizen's SMS goes now in the daytime window, or for an emergency or a hand-off;
    otherwise it waits for the window (services/daytime_sms.py)."""
    from . import daytime_sms
    urgent = bool(entry.snap.get("emergency")) or entry.kind in URGENT_KINDS
    now = container.now()
    if not urgent and daytime_sms.quiet(now):
        daytime_sms.hold(phone, text, kind=entry.kind, entry_key=entry.key, now=now)
        return None
    return _sms(phone, text, entry.kind)


def _share_reply(entry: Entry) -> None:
    from . import merging
    if entry.ticket is not None:
        merging.share_reply(entry.ticket)


def _measure(entry: Entry) -> bool:
    from . import measures
    return measures.apply_timeline_entry(entry.event.serialize())   # False: applied before


def _screen(entry: Entry) -> None:
    from . import duplicates
    duplicates.screen(entry.event.ticket_id)


def _learn(entry: Entry) -> None:
    from . import dispatch
    t = entry.ticket
    if t is not None:
        dispatch.learn(t.description, entry.snap["category"], entry.event.at, t.ticket_id)


def _partner_callback(entry: Entry) -> None:
    from . import partners
    partners.deliver(entry)


def _deliver_survey(entry: Entry) -> None:
    from . import survey
    survey.deliver(entry.ticket, entry.data.get("channel", "sms"),
                   int(entry.data.get("attempt") or 1), entry.event.at)


# ------------------------------------------------------------------ once per entry x effect
def _claim(entry: Entry) -> frozenset[str] | None:
    """The entry's lease: the effects already done (None: the entry is done). Raises
    ``EffectBusy`` if another consumer holds it."""
    now = container.now()
    claim = container.markers.claim_entry(entry.marker, now=now, lease_until=now + LEASE_SECONDS,
                                          expires_at=now + RETAIN_SECONDS)
    if claim.state == "busy":
        raise EffectBusy(entry.marker)
    return None if claim.state == "done" else claim.done


def _once(entry: Entry, effect: Effect, done: set[str] | None, last: bool) -> str:
    """Run ``effect`` unless it is done (``done`` None: the whole entry is). A guarded one that
    ran is recorded done at once (one write; ``last``: the entry's last one to run, and the same
    write marks the entry done)."""
    if not effect.guarded:
        return "sent" if effect.run() is not False else "done"
    if done is None or effect.id in done:
        return "done"
    effect.run()
    done.add(effect.id)
    now = container.now()
    container.markers.record_done(entry.marker, effect.id, complete=last,
                                  expires_at=now + RETAIN_SECONDS)
    return "sent"


def process(event: TimelineEntry) -> dict:
    """Every effect of one committed timeline entry, each at most once. Raises if any failed
    (after trying all of them), so the record is delivered again; raises ``EffectBusy`` at once
    if another consumer holds the entry."""
    entry = Entry(event)
    todo = effects(entry)
    claimed = _claim(entry) if any(e.guarded for e in todo) else None
    done = set(claimed) if claimed is not None else None
    first_run: dict[str, int] = {}    # each guarded effect still to run -> where it runs
    for i, e in enumerate(todo):
        if e.guarded and done is not None and e.id not in done:
            first_run.setdefault(e.id, i)
    last_i = max(first_run.values(), default=None)
    if done is not None and last_i is None:      # a released lease with nothing left to run
        container.markers.finish_entry(entry.marker, done=done, complete=True,
                                       expires_at=container.now() + RETAIN_SECONDS)
    results, failed, guarded_failed = {}, None, False
    for i, effect in enumerate(todo):
        last = i == last_i and not guarded_failed
        try:
            results[f"{effect.name}:{effect.recipient}"] = _once(entry, effect, done, last)
        except Exception as exc:  # noqa: BLE001 - try the others, then fail the record
            failed = failed or exc
            guarded_failed = guarded_failed or effect.guarded
            results[f"{effect.name}:{effect.recipient}"] = "failed"
            count("OutboxEffectFailed", effect=effect.name, kind=entry.kind)
            logger.warning("outbox effect failed", extra={
                "entry": entry.key, "effect": effect.name, "error": repr(exc)})
    if done is not None and guarded_failed:      # the lease released, the done ones kept
        container.markers.finish_entry(entry.marker, done=done, complete=False,
                                       expires_at=container.now() + RETAIN_SECONDS)
    if failed is not None:
        raise failed
    return results


def handle_records(records: Iterable[tuple[str, str, dict | None]]) -> dict:
    """A batch of stream records ``(sequence_number, event_name, new_image)`` in stream order.

    Stops at the first record that fails and reports it (``batchItemFailures``): Lambda then
    retries from that record on, keeping the order and losing nothing after it."""
    for sequence, event_name, new_image in records:
        if event_name != "INSERT" or not new_image:
            continue             # timeline items are only ever inserted
        try:
            process(tickets_repo.entry_from_image(new_image))
        except Exception as exc:  # noqa: BLE001 - reported to the event source mapping
            logger.warning("outbox record failed", extra={"sequence": sequence,
                                                          "error": repr(exc)})
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    return {"batchItemFailures": []}
