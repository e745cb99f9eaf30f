"""The callback survey's use cases on fakes: one open survey per number, opting out, and what an
answer does to the ticket (close, reopen to the same unit, social review)."""

from __future__ import annotations

import pytest

from chalicelib.domain import survey as rules
from chalicelib.domain.errors import InvalidTransition
from chalicelib.domain.ticket import CLOSED, DISPATCHED, IN_REVIEW, REPLIED, SYSTEM
from chalicelib.services import survey

PHONE = "+8613800138000"
UNIT = "u-gov-zhangshui"


def _replied(world, ticket_id: str, *, open_survey: bool = True, reopen_count: int = 0):
    replied_at = int(world.now - 3 * 86400)
    return world.tickets.add(
        ticket_id, code=f"C-{ticket_id}", status=REPLIED, type="complaint",
        region_code="369902001001", unit_id=UNIT, level="township", unit_path=[UNIT],
        channel="wechat", created_at=world.now - 10 * 86400, replied_at=replied_at,
        citizen_id="c1", phone=PHONE, description="路灯坏了", reopen_count=reopen_count,
        callback_at=int(world.now), callback_shard="D#0",
        survey={"round": replied_at, "attempts": 1, "open": open_survey})


def test_one_open_survey_per_number(world):
    _replied(world, "t1")
    _replied(world, "t2")
    assert survey.claim(PHONE, "t1", world.now)
    assert survey.claim(PHONE, "t1", world.now)           # ours already
    assert not survey.claim(PHONE, "t2", world.now)       # t1's survey is still open
    assert survey.open_survey_ticket(PHONE).ticket_id == "t1"
    world.tickets.items["t1"].status = CLOSED              # t1 left the survey
    assert survey.claim(PHONE, "t2", world.now)
    assert world.survey_registry.open[PHONE].ticket_id == "t2"


def test_a_stale_pointer_is_removed_when_read(world):
    _replied(world, "t1", open_survey=False)
    assert survey.claim(PHONE, "t1", world.now)
    assert survey.open_survey_ticket(PHONE) is None
    assert PHONE not in world.survey_registry.open


def test_opting_out_ends_the_open_survey_and_is_remembered(world):
    _replied(world, "t1")
    survey.claim(PHONE, "t1", world.now)
    survey.opt_out(PHONE, text="TD", channel="sms", source="tencent")
    assert survey.is_opted_out(PHONE)
    assert world.survey_registry.opted_out[PHONE] == {"source": "tencent", "text": "TD"}
    t1 = world.tickets.get("t1")
    assert t1.survey["open"] is False and t1.survey["opted_out"] is True
    assert [e.kind for e in world.tickets.timeline("t1")] == ["opted_out"]
    assert PHONE not in world.survey_registry.open
    assert [s.phone for s in world.sms.sent] == [PHONE]


def test_a_satisfied_answer_closes_the_ticket(world):
    t = _replied(world, "t1")
    survey.claim(PHONE, "t1", world.now)
    step, done = survey.record_answer(world.tickets.get("t1"), rules.Answer(1, True),
                                      channel="sms", raw_text="1", actor=SYSTEM)
    assert step == rules.CLOSE
    stored = world.tickets.get("t1")
    assert stored.status == CLOSED and stored.evaluation == rules.SATISFIED
    assert stored.callback_at is None and stored.version == t.version + 1
    assert [e.kind for e in done.entries] == ["evaluated", "closed"]
    assert PHONE not in world.survey_registry.open


def test_a_dissatisfied_answer_reopens_to_the_same_unit_then_goes_to_review(world):
    _replied(world, "t1")
    step, _ = survey.record_answer(world.tickets.get("t1"), rules.Answer(5, False),
                                   channel="sms", raw_text="5", actor=SYSTEM)
    assert step == rules.REOPEN
    reopened = world.tickets.get("t1")
    assert (reopened.status, reopened.unit_id, reopened.reopen_count, reopened.grade) == (
        DISPATCHED, UNIT, 1, "D")
    assert reopened.sign_due_at > world.now and reopened.due_at > world.now

    _replied(world, "t2", reopen_count=2)                 # the reopenings are used up
    step, done = survey.record_answer(world.tickets.get("t2"), rules.Answer(4, None),
                                      channel="sms", raw_text="4", actor=SYSTEM)
    assert step == rules.REVIEW
    assert world.tickets.get("t2").status == IN_REVIEW
    assert done.entries[-1].kind == "review_queued"


def test_only_a_replied_ticket_can_be_evaluated(world):
    _replied(world, "t1")
    world.tickets.items["t1"].status = CLOSED
    with pytest.raises(InvalidTransition):
        survey.record_answer(world.tickets.get("t1"), rules.Answer(1, True), channel="sms",
                             raw_text="1", actor=SYSTEM)
    assert world.tickets.writes == 0


def test_the_citizen_evaluates_in_the_mini_program_once_per_reply(world):
    ticket_id = "01JB7Z5X9Q0000000000000001"          # a ticket id is 26 characters (a ULID)
    _replied(world, ticket_id)
    view = survey.evaluate_in_app("c1", ticket_id, {"satisfaction": 2, "resolved": True})
    assert view["status"] == CLOSED
    assert [c["kind"] for c in view["changes"]] == ["evaluated", "closed"]
    with pytest.raises(InvalidTransition):
        survey.evaluate_in_app("c1", ticket_id, {"satisfaction": 1, "resolved": True})


def test_an_unreadable_voice_callback_is_a_400(world):
    from chalicelib.adapters.sms_providers import MalformedCallback
    from chalicelib.domain.errors import ValidationError

    class Unreadable:
        name = "tencent"

        def parse(self, payload):
            raise MalformedCallback("no call id")

    with pytest.raises(ValidationError) as raised:
        survey.handle_voice_callback(Unreadable(), {})
    assert raised.value.code == "malformed_callback"


def test_at_most_one_clarifying_sms_a_day_per_number(world):
    from chalicelib.services import notify
    assert survey.clarify_once(PHONE, notify.opted_out())
    assert not survey.clarify_once(PHONE, notify.opted_out())
    world.advance(86400 + 1)
    assert survey.clarify_once(PHONE, notify.opted_out())
    assert len(world.sms.sent) == 2
