"""Voice survey results (Amazon Connect, Tencent VMS keypresses) and the survey SMS's
delivery record."""

from __future__ import annotations

from typing import Any

from ...adapters import keys
from ...domain import survey as rules
from ...domain.errors import ValidationError
from ...domain.intake import normalize_phone
from ...domain.ticket import Actor
from ...observability import count, logger
from ...wiring import container
from .. import sms_delivery
from .answers import apply_answer
from .state import survey_open

_RESOLVED_KEYS = {"1": True, "2": False}


def voice_result(event: Any) -> dict:
    """What an Amazon Connect contact flow reports after the survey call: the keypresses in
    ``Details.Parameters`` (``satisfaction`` 1-5, ``resolved`` 1 解决 / 2 没解决), the ticket in the
    contact attributes we started the call with. Answers Connect with a flat string map."""
    details = (event or {}).get("Details") or {}
    contact = details.get("ContactData") or {}
    params = details.get("Parameters") or {}
    attributes = contact.get("Attributes") or {}
    ticket_id = str(params.get("ticket_id") or attributes.get("ticket_id") or "")
    contact_id = str(contact.get("ContactId") or contact.get("InitialContactId") or "")
    raw_sat = str(params.get("satisfaction") or "").strip()
    raw_res = str(params.get("resolved") or "").strip()
    if not ticket_id or not contact_id:
        return {"result": "invalid", "reason": "missing_contact"}
    address = (contact.get("CustomerEndpoint") or {}).get("Address")
    return _voice_answer(ticket_id, contact_id, address, raw_sat, raw_res, "connect")


def _voice_answer(ticket_id: str, contact_id: str, address: str | None, raw_sat: str,
                  raw_res: str, provider: str) -> dict:
    """The keys a citizen pressed on a survey call, from any voice provider, once per call."""
    satisfaction = int(raw_sat) if raw_sat in ("1", "2", "3", "4", "5") else None
    resolved = _RESOLVED_KEYS.get(raw_res)
    if satisfaction is None and resolved is None:
        return {"result": "invalid", "reason": "no_keypress"}    # the flow may ask again
    t = container.tickets.get(ticket_id)
    try:
        caller = normalize_phone(address) if address else None
    except ValidationError:
        caller = None
    if t is None or caller != t.phone:
        return {"result": "invalid", "reason": "unknown_ticket"}
    key = keys.inbound("voice", contact_id)
    now = container.now()
    if not container.markers.claim(key, now=now,
                         expires_at=now + container.settings.inbound_dedupe_ttl_seconds):
        return {"result": "duplicate"}
    try:
        if not survey_open(t):
            return {"result": "closed"}
        pressed = " ".join(f"{k}={v}" for k, v in (("satisfaction", raw_sat),
                                                    ("resolved", raw_res)) if v)
        step = apply_answer(t, rules.Answer(satisfaction, resolved), channel="voice",
                            raw_text=f"电话按键：{pressed}", actor=Actor("citizen", t.citizen_id),
                            source={"provider": provider, "contact_id": contact_id})
    except Exception:
        container.markers.release(key)
        raise
    return {"result": "ok", "step": step}


def handle_voice_callback(adapter, payload: Any) -> dict:
    """A voice provider's callbacks (Tencent VMS): a key press answers the survey of the call
    it belongs to (found by the call id recorded when the call was placed)."""
    from ...adapters.sms_providers import MalformedCallback
    try:
        voice_events = adapter.parse(payload)
    except MalformedCallback as exc:
        raise ValidationError(f"回调内容无法识别：{exc}", code="malformed_callback") from None
    results = []
    for event in voice_events:
        if event.kind != "keypress":
            count("SurveyCallStatus", provider=event.provider, kind=event.kind,
                  result=str(event.result))
            results.append(event.kind)
            continue
        call = container.markers.live(keys.voice_call(event.call_id), container.now())
        if call is None:
            results.append("unknown_call")
            continue
        ticket_id = (call.data or {}).get("ticket_id", "")
        results.append(_voice_answer(ticket_id, f"{event.provider}:{event.call_id}",
                                     event.phone, event.key or "", "",
                                     event.provider)["result"])
    logger.info("voice callback", extra={"provider": adapter.name, "results": results})
    return adapter.ok()


# ------------------------------------------------------------------ delivery receipts
def outbound_status(message_id: str) -> dict | None:
    """The survey SMS's outbound record (its delivery receipt: services/sms_delivery.py)."""
    return sms_delivery.outbound_status(message_id)
