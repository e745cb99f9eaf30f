"""Ticket persistence: every change is one DynamoDB transaction of the versioned ticket and its
timeline entries, so the ticket and its history can't disagree and no write is lost."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..domain.errors import ValidationError, VersionConflict
from ..domain.ticket import Actor
from . import keys, markers
from .models import EphemeralModel, LocationMap, RegistryModel, TicketEventModel, TicketModel

# The records services handle: a ticket (read its attributes, change them inside a mutation, hand
# it back to services/changes.py), a timeline entry, a marker written with a new ticket.
Ticket = TicketModel
TimelineEntry = TicketEventModel
Marker = EphemeralModel


def iso_ms(ts: float) -> str:
    moment = dt.datetime.fromtimestamp(ts, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_event(ticket: TicketModel, kind: str, actor: Actor, now: float, *, text: str | None = None,
              data: dict | None = None, channel: str | None = None, visible: bool = True,
              index: int = 0, feed: str | None = None) -> TicketEventModel:
    """A timeline entry for the ticket's next version (``sk`` unique per ticket version)."""
    next_version = (ticket.version or 0) + 1
    suffix = f"v{next_version:06d}" + (f".{index}" if index else "")
    if actor.kind == "staff":
        actor_str = f"staff:{actor.id}"
    elif actor.kind == "citizen":
        actor_str = "citizen"
    else:
        actor_str = actor.id if actor.kind == "system" and actor.id != "minyi" else "system"
    return TicketEventModel(
        ticket.ticket_id, f"{iso_ms(now)}#{suffix}", at=now, kind=kind, actor=actor_str,
        actor_unit=actor.unit_id, channel=channel, text=text, data=data, citizen_visible=visible,
        feed=feed,
    )


