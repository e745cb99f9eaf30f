"""Fixed-window counters in the TTL table (rate limits against guessing).

A counter is an ``ephemeral`` item ``pk`` with ``hits`` and ``expires_at`` (the window's end).
DynamoDB deletes expired items late, so an item past its ``expires_at`` counts as a new window:
the first hit of a window overwrites it conditionally, later hits ``ADD hits 1`` only while the
window is live. Both writes are conditional, so two callers racing at a window's start do not
lose a hit.
"""

from __future__ import annotations

from pynamodb.exceptions import PutError, UpdateError

from .markers import condition_failed, free, utc
from .models import EphemeralModel


def hit(key: str, *, now: float, window: float) -> int:
    """Count one hit on ``key`` in the current window and return the window's count so far."""
    for _ in range(3):
        item = EphemeralModel(key)
        try:
            item.update(actions=[EphemeralModel.hits.add(1)],
                        condition=EphemeralModel.expires_at > utc(now))
            return int(item.hits or 0)
        except UpdateError as exc:
            if not condition_failed(exc):
                raise
        try:
            EphemeralModel(key, expires_at=utc(now + window), hits=1).save(condition=free(now))
            return 1
        except PutError as exc:
            if not condition_failed(exc):
                raise
    raise RuntimeError(f"counter {key} kept changing")
