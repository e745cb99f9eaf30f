"""The knowledge base: units write entries, the dispatch center approves them, the hotline agent
and the mini-program search them (also with a consult's draft text, before it is submitted), a
consult the citizen says an entry answered is recorded as answered at first contact, and units
are reminded when their entries expire.

Entries live in ``registry`` under ``kb`` / entry id (one partition, one Query). The search index
is built in the process from that Query and rebuilt when any entry changed.
"""

from __future__ import annotations

import threading

from ..adapters import keys
from ..adapters.tickets_repo import Ticket
from ..domain import kb as rules
from ..domain.changes import Step
from ..domain.classify import tokenize
from ..domain.errors import Forbidden, NotFound, ValidationError, referenced
from ..domain.paging import page_size
from ..domain.redaction import redact
from ..domain.ticket import CLOSED, new_ticket_id
from ..lazy import lazy
from ..observability import count, logger
from ..wiring import container
from . import notify
from .sla_service import to_local
from .staff_auth import StaffUser

models = lazy("chalicelib.api.models")       # the typed request bodies (pydantic)
KIND = "kb"
REMINDER_TTL = 400 * 86400
_lock = threading.Lock()
_index: tuple[frozenset, rules.Index] | None = None


def today() -> str:
    return to_local(container.now()).date().isoformat()


def _entry(entry_id: str, data: dict) -> rules.Entry:
    extra = {k: data[k] for k in ("created_by", "created_at", "updated_at", "decided_by",
                                  "decision_reason") if k in data}
    return rules.Entry(entry_id, data["question"], data["answer"], data["unit_id"],
                       data["valid_until"], data.get("category"), data.get("region_scope"),
                       data.get("status", rules.PENDING), extra)


def _all() -> list[rules.Entry]:
    return [_entry(i, d) for i, d in container.registry.all(KIND)]


def _get(entry_id: str) -> rules.Entry:
    data = container.registry.get(KIND, entry_id) if isinstance(entry_id, str) else None
    if data is None:
        raise NotFound("知识条目不存在")
    return _entry(entry_id, data)


def _save(entry: rules.Entry) -> dict:
    data = entry.to_dict()
    data.pop("id")
    data["updated_at"] = int(container.now())
    container.registry.put(KIND, entry.entry_id, data, container.now())
    return {"id": entry.entry_id, **data}


def _check_refs(fields: dict) -> None:
    ref = container.reference
    if fields["category"] and ref.category(fields["category"]) is None:
        raise ValidationError("未知的诉求分类", field="category", code="unknown_category")
    if fields["region_scope"] and ref.region(fields["region_scope"]) is None:
        raise ValidationError("未知的地区编码", field="region_scope", code="unknown_region")


# ------------------------------------------------------------------ units write, center approves
def create_entry(user: StaffUser, body) -> dict:
    fields = rules.parse_entry(body, today())
    _check_refs(fields)
    now = container.now()
    entry = rules.Entry(new_ticket_id(now), fields["question"], fields["answer"], user.unit_id,
                        fields["valid_until"], fields["category"], fields["region_scope"],
                        rules.PENDING, {"created_by": user.user, "created_at": int(now)})
    count("KbEntriesWritten")
    return _save(entry)


def update_entry(user: StaffUser, entry_id: str, body) -> dict:
    entry = _get(entry_id)
    if entry.unit_id != user.unit_id:
        raise Forbidden("只能修改本单位的知识条目", code="not_your_unit")
    fields = rules.parse_entry(body, today())
    _check_refs(fields)
    changed = rules.Entry(entry.entry_id, fields["question"], fields["answer"], entry.unit_id,
                          fields["valid_until"], fields["category"], fields["region_scope"],
                          rules.PENDING, {**entry.extra, "updated_by": user.user})
    return _save(changed)          # a changed entry is approved again before it shows


def decide(user: StaffUser, entry_id: str, body) -> dict:
    if not user.has("dispatcher"):
        raise Forbidden("只有热线中心可以审核知识条目", code="role_required")
    body = models.coerce(models.KbDecision, body)      # typed at the edge; raw from tests
    reason = body.reason
    entry = _get(entry_id)
    status = rules.APPROVED if body.approve else rules.REJECTED
    decided = rules.Entry(entry.entry_id, entry.question, entry.answer, entry.unit_id,
                          entry.valid_until, entry.category, entry.region_scope, status,
                          {**entry.extra, "decided_by": user.user, "decision_reason": reason})
    count("KbEntriesDecided", status=status)
    return _save(decided)


