"""What a citizen's SMS means, whichever way it arrived (AWS End User Messaging via SNS, the
Tencent Cloud or Aliyun webhooks).

Each message acts once: a de-duplication marker (provider + the provider's message id) is
written conditionally before acting, and removed again if acting fails so the provider's retry
is not lost. Then:

- 退订 / TD: the number is opted out of surveys;
- a digit or an answer word, with a survey open for the number: the survey's answer;
- anything else with a survey open: kept on that ticket's timeline, and one clarifying SMS;
- with no survey open: a supplement to the number's newest open ticket (quoted by its code, or
  recent), else a new ticket through the normal intake (channel ``sms``, citizen ``tel:<E.164>``);
  a ticket whose text names no place waits in the review queue and the citizen is asked for the
  community; the reply that names one sets it (services/sms_place.py).

A clarifying SMS goes out at most once a day per number, so an auto-responder can't loop.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ..adapters import keys
from ..adapters.sms_providers import (
    PROVIDERS,
    Callbacks,
    DeliveryReceipt,
    InboundSms,
    MalformedCallback,
    parse_end_user_messaging,
    secret_matches,
)
from ..adapters.tickets_repo import Ticket
from ..domain import survey as rules
from ..domain.changes import Step
from ..domain.errors import Forbidden, NotFound, Unauthorized, ValidationError
from ..domain.intake import normalize_phone
from ..domain.ticket import FINAL_STATUSES, MAX_SUPPLEMENT, Actor, is_valid_code
from ..observability import count, logger
from ..wiring import container
from . import changes, notify, sms_delivery, sms_place, survey

MIN_DESCRIPTION = 5
_CODE_RE = re.compile(r"(?<!\d)\d{13}(?!\d)")
_QUERY_RE = re.compile(r"^\s*(?:查询|CX|cx)\s*[:：]?\s*(\d{13})\s*$")


# ------------------------------------------------------------------ entry points
def authenticate(provider: str, token: str | None, providers: dict | None = None) -> Callbacks:
    """The provider's adapter if the callback carries its secret; refuse before reading more.
    ``providers``: the voice callbacks' adapters instead of the SMS ones (same secrets)."""
    adapter = (PROVIDERS if providers is None else providers).get(provider)
    expected = container.settings.webhook_secret(provider)
    if adapter is None or expected is None:
        raise NotFound("未知的短信服务商", code="unknown_provider")
    if not token:
        raise Unauthorized("缺少回调密钥", code="missing_webhook_token")
    if not secret_matches(expected, token):
        count("WebhookRefused", provider=provider)
        raise Forbidden("回调密钥不正确", code="invalid_webhook_token")
    return adapter


def handle_callback(adapter: Callbacks, payload: Any) -> dict:
    """One webhook delivery (possibly a batch): receipts, then replies, each acting once."""
    try:
        replies, receipts = adapter.parse(payload)
    except MalformedCallback as exc:
        raise ValidationError(f"回调内容无法识别：{exc}", code="malformed_callback") from None
    results = {}
    for receipt in receipts:
        results[receipt.dedupe_id] = handle_receipt(receipt)
    for message in replies:
        results[message.message_id] = handle(message)
    logger.info("sms callback", extra={"provider": adapter.name, "results": results})
    return adapter.ok()


def handle_sns(message: str) -> str:
    """One two-way SMS reply published by AWS End User Messaging."""
    try:
        sms = parse_end_user_messaging(message)
    except MalformedCallback as exc:
        logger.warning("unreadable inbound sms", extra={"error": str(exc)})
        count("InboundSmsIgnored", reason="malformed")
        return "malformed"
    return handle(sms)


def _first_delivery(key: str) -> bool:
    """Claim the provider's message id: False when it was delivered (and acted on) before."""
    now = container.now()
    return container.markers.claim(key, now=now,
                         expires_at=now + container.settings.inbound_dedupe_ttl_seconds)


def handle_receipt(receipt: DeliveryReceipt) -> str:
    key = keys.inbound(receipt.provider, receipt.dedupe_id)
    if not _first_delivery(key):
        return "duplicate"
    try:
        found = sms_delivery.record_receipt(receipt)
    except Exception:
        container.markers.release(key)
        raise
    return "updated" if found else "unknown_message"


def handle(sms: InboundSms) -> str:
    """Act on one inbound SMS, once."""
    try:
        phone = normalize_phone(sms.phone)
    except ValidationError:
        count("InboundSmsIgnored", reason="bad_number")
        return "bad_number"
    key = keys.inbound(sms.provider, sms.message_id)
    if not _first_delivery(key):
        count("InboundSmsDuplicates", provider=sms.provider)
        return "duplicate"
    try:
        result = _act(sms, phone)
    except Exception:
        container.markers.release(key)            # let the provider's retry act
        raise
    count("InboundSms", provider=sms.provider, result=result.split(":")[0])
    return result


