"""Sending one catalogue SMS, and what happens after: the daily quota per number, the outbound
record, delivery receipts (状态报告), and failures on the ticket's timeline.

For the outbox (the lead's stream consumers) that retries failed sends with backoff:
- ``send_once(phone, message, kind=, attempt=, max_attempts=)`` tries once and answers
  ``Outcome(message_id, retry_in)``: ``retry_in`` seconds when the outbox should try again;
- ``should_retry(error, attempt, max_attempts)``: that decision on its own (None: never again;
  a permanent refusal is never retried, a rate limit waits as long as the provider's rule);
- ``record_delivery_failure(...)``: after the last try (or a permanent refusal, or a failed
  receipt): a ``sms_failed`` entry on the ticket's timeline and the ``SmsDeliveryFailed`` metric.
Today ``deliver`` (what ``notify.send`` calls) is one try: its failure is final and recorded.

The quota (``MINYI_SMS_DAILY_QUOTA`` per number per local day, as the providers enforce: Tencent
10 a natural day by default) keeps ``MINYI_SMS_QUOTA_RESERVE`` for the acceptance SMS (受理):
other messages stop ``reserve`` short of the limit, so reminders and clarifications can never
use up the number's last SMS of the day.

A failed SMS never undoes the step it reports: it is logged and counted, and the step stands.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..adapters.sms import SmsError
from ..adapters.sms_providers import DeliveryReceipt
from ..domain.changes import Step
from ..domain.messages import ESSENTIAL, Message
from ..domain.ticket import SYSTEM
from ..observability import count, logger
from ..wiring import container
from .sla_service import to_local

BACKOFF_BASE = 60                     # seconds: 1, 2, 4, 8 minutes ... capped
BACKOFF_CAP = 3600
DEFAULT_QUOTAS = {"tencent": 10, "aliyun": 40}   # per number per day, provider defaults


@dataclass(frozen=True)
class Outcome:
    message_id: str | None = None
    retry_in: float | None = None       # the outbox tries again after this many seconds
    skipped: str | None = None          # "quota": not sent, to keep the reserve


def daily_quota() -> int:
    s = container.settings
    if s.sms_daily_quota is not None:
        return s.sms_daily_quota
    return DEFAULT_QUOTAS.get(s.sms_mode, 0)


def local_day(now: float) -> str:
    return to_local(now).date().isoformat()


def _quota_allows(phone: str, message: Message, now: float) -> bool:
    limit = daily_quota()
    if limit <= 0:
        return True
    cap = None if message.priority == ESSENTIAL else max(
        limit - container.settings.sms_quota_reserve, 0)
    return container.sms_records.take_quota(phone, local_day(now), cap=cap,
                                            expires_at=now + 2 * 86400)


def should_retry(error: Exception, attempt: int, max_attempts: int) -> float | None:
    """Seconds to wait before try ``attempt + 1``, or None: give up (and record the failure)."""
    if isinstance(error, SmsError) and error.permanent:
        return None
    if attempt >= max_attempts:
        return None
    if isinstance(error, SmsError) and error.retry_after:
        return float(error.retry_after)
    return float(min(BACKOFF_BASE * 2 ** (attempt - 1), BACKOFF_CAP))


def send_once(phone: str, message: Message, *, kind: str, attempt: int = 1,
              max_attempts: int = 1) -> Outcome:
    now = container.now()
    if not _quota_allows(phone, message, now):
        logger.warning("sms skipped: daily quota reserve", extra={
            "kind": kind, "phone": phone, "template": message.name})
        count("SmsQuotaSkipped", kind=kind)
        return Outcome(skipped="quota")
    try:
        message_id = container.sms.send(phone, message)
    except Exception as exc:  # noqa: BLE001 - an SMS outage must not fail the step it reports
        if daily_quota() > 0:        # not sent: it does not count towards the day's quota
            container.sms_records.give_back_quota(phone, local_day(now))
        code = exc.code if isinstance(exc, SmsError) else type(exc).__name__
        logger.exception("sms send failed", extra={"kind": kind, "phone": phone,
                                                   "template": message.name, "error": code,
                                                   "attempt": attempt})
        count("SmsFailed", kind=kind)
        retry_in = should_retry(exc, attempt, max_attempts)
        if retry_in is None:
            record_delivery_failure(phone=phone, message=message, kind=kind, code=code,
                                    description=str(exc),
                                    provider=getattr(exc, "provider", None))
        return Outcome(retry_in=retry_in)
    count("SmsSent", kind=kind)
    if getattr(container.sms, "receipts", False):
        container.sms_records.save_outbound(message_id, _record(phone, message, kind, now), now)
    return Outcome(message_id=message_id)


def deliver(phone: str, message: Message, *, kind: str) -> str | None:
    """One try now (``notify.send_now``); the provider's message id, or None (nothing went)."""
    return send_once(phone, message, kind=kind).message_id


