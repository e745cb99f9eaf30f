"""Every key prefix of the tables, in one place (docs/data-model.md).

``registry`` partitions (``pk``) hold small long-lived records by kind; ``ephemeral`` keys are
markers and records with a TTL (``adapters/markers.py``). The shards of the sparse deadline and
callback indexes (``D#<n>``, ``O#<n>``) are the escalation rule's and live in
``domain/escalation.py``.
"""

from __future__ import annotations

import hashlib

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


def supervise(unit_id: str) -> str:
    return f"{SUPERVISE}{unit_id}"


def supervised(unit_id: str) -> str:
    return f"{SUPERVISED}{unit_id}"


def measure_counters(scope: str, day: str) -> str:
    return f"{MEASURE_COUNTERS}{scope}#{day}"


def daytime_sms(day: str) -> str:
    return f"{DAYTIME_SMS}{day}"


def pool(unit_id: str) -> str:
    return f"{POOL}{unit_id}"


def submission(submitter: str, idempotency_key: str) -> str:
    """One submission per submitter and Idempotency-Key."""
    digest = hashlib.sha256(f"{submitter}|{idempotency_key}".encode()).hexdigest()[:40]
    return "submission#" + digest


def inbound(provider: str, message_id: str) -> str:
    """One inbound SMS, receipt or voice keypress (``provider`` = ``voice`` for calls)."""
    return f"inbound#{provider}#{message_id}"


def voice_call(call_id: str) -> str:
    return f"{VOICE_CALL}{call_id}"


def clarify(phone: str) -> str:
    return f"clarify#{phone}"


def reminder(ticket_id: str, phase: str, which: str, deadline: int) -> str:
    return f"remind#{ticket_id}#{phase}#{which}#{deadline}"


def report(granularity: str, start: str) -> str:
    return f"report#{granularity}#{start}"


def effect(entry_key: str, name: str, recipient: str) -> str:
    """One outbox effect of one timeline entry."""
    return f"fx#{entry_key}#{name}#{recipient}"


def kb_expired(entry_id: str, valid_until) -> str:
    return f"kb-expired#{entry_id}#{valid_until}"


def pool_digest(day: str) -> str:
    return f"pooldigest#{day}"


def track_ip(client_ip: str) -> str:
    return f"track#ip#{client_ip}"


def track_code(code: str) -> str:
    return f"track#code#{code}"


def measure_applied(ticket_id: str, sk: str, counter_set: str) -> str:
    return f"mapplied#{ticket_id}#{sk}#{counter_set}"