# ------------------------------------------------------------------ what it means
def _act(sms: InboundSms, phone: str) -> str:
    reply = rules.parse_reply(sms.text)
    source = {"provider": sms.provider, "message_id": sms.message_id}
    if reply.kind == rules.OPT_OUT:
        survey.opt_out(phone, text=sms.text, channel="sms", source=sms.provider)
        return "opted_out"
    query = _QUERY_RE.match(sms.text or "")
    if query:
        return _status_query(phone, query.group(1))
    ticket = survey.open_survey_ticket(phone)
    if ticket is not None:
        if reply.kind == rules.ANSWER:
            step = survey.apply_answer(ticket, reply.answer, channel="sms", raw_text=sms.text,
                                       actor=Actor("citizen", ticket.citizen_id), source=source)
            return f"answered:{step}"
        survey.note_message(ticket, sms.text, channel="sms", source=source)
        survey.clarify_once(phone, notify.survey_unclear(ticket.code))
        return "clarified"
    text = (sms.text or "").strip()                       # as written (not normalized)
    if reply.kind == rules.ANSWER and len(text) < MIN_DESCRIPTION:
        survey.clarify_once(phone, notify.no_open_survey())
        return "no_open_survey"
    target = _supplement_target(phone, text)
    if target is not None and sms_place.waiting(target) and \
            sms_place.set_place(container.tickets.get(target.ticket_id), text, source):
        return "place_set"                  # the reply to the SMS that asked for the place
    if target is not None:
        _supplement(target, text[:MAX_SUPPLEMENT], source)   # the outbox confirms it by SMS
        return "supplement"
    if len(text) < MIN_DESCRIPTION:
        survey.clarify_once(phone, notify.too_short())
        return "too_short"
    _new_ticket(phone, text, sms)
    return "ticket"


def _status_query(phone: str, code: str) -> str:
    """"查询 <code>": the status, by SMS, only to the number that filed the ticket; any other
    number gets the same answer as an unknown code."""
    from . import public
    ticket = container.tickets.get_by_code(code) if is_valid_code(code) else None
    if ticket is None or ticket.phone != phone:
        notify.send_now(phone, notify.status_unknown(), kind="status_query")
        return "status_unknown"
    view = public.public_ticket(ticket, container.tickets.timeline(ticket.ticket_id),
                                content=False)
    steps = view["timeline"]
    notify.send_now(phone, notify.status_reply(code, view["stage_label"],
                                               steps[-1]["label"] if steps else None),
                    kind="status_query")
    return "status"


def _supplement_target(phone: str, text: str) -> Ticket | None:
    """The number's open ticket the message adds to: the one whose code it quotes, else the
    newest open one if it is recent."""
    items, _ = container.tickets.citizen_tickets(f"tel:{phone}", 20, None)
    open_items = [t for t in items if t.status not in FINAL_STATUSES]
    quoted = {c for c in _CODE_RE.findall(text) if is_valid_code(c)}
    for t in open_items:
        if t.code in quoted:
            return t
    window = container.settings.sms_supplement_window_seconds
    now = container.now()
    for t in open_items:                                # newest first
        if t.created_at >= now - window:
            return container.tickets.get(t.ticket_id)
    return None


def _supplement(t: Ticket, text: str, source: dict) -> None:
    t = container.tickets.get(t.ticket_id) or t
    changes.change(t, Actor("citizen", t.citizen_id), lambda x, now: [Step(
        "supplement", text, {"source": source, "attachments": [],
                             "public": {"attachments": []}}, channel="sms")])
    count("Supplements", channel="sms")


def _new_ticket(phone: str, text: str, sms: InboundSms) -> dict:
    from . import dispatch, intake
    s = container.settings
    suggestion = dispatch.classifier().suggest(text)
    category = container.reference.category(suggestion.category) if suggestion.category else None
    ticket_type = (category.default_type if category and category.default_type
                   else s.sms_default_type)
    place = sms_place.find(text)            # a place named in the text, else held for one
    body = {"type": ticket_type, "description": text[:4000],
            "region_code": place.code if place else s.sms_default_region, "phone": phone}
    digest = hashlib.sha256(f"{sms.provider}:{sms.message_id}".encode()).hexdigest()[:40]
    created = intake.submit(body, citizen_id=f"tel:{phone}", channel="sms",
                            idempotency_key=f"sms:{sms.provider}:{digest}",
                            review=None if place else sms_place.NO_PLACE)
    if place is None and not created.get("attached"):
        sms_place.ask(phone, created["code"])
    return created
