"""The SMS minyi sends, by name.

Each helper returns a ``Message`` from the catalogue (``chalicelib/domain/messages.py``, the
only place SMS wording lives); the provider sends the approved template (Tencent/Aliyun) or the
rendered text (SNS, local). The SMS that report a ticket change are sent by the outbox
(services/outbox.py) from the committed timeline entry; only replies to inbound messages that
belong to no change go out directly (:func:`send_now`). Both go through
``services/sms_delivery.py`` (the daily quota, the outbound record, failures).
"""

from __future__ import annotations

from ..domain import messages as m
from ..domain.messages import Message
from ..domain.redaction import redact
from ..domain.sla import SlaPolicy, is_day_deadline
from .sla_service import policy_for, to_local


def excerpt(text: str | None, limit: int) -> str:
    """Free text that leaves by SMS (a description, a citizen's comment, a staff note): redacted
    like public text (domain.redaction) before it is cut, and never cut inside a placeholder."""
    if not text:
        return ""
    clean = redact(text)
    if len(clean) <= limit:
        return clean
    cut = clean[:limit]
    opened = cut.rfind("[")
    if opened > cut.rfind("]"):
        closed = clean.find("]", opened)
        cut = clean[:closed + 1] if closed != -1 else clean[:opened]
    return cut


def _date(ts: float | None, region: str | None = None) -> str:
    """A deadline as the SMS says it: a day-counted deadline (at the close of working hours of
    the place's SLA policy) names the day, "12月9日下班"; a clock-time one (emergencies, the
    first contact, demo mode) names the minute, "12月2日04:31"."""
    if ts is None:
        return ""
    local = to_local(ts)
    policy = policy_for(region) if region else SlaPolicy.default()
    if is_day_deadline(policy, local):
        return f"{local.month}月{local.day}日下班"
    return f"{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}"


def accepted(code: str, due_at: float | None, unit_name: str | None = None,
             region: str | None = None) -> Message:
    if not due_at:                     # answered at once (knowledge base): no deadline
        return m.AcceptedUndated(code, code)
    if unit_name:
        return m.AcceptedRouted(code, unit_name, _date(due_at, region), code)
    return m.Accepted(code, _date(due_at, region), code)


def extended(code: str, due_at: float, region: str | None = None) -> Message:
    return m.Extended(code, _date(due_at, region))


def rejected(code: str, channel: str) -> Message:
    return m.Rejected(code, excerpt(channel, m.Rejected.cap("channel")))


def unit_emergency(code: str, due_at: float | None, summary: str) -> Message:
    return m.UnitEmergency(code, _date(due_at), excerpt(summary, m.UnitEmergency.cap("summary")))


def unit_emergency_co(code: str, summary: str) -> Message:
    return m.UnitEmergencyCo(code, excerpt(summary, m.UnitEmergencyCo.cap("summary")))


def unit_new_ticket(code: str, due_at: float | None, summary: str,
                    region: str | None = None) -> Message:
    return m.UnitNewTicket(code, _date(due_at, region),
                           excerpt(summary, m.UnitNewTicket.cap("summary")))


# ---- callback survey (回访), evaluation, reopening, social review (services/survey.py)
def unit_look_again(code: str, reopen_count: int, comment: str | None) -> Message:
    said = excerpt(comment, m.UnitLookAgainSaid.cap("comment"))
    if said:
        return m.UnitLookAgainSaid(code, reopen_count, said)
    return m.UnitLookAgain(code, reopen_count)


def review_explained(code: str, note: str) -> Message:
    return m.ReviewExplained(code, excerpt(note, m.ReviewExplained.cap("note")))


def unit_deadline_moved(code: str, due_at: float | None, region: str | None = None) -> Message:
    return m.UnitDeadlineMoved(code, _date(due_at, region))


# ---- duplicates, merging (并单) and repeat requests (services/duplicates.py, merging.py)
def merged(code: str, primary_code: str) -> Message:
    return m.Merged(code, primary_code, primary_code)


# ---- measures (services/measure_reports.py, hotspots.py, pool.py)
def pool_digest(unit_name: str, n: int) -> Message:
    return m.PoolDigest(unit_name, str(n))


# ---- the answer to "查询 <code>" (services/inbound_sms.py)
def status_reply(code: str, status_label: str, last_step: str | None) -> Message:
    """The public view's fixed labels: the ticket's stage and its latest step."""
    if last_step:
        return m.StatusReplyStep(code, status_label, last_step)
    return m.StatusReply(code, status_label)


def status_unknown() -> Message:
    """An unknown code, or a number that did not file the ticket: the same answer."""
    return m.StatusUnknown()


# ---- to units: deadlines, escalation, co-handling, supervision
def unit_overdue(code: str, late_unit: str, missed: str | None) -> Message:
    what = {"sign": "签收", "reply": "答复", "review": "研判派单",
            "contact": "首次联系"}.get(missed or "", "办理")
    return m.UnitOverdue(code, late_unit, what)


def unit_escalated(code: str, due_at: float | None, region: str | None = None) -> Message:
    return m.UnitEscalated(code, _date(due_at, region))


def unit_reminder(code: str, due_at: float, sign_phase: bool, last_day: bool,
                  region: str | None = None) -> Message:
    phase = "签收" if sign_phase else "答复"
    if last_day:
        return m.UnitReminderLastDay(code, phase, _date(due_at, region))
    return m.UnitReminder(code, _date(due_at, region), phase)


def unit_contact_reminder(code: str, due_at: float) -> Message:
    return m.UnitContactReminder(code, _date(due_at))


def unit_kb_expired(question: str, valid_until: str) -> Message:
    """A unit's knowledge-base entry stopped showing (services/kb.py)."""
    return m.UnitKbExpired(question, valid_until)


def send_now(phone: str | None, message: Message, *, kind: str) -> str | None:
    """An SMS that answers an inbound message and belongs to no ticket change (a clarifying
    question, an opt-out confirmation). Everything a ticket change says goes out through the
    outbox (services/outbox.py) instead. A failure is logged and counted; the provider's
    message id, or None (nothing sent)."""
    if not isinstance(message, Message):
        raise TypeError("SMS are catalogue Messages (chalicelib/domain/messages.py)")
    if not phone:
        return None
    from . import sms_delivery
    return sms_delivery.deliver(phone, message, kind=kind)


# The messages whose parameters go in as they are: the catalogue's classes themselves
# (``notify.signed(code, unit)`` is ``m.Signed(code, unit)``).
dispatched = m.Dispatched
redispatched = m.Redispatched
returned = m.Returned
replied = m.Replied
signed = m.Signed
escalated = m.Escalated
supervised_citizen = m.Supervised
handed_off = m.HandedOff
survey = m.Survey
survey_unclear = m.SurveyUnclear
no_open_survey = m.NoOpenSurvey
ask_place = m.AskPlace
too_short = m.TooShort
opted_out = m.OptedOut
supplement_added = m.SupplementAdded
evaluated_closed = m.EvaluatedClosed
reopened = m.Reopened
review_queued = m.ReviewQueued
review_rehandle = m.ReviewRehandle
unit_review_rehandle = m.UnitReviewRehandle
repeat_attached = m.RepeatAttached
unmerged = m.Unmerged
merged_replied = m.MergedReplied
report_ready = m.ReportReady
hotspot = m.HotspotAlert
co_unit_invited = m.UnitCoHandle
supervised = m.UnitSupervised
order_stepped_up = m.UnitOrderSteppedUp
