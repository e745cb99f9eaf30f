"""The survey job and the answers: daytime only, once a day, at most three times, one open
survey per ticket and per number, the voice channel, the mini-program evaluation."""

from __future__ import annotations

import threading

import pytest
from survey_support import (
    DAY,
    HOUR,
    PHONE_E164,
    UNIT_PHONE,
    events,
    kinds,
    make_due,
    replied_ticket,
    reply,
    surveys_to,
    ticket,
)

from chalicelib.adapters.models import RegistryModel
from chalicelib.adapters.voice import RecordingVoiceCaller
from chalicelib.domain.errors import InvalidTransition, NotFound, ValidationError
from chalicelib.services import survey
from chalicelib.wiring import container

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


def test_survey_goes_out_only_in_the_daytime_and_at_most_three_times(stack):
    tid = replied_ticket()                              # Mon 10:00, callback due at 12:00
    stack.clock.advance(11.5 * HOUR)                    # Mon 21:30: quiet hours
    assert survey.run_due() == {"quiet_hours": 1}
    assert surveys_to(stack, PHONE_E164) == []
    assert ticket(tid).callback_at <= stack.clock()     # still due
    stack.clock.advance(10 * HOUR)                      # Tue 07:30: still quiet
    survey.run_due()
    assert surveys_to(stack, PHONE_E164) == []
    stack.clock.advance(HOUR)                           # Tue 08:30: the window opens
    assert survey.run_due() == {"sent": 1}
    assert len(surveys_to(stack, PHONE_E164)) == 1
    assert "回复1非常满意" in surveys_to(stack, PHONE_E164)[0]
    survey.run_due()                                    # the next run: nothing more today
    stack.clock.advance(8 * HOUR)                       # Tue 16:30
    survey.run_due()
    assert len(surveys_to(stack, PHONE_E164)) == 1
    for day in (2, 3):                                  # Wed, Thu 08:30
        stack.clock.advance(DAY - 8 * HOUR if day == 2 else DAY)
        survey.run_due()
        assert len(surveys_to(stack, PHONE_E164)) == day
    stack.clock.advance(DAY)                            # Fri: no answer after three attempts
    assert survey.run_due() == {"not_evaluated": 1}
    stack.clock.advance(DAY)
    survey.run_due()
    assert len(surveys_to(stack, PHONE_E164)) == 3
    t = ticket(tid)
    assert t.status == "closed" and t.evaluation == "not_evaluated"
    assert t.callback_at is None and t.callback_shard is None
    assert kinds(tid).count("survey_sent") == 3 and kinds(tid)[-1] == "closed"
    assert list(RegistryModel.query(survey.OPEN_PK)) == []
    days = {e.data["attempt"]: e.sk[:10] for e in events(tid, "survey_sent")}
    assert len(set(days.values())) == 3                 # three separate days


def test_two_racing_runs_send_one_survey(stack):
    tid = replied_ticket()
    make_due(stack)
    barrier = threading.Barrier(2)
    real_get = container.tickets.get

    def get_then_wait(ticket_id):
        found = real_get(ticket_id)
        if ticket_id == tid:
            try:
                barrier.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass
        return found

    container.tickets.get = get_then_wait
    results = []
    try:
        threads = [threading.Thread(target=lambda: results.append(survey.run_due()))
                   for _ in range(2)]
        [th.start() for th in threads]
        [th.join() for th in threads]
    finally:
        container.tickets.get = real_get
    assert len(surveys_to(stack, PHONE_E164)) == 1, results
    assert kinds(tid).count("survey_sent") == 1
    assert ticket(tid).survey["attempts"] == 1


