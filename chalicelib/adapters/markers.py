"""Ephemeral markers: items in the TTL table that make an action happen once.

A marker is *free* when it does not exist or its ``expires_at`` has passed (DynamoDB deletes
expired items late, so a reader never trusts their mere presence). ``claim`` writes one
conditionally: True for the one caller that got it.

The outbox's marker of a timeline entry (``claim_entry``, ``record_done``, ``finish_entry``)
holds a lease (``lease_until``) apart from its life (``expires_at``), and the entry's effects
already done, each recorded as it finishes, so a released or expired lease keeps that list until
the record comes again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError

from .models import EffectsMarkerModel, EphemeralModel


def utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc)


def condition_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def free(now: float):
    """The condition under which a marker may be (re)written at ``now``."""
    return EphemeralModel.pk.does_not_exist() | (EphemeralModel.expires_at < utc(now))


def new(key: str, *, expires_at: float, data: dict | None = None) -> EphemeralModel:
    return EphemeralModel(key, expires_at=utc(expires_at), data=data)


def put(key: str, *, expires_at: float, data: dict | None = None) -> None:
    """Write (or overwrite) a marker unconditionally."""
    new(key, expires_at=expires_at, data=data).save()


def claim(key: str, *, now: float, expires_at: float, data: dict | None = None) -> bool:
    """Write the marker unless a live one exists: True the first time."""
    try:
        new(key, expires_at=expires_at, data=data or {"at": int(now)}).save(condition=free(now))
        return True
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise


def release(key: str) -> None:
    """Give a claim back (the action it guarded failed, so a retry may act)."""
    try:
        EphemeralModel(key).delete()
    except DeleteError:
        from ..observability import logger
        logger.exception("could not remove marker", extra={"key": key})


def live(key: str, now: float) -> EphemeralModel | None:
    try:
        item = EphemeralModel.get(key, consistent_read=True)
    except DoesNotExist:
        return None
    if item.expires_at is not None and item.expires_at < utc(now):
        return None
    return item


# ------------------------------------------------------------------ a timeline entry's effects
@dataclass(frozen=True)
class EntryClaim:
    state: str                          # claimed | done (all effects) | busy (leased elsewhere)
    done: frozenset[str] = frozenset()  # claimed: the effects a released lease recorded done


def claim_entry(key: str, *, now: float, lease_until: float, expires_at: float) -> EntryClaim:
    """Take the lease of an entry's marker with one conditional UpdateItem, unless a live one
    holds it (``lease_until`` not passed: a running consumer, or ``done``, whose lease lasts
    the marker's life). The old item comes back with the write (``ALL_OLD``): the effects it
    recorded done, trusted only if the marker was live (``expires_at`` not passed)."""
    m = EffectsMarkerModel
    condition = m.pk.does_not_exist() | (m.expires_at < utc(now)) | (m.lease_until < now)
    actions = [m.state.set("sending"), m.lease_until.set(lease_until),
               m.expires_at.set(utc(expires_at))]
    try:
        old = m._get_connection().update_item(key, actions=actions, condition=condition,
                                              return_values=ALL_OLD).get("Attributes")
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        try:
            held = m.get(key, consistent_read=True)
        except DoesNotExist:
            held = None
        if held is None or held.expires_at < utc(now) or (held.lease_until or 0) < now:
            return claim_entry(key, now=now, lease_until=lease_until, expires_at=expires_at)
        return EntryClaim("done" if held.state == "done" else "busy")
    before = m.from_raw_data(old) if old else None
    if before is None or before.expires_at < utc(now):
        if before is not None and before.done:       # a dead marker's list (TTL is late)
            m(key).update(actions=[m.done.remove()])
        return EntryClaim("claimed")
    return EntryClaim("claimed", frozenset(before.done or ()))


def record_done(key: str, effect: str, *, complete: bool, expires_at: float) -> None:
    """One write as each effect finishes: it joins the entry's done list, so a consumer killed
    after it does not run it again. ``complete``: it was the entry's last effect to run, and the
    same write marks the entry ``done`` (its lease lasts the marker's life)."""
    m = EffectsMarkerModel
    actions = [m.done.set((m.done | []).append([effect]))]
    if complete:
        actions += [m.state.set("done"), m.lease_until.set(expires_at),
                    m.expires_at.set(utc(expires_at))]
    m(key).update(actions=actions)


def finish_entry(key: str, *, done: Iterable[str], complete: bool, expires_at: float) -> None:
    """One write: the entry ``done`` (its lease lasts the marker's life), or the lease released
    with the effects that are done, so the record's redelivery claims it at once and skips
    them."""
    m = EffectsMarkerModel(key, expires_at=utc(expires_at))
    if complete:
        m.state, m.lease_until = "done", expires_at
    else:
        m.state, m.lease_until, m.done = "released", 0, sorted(done)
    m.save()
