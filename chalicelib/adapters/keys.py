"""Every key prefix of the tables, in one place (docs/data-model.md).

``registry`` partitions (``pk``) hold small long-lived records by kind; ``ephemeral`` keys are
markers and records with a TTL (``adapters/markers.py``). The shards of the sparse deadline and
callback indexes (``D#<n>``, ``O#<n>``) are the escalation rule's and live in
``domain/escalation.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

# --- registry partitions (pk) ---------------------------------------------------------------
CALENDAR = "calendar"                       # sk = ISO day: an admin override of the calendar
CALENDAR_NOTICE = "calendar-notice"         # sk = year: a State Council notice applied
SLA = "sla"                                 # sk = jurisdiction ("default" for all)
SUPERVISE = "supervise#"                    # + unit id; sk = ticket id: the to-supervise list
SUPERVISED = "supervised#"                  # + unit id; sk = ticket id: closed ones, moved there
SURVEY_OPEN = "survey#open"                 # sk = phone: the ticket whose survey is open
OPTOUT = "optout"                           # sk = phone: never surveyed again
MALICIOUS_CALLER = "caller#malicious"       # sk = phone key
CLASSIFIER = "classifier"                   # sk = "df" | "sums#<k>": the learned statistics
CLASSIFIER_SUMS = "sums#"
CLASSIFIER_EXAMPLES = "examples"            # sk = ticket id: one learned example
TICKET_CODE_COUNTER = "counter#ticket-code"  # sk = local day
MEASURE_COUNTERS = "m#"                     # + scope#day; sk = scope id
POOL = "pool#"                              # + unit id: the monitoring pool
DAYTIME_SMS = "smsq#"                       # + local day; sk = entry#phone: a citizen SMS
                                            # waiting for the daytime window (daytime_sms.py)

# --- ephemeral keys (pk) --------------------------------------------------------------------
SMS_OUTBOUND = "smsout#"                    # + provider message id
SMS_QUOTA = "smsquota#"                     # + phone#local day
VOICE_CALL = "voicecall#"                   # + provider call id


def _key(prefix: str) -> Callable[..., str]:
    """A key builder: ``prefix``, then its parts joined by ``#``."""
    def build(*parts) -> str:
        return prefix + "#".join(str(part) for part in parts)
    return build


def submission(submitter: str, idempotency_key: str) -> str:
    """One submission per submitter and Idempotency-Key."""
    digest = hashlib.sha256(f"{submitter}|{idempotency_key}".encode()).hexdigest()[:40]
    return "submission#" + digest


# the keys by their parts
supervise = _key(SUPERVISE)                 # (unit id)
supervised = _key(SUPERVISED)               # (unit id)
measure_counters = _key(MEASURE_COUNTERS)   # (scope, day)
daytime_sms = _key(DAYTIME_SMS)             # (local day)
pool = _key(POOL)                           # (unit id)
voice_call = _key(VOICE_CALL)               # (provider call id)
inbound = _key("inbound#")                  # (provider, message id): one inbound SMS, receipt
#                                             or voice keypress (provider "voice" for calls)
clarify = _key("clarify#")                  # (phone)
reminder = _key("remind#")                  # (ticket id, phase, which, deadline)
report = _key("report#")                    # (granularity, start)
effects = _key("fx#")                       # (entry key): the outbox effects of one entry
kb_expired = _key("kb-expired#")            # (entry id, valid until)
pool_digest = _key("pooldigest#")           # (day)
track_ip = _key("track#ip#")                # (client ip)
track_code = _key("track#code#")            # (code)
measure_applied = _key("mapplied#")         # (ticket id, sk, counter set)
