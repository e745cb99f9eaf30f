"""Answers from any channel (SMS, the mini-program): close, reopen to the same unit (回头看),
or social review after the last reopening."""

from __future__ import annotations

from typing import Any

from ...adapters.tickets_repo import Ticket
from ...domain import survey as rules
from ...domain.changes import Step
from ...domain.errors import InvalidTransition
from ...domain.ticket import CLOSED, IN_REVIEW, REPLIED, SYSTEM, Actor
from ...lazy import lazy
from ...observability import count, logger
from ...wiring import container
from .. import changes, dispatch, views
from .state import clear_callback, current_survey, release

models = lazy("chalicelib.api.models")     # the typed request bodies (pydantic)

PENDING = "pending"


def record_answer(t: Ticket, answer: rules.Answer, *, channel: str, raw_text: str | None,
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
        clear_callback(t)
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


def apply_answer(t: Ticket, answer: rules.Answer, *, channel: str, raw_text: str | None,
                 actor: Actor, source: dict | None = None) -> str:
    """:func:`record_answer`, returning ``close`` / ``reopen`` / ``review``."""
    return record_answer(t, answer, channel=channel, raw_text=raw_text, actor=actor,
                         source=source)[0]


def note_message(t: Ticket, text: str, *, channel: str, source: dict) -> None:
    """Something the citizen said that is not an answer: kept on the timeline, as said."""
    changes.change(t, Actor("citizen", t.citizen_id), lambda x, now: [
        Step("citizen_message", text, {"source": source}, channel=channel)])


def evaluate_in_app(citizen_id: str, ticket_id: str, body: Any,
                    idempotency_key: str | None = None) -> dict:
    """``POST /v1/tickets/{id}/evaluation`` (``body``: an ``EvaluationBody``): once per reply.
    With an Idempotency-Key a retried request replays its first result; without one, a second
    evaluation is a 409."""
    from .. import citizen
    from ..idempotency import run_once
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