def test_one_open_survey_per_number(stack):
    first = replied_ticket(key="k-survey-a001")
    second = replied_ticket(key="k-survey-b001")
    make_due(stack)
    assert survey.run_due() == {"sent": 1, "busy": 1}
    open_item = RegistryModel.get(survey.OPEN_PK, PHONE_E164)
    surveyed = open_item.data["ticket_id"]
    other = second if surveyed == first else first
    assert ticket(other).survey is None                 # not asked yet: asked after the answer
    survey.evaluate_in_app("wx:carol", surveyed, {"resolved": True, "satisfaction": 1})
    stack.clock.advance(HOUR + 60)
    assert survey.run_due() == {"sent": 1}
    assert RegistryModel.get(survey.OPEN_PK, PHONE_E164).data["ticket_id"] == other


def test_mini_program_evaluation_once_per_reply(stack):
    tid = replied_ticket()
    with pytest.raises(ValidationError) as info:
        survey.evaluate_in_app("wx:carol", tid, {"resolved": True, "satisfaction": 7})
    assert info.value.field == "satisfaction"
    with pytest.raises(NotFound):
        survey.evaluate_in_app("wx:mallory", tid, {"resolved": True, "satisfaction": 1})
    before = ticket(tid)
    stack.clock.advance(DAY)
    view = survey.evaluate_in_app("wx:carol", tid, {"resolved": False, "satisfaction": 4,
                                                    "comment": "垃圾只清了一半"})
    assert view["status"] == "dispatched"               # reopened to the same unit
    t = ticket(tid)
    assert (t.unit_id, t.reopen_count, t.grade, t.signed_at) == ("u-vil-hongqi", 1, "D", None)
    assert t.sign_due_at > before.sign_due_at
    assert t.due_at > before.due_at and t.open_unit == "u-vil-hongqi" and t.deadline_at
    unit_sms = [s for s in stack.sms.to(UNIT_PHONE) if "回头看" in s]
    assert len(unit_sms) == 1 and "垃圾只清了一半" in unit_sms[0]
    assert kinds(tid)[-2:] == ["evaluated", "reopened"]
    evaluated = view["changes"][-2]
    assert evaluated["kind"] == "evaluated" and evaluated["channel"] == "wechat"
    assert evaluated["text"] == "垃圾只清了一半" and evaluated["data"]["satisfaction"] == 4
    with pytest.raises(InvalidTransition):              # this reply has been evaluated
        survey.evaluate_in_app("wx:carol", tid, {"resolved": True, "satisfaction": 1})
    reply(tid, "已再次督促物业，全部清理完毕")            # a new reply: a new evaluation
    view = survey.evaluate_in_app("wx:carol", tid, {"resolved": True, "satisfaction": 2})
    assert view["status"] == "closed"
    t = ticket(tid)
    assert t.evaluation == "satisfied" and t.satisfaction == 2 and t.resolved is True
    assert t.reopen_count == 1 and t.callback_at is None
    assert any("已办结" in s for s in stack.sms.to(PHONE_E164))


def test_phone_tickets_are_called_and_fall_back_to_sms(stack):
    caller = RecordingVoiceCaller()
    container.override(voice=caller)
    tid = replied_ticket(channel="phone", citizen=f"tel:{PHONE_E164}")
    make_due(stack)
    survey.run_due()
    stack.outbox.drain()                      # the call is the survey_sent entry's effect
    assert [(c.phone, c.ticket_id, c.attempt) for c in caller.calls] == [(PHONE_E164, tid, 1)]
    assert surveys_to(stack, PHONE_E164) == []
    assert ticket(tid).survey["channel"] == "voice"

    class Down:
        def call(self, *a, **kw):
            raise RuntimeError("connect is down")

    container.override(voice=Down())
    stack.clock.advance(DAY)
    survey.run_due()
    assert len(surveys_to(stack, PHONE_E164)) == 1     # the call failed: asked by SMS


def test_opted_out_number_is_never_surveyed(stack):
    survey.opt_out(PHONE_E164, text="TD", channel="sms", source="test")
    tid = replied_ticket()
    make_due(stack)
    for _ in range(4):
        survey.run_due()
        stack.clock.advance(DAY)
    assert surveys_to(stack, PHONE_E164) == []
    t = ticket(tid)
    assert t.status == "closed" and t.evaluation == "not_evaluated"
    assert kinds(tid).count("survey_skipped") == 3
