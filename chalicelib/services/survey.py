"""Callback surveys (回访) and evaluations (评价): the loop closes when the citizen says so.

After a reply the ticket carries a sparse ``by_callback`` key (``callback_at``, set by the reply).
The survey job (every 10 minutes, acting only in the daytime window) asks the citizen, by SMS
or by a voice call, at most once a day and at most ``survey_max_attempts`` times; after the last
attempt goes unanswered the ticket closes as not evaluated. The answer (SMS, voice keypresses or
the mini-program) closes the ticket (办结), reopens it to the same unit (重办, 回头看), or, after
the last reopening, sends it to social review (社会评议, ``services/review.py``).

State:
- on the ticket: ``survey`` (the current reply's survey: round = ``replied_at``, attempts,
  last day, channel, open), the evaluation fields, the callback keys;
- ``RegistryModel("survey#open", <phone>)``: the one ticket whose survey is open for a number,
  so an inbound "4" maps to the right ticket (``value`` is a version for conditional writes);
- ``RegistryModel("optout", <phone>)``: numbers that sent 退订 / TD: never surveyed again;
- ``EphemeralModel("smsout#<message id>")``: each survey SMS sent, for delivery receipts.

Races: every ticket change is a versioned transaction (``tickets.save``); the per-number claim
is a conditional write. Two job runs racing for the same ticket send one survey: the loser's
ticket save fails its version check before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from ..adapters import markers
from ..adapters.models import RegistryModel, TicketModel
from ..domain import survey as rules
from ..domain.changes import Step
from ..domain.errors import InvalidTransition, ValidationError, VersionConflict
from ..domain.intake import normalize_phone
from ..domain.ticket import CLOSED, IN_REVIEW, REPLIED, SYSTEM, Actor
from ..lazy import lazy
from ..observability import count, logger
from . import changes, dispatch, notify, sms_delivery, views
from .container import container
from .sla_service import to_local

models = lazy("chalicelib.api.models")     # the typed request bodies (pydantic)

OPEN_PK = "survey#open"
OPTOUT_PK = "optout"
CLARIFY_TTL = 86400
VOICE_CALL_PREFIX = "voicecall#"
VOICE_CALL_TTL = 7 * 86400
PENDING = "pending"


def window() -> rules.Window:
    s = container.settings
    return rules.Window(s.survey_start_hour, s.survey_end_hour)


# ------------------------------------------------------------------ opt-outs
def is_opted_out(phone: str) -> bool:
    try:
        RegistryModel.get(OPTOUT_PK, phone, consistent_read=True)
        return True
    except DoesNotExist:
        return False


def opt_out(phone: str, *, text: str, channel: str, source: str) -> None:
    """退订: no survey, by SMS or call, ever again to this number. An open survey ends (the
    ticket then closes as not evaluated when its attempts run out, unless the citizen evaluates
    in the mini-program)."""
    now = container.now()
    RegistryModel(OPTOUT_PK, phone, data={"source": source, "text": text[:100]},
                  updated_at=now).save()
    ticket = open_survey_ticket(phone)
    if ticket is not None:
        def mutate(t, now):
            state = dict(t.survey or {})
            state.update({"open": False, "opted_out": True})
            t.survey = state
            return [Step("opted_out", text, {"source": source}, channel=channel)]
        changes.change(ticket, Actor("citizen", ticket.citizen_id), mutate)
        release(phone, ticket.ticket_id)
    count("SmsOptOuts")
    notify.send_now(phone, notify.opted_out(), kind="opt_out")


# ------------------------------------------------------------------ the open survey per number
def _round(ticket: TicketModel) -> int:
    return int(ticket.replied_at or 0)


def current_survey(ticket: TicketModel) -> dict:
    """The survey of the ticket's current reply (a new reply starts a new one)."""
    state = dict(ticket.survey or {})
    if state.get("round") != _round(ticket):
        state = {"round": _round(ticket), "attempts": 0, "open": False}
    return state


def survey_open(ticket: TicketModel | None) -> bool:
    return bool(ticket is not None and ticket.status == REPLIED
                and (ticket.survey or {}).get("round") == _round(ticket)
                and (ticket.survey or {}).get("open"))


def _open_item(phone: str) -> RegistryModel | None:
    try:
        return RegistryModel.get(OPEN_PK, phone, consistent_read=True)
    except DoesNotExist:
        return None


def open_survey_ticket(phone: str) -> TicketModel | None:
    """The ticket whose survey is open for this number, if any (a stale pointer is removed)."""
    item = _open_item(phone)
    if item is None:
        return None
    ticket = container.tickets.get((item.data or {}).get("ticket_id", ""))
    if not survey_open(ticket):
        _delete_item(item)
        return None
    return ticket


def _delete_item(item: RegistryModel) -> None:
    try:
        item.delete(condition=RegistryModel.value == item.value)
    except DeleteError as exc:
        if not markers.condition_failed(exc):
            raise


