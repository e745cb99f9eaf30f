"""Requests from other platforms (seed 004: 12345 national, 人民网留言板, 信访 arrive as one
ticket, one id): partners post requests, are told of each later step, and read their own.

- A partner (``registry``: ``partner`` / source) has a name, a callback URL and a Secrets Manager
  secret (``{"hmac_key": "..."}``) whose key signs its requests and our callbacks
  (``domain/partners.py``): an unknown source, a bad signature or a timestamp outside the replay
  window is a 401 before the body is read.
- ``POST /v1/partners/{source}/tickets`` goes through the normal intake (channel ``partner``)
  once per (source, source id): the submission's marker, written in the ticket's transaction and
  kept ``PARTNER_MARKER_SECONDS``, maps the source id to the ticket; the same source id again
  returns the same ticket, with another body it is a 409.
- Each later step (a citizen-visible timeline entry) is an outbox effect (``services/outbox.py``,
  once per entry and partner): one attempt at once; a failure is kept as a pending delivery
  (``partner#delivery``) that the ``partner_callbacks`` job retries with backoff, so a partner
  that is down never holds up the outbox; after ``MINYI_PARTNER_MAX_ATTEMPTS`` it is *stuck*:
  the job's ``PartnerCallbacksStuck`` gauge raises an alarm, ``admin_partner_deliveries`` lists
  them and can retry them.
- A partner reads a ticket by its own source id only (another partner's ids are not found).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from ..adapters import keys
from ..adapters.partner_http import CallbackFailed
from ..domain import partners as rules
from ..domain.changes import KINDS
from ..domain.errors import NotFound, ValidationError
from ..domain.jsonin import matching, short_text
from ..observability import count, gauge, logger
from ..wiring import container
from . import intake, views
from .sla_service import to_local

PARTNERS = "partner"
DELIVERIES = "partner#delivery"
PARTNER_MARKER_SECONDS = 10 * 365 * 86400
STUCK_METRIC = "PartnerCallbacksStuck"


# ------------------------------------------------------------------ partners (admin)
def register(event: dict) -> dict:
    """Admin (``admin_partner``): ``{"source", "name", "callback_url", "secret_id",
    "active"?}`` adds or edits a partner."""
    if not isinstance(event, dict):
        raise ValidationError("event 应为对象", code="wrong_type")
    source = matching(event, "source", rules.SOURCE_RE, "source 应为 2-32 位小写字母、数字或 -",
                      "invalid_source")
    name = short_text(event, "name", 100, "name 应为 1-100 字的平台名称")
    url = event.get("callback_url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.netloc or (
            parts.scheme == "http" and not container.settings.is_local):
        raise ValidationError("callback_url 应为 https 地址", field="callback_url",
                              code="invalid_url")
    secret_id = event.get("secret_id")
    prefix = f"minyi/{container.settings.stage}/partner/"    # what the functions may read (IAM)
    if not isinstance(secret_id, str) or not secret_id.startswith(prefix) or \
            len(secret_id) > 200:
        raise ValidationError(f"secret_id 应为 Secrets Manager 中该平台密钥的名称（{prefix}...）",
                              field="secret_id", code="missing_field")
    active = event.get("active", True)
    if not isinstance(active, bool):
        raise ValidationError("active 应为 true 或 false", field="active", code="wrong_type")
    record = {"name": name.strip(), "callback_url": url, "secret_id": secret_id,
              "active": active}
    container.registry.put(PARTNERS, source, record, container.now())
    return {"source": source, **record}


def _partner(source: str) -> dict | None:
    record = container.registry.get(PARTNERS, source) if rules.SOURCE_RE.match(source) else None
    return {**record, "source": source} if record and record.get("active", True) else None


def _key(partner: dict) -> str:
    secret_id = container.settings.partner_secret_ids.get(partner["source"]) or \
        partner["secret_id"]
    key = container.secrets.json(secret_id).get("hmac_key")
    if not isinstance(key, str) or len(key) < 16:
        raise RuntimeError(f"partner secret {secret_id!r} has no hmac_key")
    return key


def authenticate(source: str, headers, method: str, path: str, body: bytes) -> dict:
    """The partner whose signed request this is, or a 401 (unknown source, stale timestamp,
    bad signature alike: nothing tells a caller which)."""
    partner = _partner(source)
    if partner is None:
        raise rules.BadSignature()
    timestamp = headers.get(rules.TIMESTAMP_HEADER.lower())
    rules.check_timestamp(timestamp, container.now(), container.settings.partner_replay_seconds)
    rules.verify(_key(partner), timestamp, headers.get(rules.SIGNATURE_HEADER.lower()), method,
                 path, body)
    return partner


# ------------------------------------------------------------------ requests in, reads
def _idempotency_key(source: str, source_id: str) -> str:
    return f"partner:{source}:{source_id}"


def submit(partner: dict, source_id: str, submission) -> dict:
    """A partner's request: one ticket per (source, source id)."""
    source = partner["source"]
    ticket = intake.submit(
        submission, citizen_id=f"tel:{submission.phone}", channel="partner",
        idempotency_key=_idempotency_key(source, source_id), submitter=f"partner:{source}",
        marker_ttl=PARTNER_MARKER_SECONDS,
        extra={"partner_source": source, "partner_ref": source_id})
    count("PartnerTicketsReceived", source=source)
    return {"source": source, "source_id": source_id, "ticket": ticket}