def _raise_if_marked(exc: TransactWriteError, marker: EphemeralModel | None) -> None:
    """The transaction's marker (its first item) was already there: DuplicateSubmission."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    if marker is not None and reasons and reasons[0] is not None and \
            reasons[0].code == "ConditionalCheckFailed":
        existing = EphemeralModel.get(marker.pk, consistent_read=True)
        raise DuplicateSubmission(existing.data or {}) from exc


class DuplicateSubmission(Exception):
    """The submission this marker guards was already written (a retry after a crash)."""

    def __init__(self, data: dict):
        super().__init__(data.get("ticket_id"))
        self.data = data


def _is_condition_failure(exc: TransactWriteError) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)


class CursorCodec:
    """Opaque, HMAC-signed pagination cursors: a tampered or foreign cursor is a 400."""

    def __init__(self, secret: str):
        self._key = hashlib.sha256(("cursor:" + secret).encode()).digest()

    def encode(self, last_key: dict | None, scope: str) -> str | None:
        if not last_key:
            return None
        raw = json.dumps({"k": last_key, "s": scope}, separators=(",", ":"), sort_keys=True)
        sig = hmac.new(self._key, raw.encode(), hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(sig + raw.encode()).decode().rstrip("=")

    def decode(self, cursor: str | None, scope: str) -> dict | None:
        if not cursor:
            return None
        try:
            blob = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            sig, raw = blob[:12], blob[12:]
            good = hmac.new(self._key, raw, hashlib.sha256).digest()[:12]
            payload = json.loads(raw.decode()) if hmac.compare_digest(sig, good) else None
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not payload or payload.get("s") != scope or not isinstance(payload.get("k"), dict):
            raise ValidationError("分页参数无效", field="cursor", code="invalid_cursor")
        return payload["k"]


class TicketRepository:
    def __init__(self, cursor_secret: str):
        self._cursors = CursorCodec(cursor_secret)
        self._connection: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(region=TicketModel.Meta.region)
        return self._connection

    # --- writes -------------------------------------------------------------------------
    def create(self, ticket: TicketModel, events: Iterable[TicketEventModel],
               marker: EphemeralModel | None = None, now: float | None = None) -> None:
        """Write a new ticket and its first timeline entries. ``marker`` (one per submitter and
        Idempotency-Key) makes the write itself unrepeatable: if it exists and has not expired,
        :class:`DuplicateSubmission` names the ticket it created."""
        try:
            with TransactWrite(connection=self.connection) as tx:
                if marker is not None:
                    tx.save(marker, condition=markers.free(now))
                tx.save(ticket, condition=TicketModel.ticket_id.does_not_exist())
                for event in events:
                    tx.save(event, condition=TicketEventModel.sk.does_not_exist())
        except TransactWriteError as exc:
            _raise_if_marked(exc, marker)
            if _is_condition_failure(exc):
                raise VersionConflict("工单已存在") from exc
            raise

    def save(self, ticket: TicketModel, events: Iterable[TicketEventModel],
             marker: EphemeralModel | None = None, now: float | None = None) -> None:
        """Write the ticket only if nobody changed it since it was read (its version), together
        with its timeline entries. A lost race raises VersionConflict (HTTP 409). ``marker``: as
        for :meth:`create` (a submission attached to an open ticket as a repeat request)."""
        self.save_all([(ticket, events)], marker=marker, now=now)

    def save_all(self, changes: Iterable[tuple[TicketModel, Iterable[TicketEventModel]]],
                 marker: EphemeralModel | None = None, now: float | None = None) -> None:
        """Several tickets (e.g. a merge: the duplicate and its primary), each conditioned on
        its version, with their timeline entries, in one transaction: all or nothing."""
        try:
            with TransactWrite(connection=self.connection) as tx:
                if marker is not None:
                    tx.save(marker, condition=markers.free(now))
                for ticket, events in changes:
                    tx.save(ticket)
                    for event in events:
                        tx.save(event, condition=TicketEventModel.sk.does_not_exist())
        except TransactWriteError as exc:
            _raise_if_marked(exc, marker)
            if _is_condition_failure(exc):
                raise VersionConflict() from exc
            raise

    def store_plan(self, ticket: TicketModel, read_step: int | None) -> bool:
        """Write a ticket's escalation keys only (``esc_plan``, ``esc_step``, ``deadline_at``,
        ``deadline_shard``, ``status_deadline``), without a new version: derived from the ticket
        as read, and stored only while it is still that ticket (same version and step) with no
        step stored. False: it changed meanwhile (that change stored its own plan)."""
        m = TicketModel
        fields = (m.esc_plan, m.esc_step, m.deadline_at, m.deadline_shard, m.status_deadline)
        actions = [f.set(getattr(ticket, f.attr_name)) if getattr(ticket, f.attr_name) is not None
                   else f.remove() for f in fields]
        condition = ((m.version == ticket.version) & m.esc_plan.does_not_exist()
                     & (m.esc_step == read_step))
        try:
            # the model's table connection (it knows the key schema): not Model.update, which
            # would add a new version
            m._get_connection().update_item(ticket.ticket_id, actions=actions,
                                            condition=condition)
        except UpdateError as exc:
            if markers.condition_failed(exc):
                return False
            raise
        return True

    def next_code_sequence(self, day: str) -> int:
        item = RegistryModel(keys.TICKET_CODE_COUNTER, day)
        item.update(actions=[RegistryModel.value.add(1)])
        return int(item.value)

    # --- reads --------------------------------------------------------------------------
    def get(self, ticket_id: str) -> TicketModel | None:
        try:
            return TicketModel.get(ticket_id, consistent_read=True)
        except DoesNotExist:
            return None

    def get_by_code(self, code: str) -> TicketModel | None:
        for item in TicketModel.by_code.query(code, limit=1):
            return self.get(item.ticket_id)
        return None

    def timeline(self, ticket_id: str) -> list[TicketEventModel]:
        return list(TicketEventModel.query(ticket_id, consistent_read=True))

    def _page(self, scope: str, cursor: str | None, index, key: str, *, full: bool = False,
              **kwargs):
        """One page of an index query and the signed cursor of the next; ``full``: the index
        holds keys only, and the page's tickets are read by id."""
        result = index.query(key, last_evaluated_key=self._cursors.decode(cursor, scope),
                             **kwargs)
        items = list(result)
        if full:
            items = full_tickets(items)
        return items, self._cursors.encode(result.last_evaluated_key, scope)

    def citizen_tickets(self, citizen_id: str, limit: int, cursor: str | None):
        return self._page(f"citizen:{citizen_id}", cursor, TicketModel.by_citizen, citizen_id,
                          scan_index_forward=False, limit=limit)

    def unit_open_tickets(self, unit_id: str, limit: int, cursor: str | None,
                          filter_condition=None):
        return self._page(f"unit:{unit_id}", cursor, TicketModel.by_unit_deadline, unit_id,
                          limit=limit, filter_condition=filter_condition)

    def unit_open_tickets_with_status(self, unit_id: str, status: str, limit: int,
                                      cursor: str | None):
        """A unit's open tickets of one status, soonest deadline first: the status is part of
        the key condition, so a page reads only matching tickets (their keys from the index,
        then the tickets themselves in one BatchGetItem)."""
        scope = f"unit:{unit_id}:{status}"
        start = self._cursors.decode(cursor, scope)
        result = TicketModel.by_unit_status.query(
            unit_id, TicketModel.status_deadline.startswith(f"{status}#"), limit=limit,
            last_evaluated_key=start)
        # a ticket that changed between the two reads is shown only if it still qualifies
        items = [t for t in full_tickets(result)
                 if t.status == status and t.open_unit == unit_id]
        return items, self._cursors.encode(result.last_evaluated_key, scope)

    def due_between(self, shard: str, start: float, end: float):
        return TicketModel.by_deadline.query(
            shard, TicketModel.deadline_at.between(start, end))

    def due_callbacks(self, shard: str, now: float, limit: int):
        """Replied tickets whose callback survey is due, on the sparse ``by_callback`` index."""
        return TicketModel.by_callback.query(shard, TicketModel.callback_at <= int(now),
                                             limit=limit)

    def count_due(self, shard: str, *, before: float | None = None,
                  between: tuple[float, float] | None = None) -> int:
        """COUNT the deadline index entries of a shard (all, before a time, or in a window)."""
        index = TicketModel.by_deadline
        if before is not None:
            return index.count(shard, TicketModel.deadline_at < before)
        if between is not None:
            return index.count(shard, TicketModel.deadline_at.between(*between))
        return index.count(shard)

    def recent_by_phone(self, phone_key: str, limit: int) -> list[TicketModel]:
        """A number's newest tickets (any channel), newest first."""
        return full_tickets(TicketModel.by_phone.query(phone_key, scan_index_forward=False,
                                                       limit=limit))

    def review_queue(self, limit: int, cursor: str | None, scope: str):
        """Tickets awaiting social review, oldest first, a page at a time."""
        return self._page(scope, cursor, TicketModel.by_review, "pending", limit=limit,
                          full=True)

    def final_changed_before(self, cutoff: float, limit: int) -> list[TicketModel]:
        """Retention: final tickets (closed, rejected, withdrawn, merged) last changed before
        ``cutoff`` and not anonymized yet. A filtered scan (a daily batch job; DynamoDB pages it,
        PynamoDB reads pages until ``limit`` match)."""
        from ..domain.ticket import FINAL_STATUSES
        condition = (TicketModel.status.is_in(*sorted(FINAL_STATUSES))
                     & (TicketModel.updated_at < cutoff)
                     & TicketModel.anonymized_at.does_not_exist())
        return list(TicketModel.scan(condition, limit=limit))

    def redact_timeline(self, ticket_id: str, redact_data) -> int:
        """Retention: every timeline entry of a ticket without its free text (``text`` removed,
        ``data`` through ``redact_data``). Entries are facts already acted on (the outbox reads
        inserts only), so this in-place update sends nothing; run before the ticket's own
        ``anonymized`` change (services/retention.py), it is safe to repeat."""
        changed = 0
        for entry in TicketEventModel.query(ticket_id):
            data = redact_data(entry.data)
            if entry.text is None and data == entry.data:
                continue
            entry.update(actions=[TicketEventModel.text.remove(),
                                  TicketEventModel.data.set(data)])
            changed += 1
        return changed

    def get_many(self, ticket_ids: Iterable[str]) -> dict[str, TicketModel]:
        ids = list(dict.fromkeys(ticket_ids))
        return {t.ticket_id: t for t in TicketModel.batch_get(ids)} if ids else {}


def full_tickets(entries: Iterable[TicketModel]) -> list[TicketModel]:
    """The whole tickets of index entries (keys, or a few projected attributes), in the
    entries' order, with one BatchGetItem per 100; a ticket deleted in between is left out."""
    ids = list(dict.fromkeys(entry.ticket_id for entry in entries))
    found = {t.ticket_id: t for t in TicketModel.batch_get(ids)} if ids else {}
    return [found[i] for i in ids if i in found]


# --- records services build or receive ---------------------------------------------------------
def new_ticket(ticket_id: str, *, location: dict | None = None, **fields) -> TicketModel:
    """A ticket not yet written (services/changes.py creates it)."""
    return TicketModel(ticket_id, location=LocationMap(**location) if location else None,
                       **fields)


def entry_from_image(image: dict) -> TicketEventModel:
    """A timeline entry from a DynamoDB stream record's new image."""
    return TicketEventModel.from_raw_data(image)


def is_entry(item) -> bool:
    """A stored timeline entry (not a plain dict from a stream image)."""
    return isinstance(item, TicketEventModel)
