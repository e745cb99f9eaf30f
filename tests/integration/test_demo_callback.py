"""A demo of the feedback loop (issue 15 point 14): with DEMO_CALLBACK_SECONDS (local stage
only) the callback survey goes out that many seconds after the reply, whatever the hour; the
citizen's SMS are not held for the morning either."""

from __future__ import annotations

import datetime as dt

import pytest
from survey_support import PHONE_E164, replied_ticket, surveys_to, ticket

from chalicelib import config
from chalicelib.domain.calendar import SHANGHAI
from chalicelib.services import survey

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


def late_evening(stack) -> None:
    day = dt.datetime.fromtimestamp(stack.clock(), SHANGHAI).date()
    stack.clock.t = dt.datetime.combine(day, dt.time(22, 30), tzinfo=SHANGHAI).timestamp()


def test_a_demo_callback_comes_within_its_seconds_at_any_hour(stack, monkeypatch):
    monkeypatch.setenv("DEMO_CALLBACK_SECONDS", "60")
    config.reload()
    late_evening(stack)
    tid = replied_ticket()
    assert ticket(tid).callback_at == int(stack.clock()) + 60
    assert any("已办理答复" in s for s in stack.sms.to(PHONE_E164))   # not held till morning
    stack.clock.advance(61)
    assert survey.run_due() == {"sent": 1}
    assert len(surveys_to(stack, PHONE_E164)) == 1


def test_without_the_demo_the_evening_is_quiet(stack):
    late_evening(stack)
    tid = replied_ticket()
    assert ticket(tid).callback_at == int(stack.clock()) + 2 * 3600
    stack.clock.advance(2 * 3600 + 60)
    assert survey.run_due() == {"quiet_hours": 1}
    assert not any("已办理答复" in s for s in stack.sms.to(PHONE_E164))