def list_entries(user: StaffUser, status: str | None) -> dict:
    if status is not None and status not in (rules.PENDING, rules.APPROVED, rules.REJECTED):
        raise ValidationError("status 应为 pending/approved/rejected", field="status",
                              code="invalid_status")
    entries = _all()
    if not user.has("dispatcher"):
        entries = [e for e in entries if e.unit_id == user.unit_id]
    if status:
        entries = [e for e in entries if e.status == status]
    day = today()
    return {"items": [{**e.to_dict(), "expired": not e.valid_on(day)} for e in entries]}


# ------------------------------------------------------------------ search
def index() -> rules.Index:
    global _index
    entries = [e for e in _all() if e.status == rules.APPROVED]
    key = frozenset((e.entry_id, e.valid_until, e.extra.get("updated_at")) for e in entries)
    with _lock:
        if _index is None or _index[0] != key:
            _index = (key, rules.Index(entries, tokenize))
        return _index[1]


def _chain(region_code: str | None) -> list[str] | None:
    if region_code is None:
        return None
    valid = isinstance(region_code, str) and region_code.isascii() and region_code.isdigit() \
        and len(region_code) == 12
    region = container.reference.region(region_code) if valid else None
    if region is None:
        raise ValidationError("未知的地区编码", field="region_code", code="unknown_region")
    return list(region.chain or [region_code])


def search(text, region_code: str | None = None, category: str | None = None,
           limit: str | None = None) -> dict:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("请输入要查询的问题", field="q", code="missing_field")
    if len(text) > 4000:
        raise ValidationError("查询内容过长", field="q", code="too_long")
    if category is not None and (not isinstance(category, str) or len(category) > 10):
        raise ValidationError("诉求分类不正确", field="category", code="unknown_category")
    ref = container.reference
    hits = index().search(text, today=today(), chain=_chain(region_code), category=category,
                          limit=page_size(limit, rules.DEFAULT_RESULTS))
    count("KbSearches", hit=str(bool(hits)).lower())
    return {"items": [{"id": e.entry_id, "question": redact(e.question),
                       "answer": redact(e.answer),
                       "category": e.category, "unit": ref.unit_name(e.unit_id),
                       "valid_until": e.valid_until, "score": score} for e, score in hits]}


def suggest(body) -> dict:
    """What the mini-program offers before a consult is submitted: the draft's best answers."""
    body = models.coerce(models.Suggest, body)
    return search(body.description, body.region_code, body.category)


# ------------------------------------------------------------------ a consult answered by an entry
def entry_for_consult(entry_id, ticket_type: str, region_code: str) -> rules.Entry:
    """The entry a citizen says answered their consult: approved, valid, for their place."""
    if ticket_type != "consult":
        raise ValidationError("只有咨询类诉求可以由知识库解答", field="kb_entry_id",
                              code="kb_not_for_type")
    entry = referenced(_get, entry_id, field="kb_entry_id", code="unknown_kb_entry",
                       message="知识条目不存在")
    if entry.status != rules.APPROVED or not entry.valid_on(today()) or \
            not entry.applies_to(_chain(region_code)):
        raise ValidationError("该知识条目已失效或不适用于所在地区", field="kb_entry_id",
                              code="kb_entry_not_valid")
    return entry


def answered(ticket: Ticket, entry: rules.Entry, now: float) -> Step:
    """The consult is closed at first contact with the entry's answer (counts for first-contact
    resolution); the step says which entry and unit answered it."""
    unit = container.reference.unit_name(entry.unit_id)
    ticket.status = CLOSED
    ticket.kb_entry_id = entry.entry_id
    ticket.reply_text = entry.answer
    ticket.replied_at = ticket.closed_at = now
    ticket.due_at = None                # nothing left to answer: no deadline to promise
    ticket.grade = "B"
    ticket.resolved = True
    count("FirstContactResolved", source="kb")
    return Step("kb_answered", entry.question, channel=ticket.channel,
                data={"kb_entry_id": entry.entry_id, "first_contact_resolution": True,
                      "public": {"unit": unit}})


# ------------------------------------------------------------------ expiry reminders
def remind_expired() -> dict:
    """Tell each unit, once per entry and expiry date, that its entry stopped showing."""
    now = container.now()
    day = today()
    sent = 0
    for entry in _all():
        if entry.status != rules.APPROVED or entry.valid_on(day):
            continue
        key = keys.kb_expired(entry.entry_id, entry.valid_until)
        if not container.markers.claim(key, now=now, expires_at=now + REMINDER_TTL):
            continue
        unit = container.reference.unit(entry.unit_id)
        phone = unit.duty_phone if unit else None
        if notify.send_now(phone, notify.unit_kb_expired(entry.question, entry.valid_until),
                           kind="kb_expired"):
            sent += 1
        else:
            logger.warning("kb expiry reminder not sent", extra={"entry": entry.entry_id})
            if phone:
                container.markers.release(key)        # the next run tries again
    if sent:
        count("KbExpiryReminders", value=sent)
    return {"reminded": sent}