def _claim(phone: str, ticket_id: str, now: float) -> bool:
    """Point the number's open survey at this ticket, unless another ticket's survey is open
    for it (one open survey per number, so an answer maps to one ticket)."""
    for _ in range(3):
        item = _open_item(phone)
        if item is None:
            condition = RegistryModel.pk.does_not_exist()
            value = 1
        else:
            holder = (item.data or {}).get("ticket_id")
            if holder == ticket_id:
                return True              # ours already (a second attempt, or a racing run)
            if survey_open(container.tickets.get(holder or "")):
                return False
            condition = RegistryModel.value == item.value
            value = int(item.value or 0) + 1
        try:
            RegistryModel(OPEN_PK, phone, value=value, updated_at=now,
                          data={"ticket_id": ticket_id, "at": int(now)}).save(
                condition=condition)
            return True
        except PutError as exc:
            if not markers.condition_failed(exc):
                raise                   # someone wrote it meanwhile: look again
    return False


def release(phone: str | None, ticket_id: str) -> None:
    if not phone:
        return
    item = _open_item(phone)
    if item is not None and (item.data or {}).get("ticket_id") == ticket_id:
        _delete_item(item)


def _clear_callback(ticket: TicketModel) -> None:
    ticket.callback_at = None
    ticket.callback_shard = None


# ------------------------------------------------------------------ the survey job
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
        due = TicketModel.by_callback.query(f"D#{shard}", TicketModel.callback_at <= int(now),
                                            limit=budget)
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
        _job_step(t, "survey_cleared", {"status": t.status}, _clear_callback)
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
        if not _claim(t.phone, t.ticket_id, now):
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


def _job_step(t: TicketModel, kind: str, data: dict, apply) -> None:
    """The survey job's bookkeeping on a ticket, recorded like every change."""
    def mutate(x, _now):
        apply(x)
        return [Step(kind, None, data, visible=False)]
    changes.change(t, SYSTEM, mutate)


def deliver(t: TicketModel, channel: str, attempt: int, now: float) -> None:
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
            markers.new(f"{VOICE_CALL_PREFIX}{contact_id}", expires_at=now + VOICE_CALL_TTL,
                        data={"ticket_id": t.ticket_id, "attempt": attempt}).save()
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


def _close_not_evaluated(t: TicketModel, state: dict) -> None:
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
        _clear_callback(x)
        return [Step("closed", f"回访{attempts}次未取得评价，工单办结（未评价）",
                     {"evaluation": rules.NOT_EVALUATED, "attempts": attempts,
                      "reason": "not_evaluated",
                      "public": {"evaluation": rules.NOT_EVALUATED}})]
    changes.change(t, SYSTEM, mutate)
    release(t.phone, t.ticket_id)
    count("TicketsClosed", evaluation=rules.NOT_EVALUATED)


# ------------------------------------------------------------------ answers, from any channel
def record_answer(t: TicketModel, answer: rules.Answer, *, channel: str, raw_text: str | None,
                 actor: Actor, source: dict | None = None) -> tuple[str, changes.Committed]:
    """Record the citizen's evaluation of the current reply and act on it, in one versioned
    write with its timeline entries. Returns ``close`` / ``reopen`` / ``review``."""
    if t.status != REPLIED:
        raise InvalidTransition("工单当前不在待评价状态（每次答复只能评价一次）",
                                code="not_awaiting_evaluation")
    s = container.settings
    step = rules.next_step(answer, t.reopen_count, s.max_reopen)
    result = rules.outcome(answer)
    unit_id = t.unit_id

    def mutate(t, now):
        state = current_survey(t)
        state.update({"open": False, "answered_at": int(now), "answered_by": channel,
                      "result": result})
        t.survey = state
        t.evaluation = result
        t.satisfaction = answer.satisfaction
        t.resolved = answer.resolved
        t.evaluated_at = now
        _clear_callback(t)
        public = {"outcome": result, "resolved": answer.resolved}
        if answer.satisfaction is not None:
            public["satisfaction"] = answer.satisfaction
            public["satisfaction_label"] = rules.SATISFACTION_LABELS_ZH[answer.satisfaction]
        said = {"satisfaction": answer.satisfaction, "resolved": answer.resolved,
                "comment": answer.comment, "outcome": result, "round": state["round"],
                "source": source or {}, "public": public}
        steps = [Step("evaluated", raw_text, said, channel=channel, actor=actor)]
        if step == rules.CLOSE:
            t.status = CLOSED
            t.closed_at = now
            steps.append(Step("closed", "诉求人评价满意，工单办结", {
                "evaluation": result, "reason": "satisfied", "public": {"evaluation": result}}))
        elif step == rules.REOPEN:
            t.reopen_count = int(t.reopen_count or 0) + 1
            t.grade = "D"                  # 崇义: D, the citizen does not accept the result
            dispatch.rehandle(t, now)
            name = container.reference.unit_name(unit_id)
            steps.append(Step(
                "reopened",
                f"诉求人不满意，工单交{name}重新办理（回头看，第{t.reopen_count}次重办）",
                {"unit_id": unit_id, "reopen_count": t.reopen_count, "reason": "dissatisfied",
                 "comment": answer.comment,
                 "public": {"unit": name, "reopen_count": t.reopen_count}}))
        else:
            t.status = IN_REVIEW
            t.review_queue = PENDING
            t.review_at = int(now)
            t.review = {"status": PENDING, "queued_at": int(now), "unit_id": unit_id,
                        "reopen_count": int(t.reopen_count or 0),
                        "satisfaction": answer.satisfaction, "resolved": answer.resolved,
                        "comment": answer.comment}
            steps.append(Step("review_queued", "诉求人仍不满意，工单提交社会评议",
                              {"unit_id": unit_id, "queue": "social_review", "public": {}}))
        return steps

    done = changes.change(t, SYSTEM, mutate)
    release(t.phone, t.ticket_id)
    count("Evaluations", rating=rules.rating_key(answer))
    if channel in ("sms", "voice"):
        count("SurveysAnswered")
    if step == rules.REOPEN:
        count("TicketsReopened")
    elif step not in (rules.CLOSE, rules.REOPEN):
        count("SocialReviewsQueued")
    logger.info("evaluation recorded", extra={"ticket_id": t.ticket_id, "channel": channel,
                                              "outcome": result, "step": step})
    return step, done


