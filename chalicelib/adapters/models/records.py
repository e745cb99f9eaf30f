"""Small records: the registry (long-lived, by kind) and the ephemeral table (TTL markers,
counters)."""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

from .base import _meta


class RegistryModel(Model):
    """Small long-lived items keyed by kind: counters, calendar overrides, SLA policies, opt-outs.

    ``pk`` names the kind (``counter#ticket-code``, ``calendar``, ``sla``, ``optout``...), ``sk``
    the item within it.
    """

    Meta = _meta("registry")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    value = NumberAttribute(null=True)
    data = JSONAttribute(null=True)
    updated_at = NumberAttribute(null=True)


class EphemeralModel(Model):
    """Short-lived items with a TTL: idempotency records (written by Powertools), send markers,
    webhook de-duplication. DynamoDB deletes them late, so readers must check ``expires_at``.
    """

    Meta = _meta("ephemeral")

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()
    data = JSONAttribute(null=True)
    hits = NumberAttribute(null=True)                    # rate-limit counters (adapters/counters)


class CounterModel(Model):
    """A counter in the ephemeral table (same table as ``EphemeralModel``, not provisioned
    separately): the SMS sent to one number on one local day (``smsquota#<phone>#<day>``)."""

    Meta = _meta("ephemeral")

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()
    n = NumberAttribute(null=True)


class EffectsMarkerModel(Model):
    """The outbox's marker of one timeline entry (``fx#<ticket>#<entry sk>``, same table as
    ``EphemeralModel``): who holds the entry's lease and until when, and which of its effects
    are done (``adapters/markers.py``: ``claim_entry``, ``record_done``, ``finish_entry``)."""

    Meta = _meta("ephemeral")

    pk = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()                 # the marker's life (RETAIN), not the lease
    state = UnicodeAttribute(null=True)         # sending | released | done
    lease_until = NumberAttribute(null=True)    # epoch seconds; 0 once released
    done = ListAttribute(of=UnicodeAttribute, null=True)    # "<effect>#<recipient>"
