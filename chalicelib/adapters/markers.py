"""Ephemeral markers: items in the TTL table that make an action happen once.

A marker is *free* when it does not exist or its ``expires_at`` has passed (DynamoDB deletes
expired items late, so a reader never trusts their mere presence). ``claim`` writes one
conditionally: True for the one caller that got it.
"""

from __future__ import annotations

import datetime as dt

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from .models import EphemeralModel


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