def apply_answer(t: TicketModel, answer: rules.Answer, *, channel: str, raw_text: str | None,
                 actor: Actor, source: dict | None = None) -> str:
    """:func:`record_answer`, returning ``close`` / ``reopen`` / ``review``."""
    return record_answer(t, answer, channel=channel, raw_text=raw_text, actor=actor,
                         source=source)[0]


def note_message(t: TicketModel, text: str, *, channel: str, source: dict) -> None:
    """Something the citizen said that is not an answer: kept on the timeline, as said."""
    changes.change(t, Actor("citizen", t.citizen_id), lambda x, now: [
        Step("citizen_message", text, {"source": source}, channel=channel)])


def clarify_once(phone: str, text: notify.Message) -> bool:
    """At most one clarifying SMS per number a day: an auto-responder can't start a loop."""
    now = container.now()
    if not markers.claim(f"clarify#{phone}", now=now, expires_at=now + CLARIFY_TTL):
        count("ClarifySuppressed")
        return False
    notify.send_now(phone, text, kind="clarify")
    return True


# ------------------------------------------------------------------ the mini-program
def evaluate_in_app(citizen_id: str, ticket_id: str, body: Any,
                    idempotency_key: str | None = None) -> dict:
    """``POST /v1/tickets/{id}/evaluation`` (``body``: an ``EvaluationBody``): once per reply.
    With an Idempotency-Key a retried request replays its first result; without one, a second
    evaluation is a 409."""
    from . import citizen
    from .idempotency import run_once
    body = models.coerce(models.EvaluationBody, body)     # typed at the edge; raw from tests
    answer = rules.Answer(body.satisfaction, body.resolved, body.comment)
    citizen.own_ticket(citizen_id, ticket_id)          # 404 before anything is recorded

    def action() -> dict:
        t = citizen.own_ticket(citizen_id, ticket_id)
        _, done = record_answer(t, answer, channel="wechat", raw_text=answer.comment,
                                actor=Actor("citizen", citizen_id), source={"via": "mini-program"})
        return views.committed(done, staff=False)

    if idempotency_key is None:
        return action()
    return run_once("evaluate", citizen_id, idempotency_key,
                    {"ticket": ticket_id, "body": body.model_dump(mode="json")}, action)


# ------------------------------------------------------------------ voice results
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
    key = f"inbound#voice#{contact_id}"
    now = container.now()
    if not markers.claim(key, now=now,
                         expires_at=now + container.settings.inbound_dedupe_ttl_seconds):
        return {"result": "duplicate"}
    try:
        if not survey_open(t):
            return {"result": "closed"}
        keys = " ".join(f"{k}={v}" for k, v in (("satisfaction", raw_sat),
                                                 ("resolved", raw_res)) if v)
        step = apply_answer(t, rules.Answer(satisfaction, resolved), channel="voice",
                            raw_text=f"电话按键：{keys}", actor=Actor("citizen", t.citizen_id),
                            source={"provider": provider, "contact_id": contact_id})
    except Exception:
        markers.release(key)
        raise
    return {"result": "ok", "step": step}


def handle_voice_callback(adapter, payload: Any) -> dict:
    """A voice provider's callbacks (Tencent VMS): a key press answers the survey of the call
    it belongs to (found by the call id recorded when the call was placed)."""
    from ..adapters.sms_providers import MalformedCallback
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
        call = markers.live(f"{VOICE_CALL_PREFIX}{event.call_id}", container.now())
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
