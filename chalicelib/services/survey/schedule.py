"""The survey job: ask the citizens whose callback is due, by SMS or call, within the daytime
window, at most once a day; close as not evaluated when the attempts run out."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from ...adapters import keys
from ...adapters.tickets_repo import Ticket
from ...domain import survey as rules
from ...domain.changes import Step
from ...domain.errors import VersionConflict
from ...domain.escalation import SWEEP_PREFIX
from ...domain.ticket import CLOSED, REPLIED, SYSTEM
from ...observability import count, logger
from ...wiring import container
from .. import changes, notify, sms_delivery
from ..sla_service import to_local
from .optout import is_opted_out
from .state import claim, clear_callback, current_survey, release, window

VOICE_CALL_TTL = 7 * 86400


def run_due(limit: int | None = None) -> dict:
    """Ask the citizens whose callback is due. Outside the daytime window: nothing (the
    callbacks stay due and go out when the window opens)."""
    now = container.now()
    moment = to_local(now)
    if not window().contains(moment):
        return {"quiet_hours": 1}
    summary: Counter = Counter()
    budget = limit or container.settings.survey_batch
    for shard in range(container.settings.deadline_shards):
        if budget <= 0:
            break
        due = container.tickets.due_callbacks(f"{SWEEP_PREFIX}{shard}", now, budget)
        for item in due:
            budget -= 1
            try:
                result = _process(item.ticket_id, now, moment)
            except VersionConflict:
                result = "raced"          # someone else changed it first: next run looks again
            except Exception as exc:  # noqa: BLE001 - one bad ticket must not stop the batch
                logger.exception("survey failed", extra={"ticket_id": item.ticket_id,
                                                          "error": repr(exc)})
                count("SurveyErrors")
                result = "failed"
            summary[result] += 1
    if summary:
        logger.info("survey run", extra={"summary": dict(summary)})
    return dict(summary)


def _process(ticket_id: str, now: float, moment: dt.datetime) -> str:
    t = container.tickets.get(ticket_id)
    if t is None or t.callback_at is None or t.callback_at > now:
        return "not_due"
    if t.status != REPLIED:                   # a stray key: the survey has nothing to ask
        _job_step(t, "survey_cleared", {"status": t.status}, clear_callback)
        return "cleared"
    state = current_survey(t)
    attempts = int(state.get("attempts") or 0)
    if attempts >= container.settings.survey_max_attempts:
        _close_not_evaluated(t, state)
        return "not_evaluated"
    if not rules.may_attempt(state.get("last_day"), moment):
        later = int(window().next_attempt(moment).timestamp())
        _job_step(t, "survey_rescheduled", {"callback_at": later},
                  lambda x: setattr(x, "callback_at", later))
        return "rescheduled"
    opted_out = is_opted_out(t.phone)
    channel = "none"
    if not opted_out:
        if not claim(t.phone, t.ticket_id, now):
            # the number is answering another ticket's survey: ask about this one later
            later = int(now + container.settings.survey_busy_retry_seconds)
            _job_step(t, "survey_busy", {"callback_at": later},
                      lambda x: setattr(x, "callback_at", later))
            return "busy"
        channel = "voice" if (t.channel == "phone" and container.voice is not None) else "sms"
    attempt = attempts + 1
    state.update({"attempts": attempt, "last_day": rules.local_day(moment), "last_at": int(now),
                  "channel": channel, "open": not opted_out})
    if opted_out:
        state["opted_out"] = True

    def mutate(x, _now):
        x.survey = state
        x.callback_at = int(window().next_attempt(moment).timestamp())
        kind = "survey_skipped" if opted_out else "survey_sent"
        # the outbox delivers the survey (call or SMS) from this entry, once
        return [Step(kind, None, {"attempt": attempt, "channel": channel,
                                  "opted_out": opted_out}, visible=False,
                     channel=None if opted_out else channel)]
    changes.change(t, SYSTEM, mutate)       # claim first: a lost race sends nothing
    if opted_out:
        return "opted_out"
    count("SurveysSent")
    return "sent"


def _job_step(t: Ticket, kind: str, data: dict, apply) -> None:
    """The survey job's bookkeeping on a ticket, recorded like every change."""
    def mutate(x, _now):
        apply(x)
        return [Step(kind, None, data, visible=False)]
    changes.change(t, SYSTEM, mutate)


def deliver(t: Ticket, channel: str, attempt: int, now: float) -> None:
    """Ask the citizen (the outbox runs this for a committed ``survey_sent`` entry): by voice
    call for hotline callers when a voice channel exists, falling back to SMS; raises if the
    SMS fails, so the outbox tries again."""
    if channel == "voice" and container.voice is not None:
        try:
            contact_id = container.voice.call(
                t.phone, ticket_id=t.ticket_id, attempt=attempt,
                attributes={"ticket_id": t.ticket_id, "code": t.code, "attempt": attempt})
            # a provider whose result callback names only its call id (Tencent VMS) finds the
            # ticket through this record
            container.markers.put(keys.voice_call(contact_id), expires_at=now + VOICE_CALL_TTL,
                        data={"ticket_id": t.ticket_id, "attempt": attempt})
            return
        except Exception as exc:  # noqa: BLE001 - the call failed to start: ask by SMS
            logger.exception("survey call failed", extra={"ticket_id": t.ticket_id,
                                                          "error": repr(exc)})
            count("SurveyCallFailed")
    message_id = sms_delivery.send_for_outbox(t.phone, notify.survey(t.code), kind="survey")
    if message_id:
        sms_delivery.annotate(message_id, {"ticket_id": t.ticket_id, "kind": "survey",
                                           "attempt": attempt, "status": "sent",
                                           "sent_at": int(now)})


def _close_not_evaluated(t: Ticket, state: dict) -> None:
    attempts = int(state.get("attempts") or 0)

    def mutate(x, now):
        state.update({"open": False, "result": rules.NOT_EVALUATED})
        x.survey = state
        x.status = CLOSED
        x.closed_at = now
        x.evaluation = rules.NOT_EVALUATED
        x.satisfaction = None
        x.resolved = None
        x.evaluated_at = None
        clear_callback(x)
        return [Step("closed", f"回访{attempts}次未取得评价，工单办结（未评价）",
                     {"evaluation": rules.NOT_EVALUATED, "attempts": attempts,
                      "reason": "not_evaluated",
                      "public": {"evaluation": rules.NOT_EVALUATED}})]
    changes.change(t, SYSTEM, mutate)
    release(t.phone, t.ticket_id)
    count("TicketsClosed", evaluation=rules.NOT_EVALUATED)
