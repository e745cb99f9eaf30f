"""Retention (个人信息保护法): personal data is kept only as long as the work needs it.

- ``retention`` (a daily job): final tickets (closed, rejected, withdrawn, merged) last changed
  more than ``MINYI_RETENTION_DAYS`` ago are anonymized, ``MINYI_RETENTION_BATCH`` a run.
- ``admin_erase_citizen`` (an admin function, on a lawful request): every ticket of a citizen
  (by phone and/or WeChat openid) is anonymized now; open ones only with ``include_open``
  (their handling still needs the contact), else listed. ``dry_run`` lists without changing.

Anonymizing a ticket (``domain/retention.py`` says what goes and what stays): first its timeline
entries lose their free text (``tickets_repo.redact_timeline``: an in-place update of entries
already acted on, which the outbox ignores), then the ticket itself changes through the one
change path (``services/changes.py``) with an ``anonymized`` timeline entry (not shown to the
citizen, not reported to partners, counted by no measure), then its uploads are deleted. A run
cut short is simply repeated: a ticket counts as anonymized once its own change committed.
"""

from __future__ import annotations

from ..domain import retention as rules
from ..domain.changes import Step
from ..domain.errors import ValidationError
from ..domain.intake import normalize_phone
from ..domain.ticket import OPEN_STATUSES, Actor
from ..observability import count, logger
from ..wiring import container
from . import changes

ACTOR = Actor("system", "retention")
MAX_TICKETS = 1000


def anonymize(ticket, *, reason: str, request_ref: str | None = None) -> bool:
    """Remove a ticket's personal data (False: it was anonymized before)."""
    if ticket.anonymized_at:
        return False
    container.tickets.redact_timeline(ticket.ticket_id, rules.redact_data)
    uploads = list(ticket.attachments or [])

    def mutate(t, now):
        t.name = None
        t.phone = ""
        t.phone_key = None
        t.citizen_id = f"anon:{t.ticket_id}"
        t.description = rules.REDACTED
        if t.reply_text:
            t.reply_text = rules.REDACTED
        t.location = None
        t.attachments = []
        t.merged_reporters = rules.redact_reporters(t.merged_reporters)
        t.review = rules.redact_review(t.review)
        for name in rules.RECORD_FIELDS:
            if getattr(t, name, None):
                setattr(t, name, rules.redact_record(getattr(t, name)))
        t.anonymized_at = now
        data = {"reason": reason}
        if request_ref:
            data["request_ref"] = request_ref
        return [Step("anonymized", None, data, visible=False)]

    changes.change(ticket, ACTOR, mutate)
    if uploads:
        container.uploads.delete(uploads)
    count("TicketsAnonymized", reason=reason)
    return True


def anonymize_due(event: dict | None = None) -> dict:
    """The daily job: final tickets past the retention period, a batch a run."""
    s = container.settings
    cutoff = container.now() - s.retention_days * 86400
    done = 0
    for ticket in container.tickets.final_changed_before(cutoff, s.retention_batch):
        done += anonymize(ticket, reason="retention")
    logger.info("retention run", extra={"anonymized": done, "days": s.retention_days})
    return {"anonymized": done, "retention_days": s.retention_days}


def _citizen_tickets(phone: str | None, openid: str | None) -> dict:
    from . import duplicates
    found = {}
    citizen_ids = ([f"wx:{openid}"] if openid else []) + ([f"tel:{phone}"] if phone else [])
    for citizen_id in citizen_ids:
        cursor = None
        while True:
            items, cursor = container.tickets.citizen_tickets(citizen_id, 100, cursor)
            found.update({t.ticket_id: t for t in items})
            if not cursor or len(found) >= MAX_TICKETS:
                break
    if phone:
        for t in container.tickets.recent_by_phone(duplicates.phone_key(phone), MAX_TICKETS):
            found.setdefault(t.ticket_id, t)
    # the index entries hold projections: read each ticket in full before changing it
    return container.tickets.get_many(found)


def erase_citizen(event: dict) -> dict:
    """Admin (``admin_erase_citizen``): ``{"phone"?, "openid"?, "request_ref", "dry_run"?,
    "include_open"?}``."""
    if not isinstance(event, dict):
        raise ValidationError("event 应为对象", code="wrong_type")
    phone = normalize_phone(event["phone"]) if event.get("phone") is not None else None
    openid = event.get("openid")
    if openid is not None and (not isinstance(openid, str) or not 1 <= len(openid) <= 128):
        raise ValidationError("openid 不正确", field="openid", code="wrong_type")
    if not phone and not openid:
        raise ValidationError("请给出 phone 或 openid", field="phone", code="missing_field")
    ref = event.get("request_ref")
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 100:
        raise ValidationError("request_ref 应为依法申请的编号（1-100 字）", field="request_ref",
                              code="missing_field")
    dry_run, include_open = event.get("dry_run", False), event.get("include_open", False)
    if not isinstance(dry_run, bool) or not isinstance(include_open, bool):
        raise ValidationError("dry_run、include_open 应为 true 或 false", code="wrong_type")
    tickets = sorted(_citizen_tickets(phone, openid).values(), key=lambda t: t.created_at)
    pending = [t for t in tickets if not t.anonymized_at]
    kept_open = [t.code for t in pending if t.status in OPEN_STATUSES and not include_open]
    chosen = [t for t in pending if t.code not in kept_open]
    result = {"request_ref": ref.strip(), "dry_run": dry_run,
              "tickets": [t.code for t in chosen], "kept_open": kept_open}
    if not dry_run:
        for t in chosen:
            anonymize(t, reason="erasure", request_ref=ref.strip())
        logger.info("citizen data erased", extra={"request_ref": ref.strip(),
                                                  "tickets": len(chosen)})
    return result
