"""SLA policies and the calendar as configured, on a fake settings store: the most specific
jurisdiction along a place's chain wins; a saved policy takes effect at once."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain.sla import InvalidPolicy
from chalicelib.services import sla_service

VILLAGE = "369902001001"         # 红旗社区, under township 369902001000, county 369902000000
COUNTY = "369902000000"
OTHER_COUNTY_VILLAGE = "369921100001"


def test_the_most_specific_jurisdiction_on_the_chain_decides(world):
    world.stored_settings.policies = {
        "default": {"sign_working_days": 2},
        COUNTY: {"reply_working_days": {"complaint": 3}},
    }
    assert sla_service.policy_for(VILLAGE).reply_working_days["complaint"] == 3
    assert sla_service.policy_for(VILLAGE).sign_working_days == 1   # the county's, not default
    assert sla_service.policy_for(OTHER_COUNTY_VILLAGE).sign_working_days == 2


def test_a_saved_policy_is_stored_validated_and_used_at_once(world):
    assert sla_service.policy_for(VILLAGE).reply_working_days["complaint"] == 5
    sla_service.set_policy(COUNTY, {"reply_working_days": {"complaint": 4}})
    assert world.stored_settings.policies[COUNTY]["reply_working_days"]["complaint"] == 4
    assert sla_service.policy_for(VILLAGE).reply_working_days["complaint"] == 4
    with pytest.raises(InvalidPolicy):
        sla_service.set_policy(COUNTY, {"reply_working_days": {"complaint": 0}})
    assert world.stored_settings.policies[COUNTY]["reply_working_days"]["complaint"] == 4


def test_a_calendar_override_changes_the_working_days_at_once(world):
    saturday = dt.date(2026, 6, 13)
    assert not sla_service.calendar().is_working_day(saturday)
    sla_service.set_calendar_override(saturday, True, "调休")
    assert world.stored_settings.overrides == {saturday: True}
    assert sla_service.calendar().is_working_day(saturday)


def test_the_tier_refuses_a_table_model_call(world):
    """The guard itself: a direct model call inside the services tier fails by name."""
    from chalicelib.adapters.tickets_repo import Ticket

    from .conftest import TableModelCalled
    with pytest.raises(TableModelCalled):
        Ticket.get("01HZZZZZZZZZZZZZZZZZZZZZZZ")