def get(partner: dict, source_id: str) -> dict:
    """``GET /v1/partners/{source}/tickets/{source_id}``: the partner's own ticket only."""
    source = partner["source"]
    marker = None
    if rules.SOURCE_ID_RE.match(source_id):
        key = keys.submission(f"partner:{source}", _idempotency_key(source, source_id))
        marker = container.markers.live(key, container.now())
    ticket = container.tickets.get((marker.data or {})["ticket_id"]) if marker else None
    if ticket is None:
        raise NotFound("未找到该平台的这件诉求", code="not_found")
    timeline = container.tickets.timeline(ticket.ticket_id)
    return {"source": source, "source_id": source_id,
            "ticket": views.citizen_ticket(ticket, container.now(), timeline)}


# ------------------------------------------------------------------ callbacks
def deliver(entry) -> str:
    """The outbox effect of one reported step (``entry``: ``services.outbox.Entry``): one
    attempt now; a failure becomes a pending delivery, retried by :func:`retry_due`."""
    source = entry.snap.get("partner_source")
    partner = _partner(source) if source else None
    if partner is None or not partner.get("callback_url"):
        count("PartnerCallbackSkipped", source=source or "")
        return "skipped"
    ticket = entry.ticket
    step = views.event_view(entry.event, staff=False)
    body = {"delivery_id": f"{source}#{entry.key}", "source": source,
            "source_id": ticket.partner_ref if ticket else None,
            "ticket_id": entry.event.ticket_id, "code": entry.code,
            "status": entry.snap.get("status"), "version": entry.snap.get("version"),
            "step": {**step, "label": KINDS.get(entry.kind, entry.kind)}}
    if entry.kind == "replied" and ticket is not None and ticket.reply_text:
        body["reply"] = ticket.reply_text
    record = {"source": source, "url": partner["callback_url"],
              "body": json.dumps(body, ensure_ascii=False), "attempts": 0,
              "first_at": int(container.now())}
    return _attempt(body["delivery_id"], record, partner, stored=False)


def _attempt(delivery_id: str, record: dict, partner: dict, *, stored: bool = True) -> str:
    now = container.now()
    url = record["url"]
    raw = record["body"].encode("utf-8")
    timestamp = str(int(now))
    signature = rules.sign(_key(partner), timestamp, "POST", urlsplit(url).path or "/", raw)
    try:
        container.partner_http.post(url, raw, {rules.TIMESTAMP_HEADER: timestamp,
                                               rules.SIGNATURE_HEADER: signature,
                                               rules.DELIVERY_HEADER: delivery_id})
    except CallbackFailed as exc:
        attempts = int(record.get("attempts") or 0) + 1
        stuck = attempts >= container.settings.partner_max_attempts
        record = {**record, "attempts": attempts, "last_error": str(exc)[:300],
                  "state": "stuck" if stuck else "pending",
                  "next_at": int(now + rules.backoff(attempts))}
        container.registry.put(DELIVERIES, delivery_id, record, now)
        count("PartnerCallbackStuck" if stuck else "PartnerCallbackFailed",
              source=record["source"])
        logger.warning("partner callback failed", extra={"delivery": delivery_id,
                                                         "attempts": attempts, "stuck": stuck})
        return "stuck" if stuck else "pending"
    if stored:
        container.registry.delete(DELIVERIES, delivery_id)
    count("PartnerCallbacksDelivered", source=record["source"])
    return "delivered"


def retry_due(*, include_stuck: bool = False) -> dict:
    """The ``partner_callbacks`` job: every pending delivery whose time has come, again (and the
    stuck ones too when an admin asks)."""
    now = container.now()
    results: dict[str, int] = {}
    for delivery_id, record in container.registry.all(DELIVERIES):
        state = record.get("state")
        if state == "stuck" and not include_stuck:
            continue
        if state == "pending" and record.get("next_at", 0) > now:
            continue
        partner = _partner(record["source"])
        if partner is None:
            continue
        if state == "stuck":          # an admin's retry starts the count again
            record = {**record, "attempts": 0}
        outcome = _attempt(delivery_id, record, partner)
        results[outcome] = results.get(outcome, 0) + 1
    stuck = sum(r.get("state") == "stuck" for _, r in container.registry.all(DELIVERIES))
    gauge(STUCK_METRIC, stuck)          # the partner-callbacks-stuck alarm (infra/monitoring.py)
    return results


def deliveries_report(event: dict | None = None) -> dict:
    """Admin (``admin_partner_deliveries``): the callbacks not delivered yet, stuck first;
    ``{"retry_stuck": true}`` tries the stuck ones again first."""
    retried = retry_due(include_stuck=True) if (event or {}).get("retry_stuck") else None
    items = []
    for delivery_id, record in container.registry.all(DELIVERIES):
        items.append({"delivery_id": delivery_id, "source": record.get("source"),
                      "state": record.get("state"), "attempts": record.get("attempts"),
                      "last_error": record.get("last_error"),
                      "first_at": to_local(record["first_at"]).isoformat(),
                      "next_at": to_local(record["next_at"]).isoformat()})
    items.sort(key=lambda i: (i["state"] != "stuck", i["first_at"]))
    report = {"stuck": sum(i["state"] == "stuck" for i in items),
              "pending": sum(i["state"] == "pending" for i in items), "items": items}
    if retried is not None:
        report["retried"] = retried
    return report