class RetryLater(RuntimeError):
    """A transient refusal: the outbox's record fails and the stream delivers it again."""


def send_for_outbox(phone: str, message: Message, *, kind: str) -> str | None:
    """The outbox's send (services/outbox.py): the provider's message id; None when nothing
    will ever be sent (the quota reserve, or a permanent refusal, already recorded on the
    ticket's timeline); raises ``RetryLater`` for a transient failure, so the stream retries
    the record (a permanent one must not block the shard)."""
    outcome = send_once(phone, message, kind=kind, attempt=1, max_attempts=2)
    if outcome.retry_in is not None:
        raise RetryLater(f"sms {message.name} to be retried in {outcome.retry_in:.0f}s")
    return outcome.message_id


def _record(phone: str, message: Message, kind: str, now: float) -> dict:
    params = message.params()
    return {"phone": phone, "kind": kind, "template": message.name,
            "code": params.get("code"), "status": "sent", "sent_at": int(now),
            "provider": getattr(container.sms, "provider", container.settings.sms_mode)}


def annotate(message_id: str, data: dict) -> None:
    """Add what a caller knows about its SMS (the survey: its ticket and attempt)."""
    now = container.now()
    container.sms_records.save_outbound(message_id, data, now)


# ------------------------------------------------------------------ failures and receipts
def record_delivery_failure(*, phone: str | None, message: Message | None = None,
                            kind: str, code: str | None, description: str | None = None,
                            provider: str | None = None, message_id: str | None = None,
                            ticket_id: str | None = None, ticket_code: str | None = None
                            ) -> str | None:
    """An SMS that will not arrive: on its ticket's timeline (if it is about one) and in the
    ``SmsDeliveryFailed`` metric. Returns the timeline entry's key, if one was written."""
    count("SmsDeliveryFailed", kind=kind, code=str(code or "unknown"))
    ticket_code = ticket_code or (message.params().get("code") if message else None)
    if not ticket_id and ticket_code:
        ticket_id = container.sms_records.ticket_id_for_code(ticket_code)
    ticket = container.tickets.get(ticket_id) if ticket_id else None
    if ticket is None:
        return None
    try:
        return _timeline_entry(ticket, {
            "kind": kind, "template": message.name if message else None, "code": code,
            "description": description, "provider": provider, "message_id": message_id,
            "to": "citizen" if phone == ticket.phone else "unit"})
    except Exception:  # noqa: BLE001 - recording a failed SMS must not fail the caller's step
        logger.exception("could not record the failed sms", extra={"ticket_id": ticket_id})
        return None


def _timeline_entry(ticket, data: dict) -> str:
    """A staff-only ``sms_failed`` entry on the ticket's timeline, written as every change is
    (services/changes.py); the outbox has nothing to send for it."""
    from . import changes

    def mutate(_t, _now):
        return [Step("sms_failed", f"短信未送达（{data.get('code') or '未知原因'}）", data,
                     visible=False)]
    committed = changes.change(ticket, SYSTEM, mutate)
    return committed.entries[0].sk


def record_receipt(receipt: DeliveryReceipt) -> bool:
    """A provider's delivery receipt for an SMS we sent: stored on its outbound record; a
    failed delivery goes on the ticket's timeline and into the metric. False: not ours."""
    now = container.now()
    status = "delivered" if receipt.delivered else "failed"
    data = container.sms_records.update_outbound(receipt.message_id, {
        "status": status, "provider": receipt.provider, "receipt_code": receipt.code,
        "receipt_description": receipt.description, "receipt_at": int(now)}, now)
    count("SmsReceipts", status=status)
    if data is None:
        return False
    if not receipt.delivered:
        entry = record_delivery_failure(
            phone=data.get("phone") or receipt.phone, kind=data.get("kind") or "unknown",
            code=receipt.code, description=receipt.description, provider=receipt.provider,
            message_id=receipt.message_id, ticket_id=data.get("ticket_id"),
            ticket_code=data.get("code"))
        if entry:
            container.sms_records.update_outbound(receipt.message_id,
                                                  {"timeline_entry": entry}, now)
    return True


def outbound_status(message_id: str) -> dict | None:
    return container.sms_records.outbound(message_id, container.now())
