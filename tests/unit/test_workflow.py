"""Every allowed and every refused transition, for each role."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chalicelib.domain import workflow
from chalicelib.domain.errors import Forbidden, InvalidTransition, NotFound
from chalicelib.domain.ticket import STATUSES


@dataclass
class User:
    user: str
    unit_id: str
    roles: frozenset


@dataclass
class Ticket:
    status: str
    unit_id: str = "u-vil-hongqi"
    co_units: list = field(default_factory=lambda: ["u-zs-cgj"])
    unit_path: list = field(default_factory=lambda: [
        "u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city"])


HANDLER = User("h", "u-vil-hongqi", frozenset({"handler"}))
OTHER_HANDLER = User("o", "u-vil-meilin", frozenset({"handler"}))
CO_HANDLER = User("c", "u-zs-cgj", frozenset({"handler"}))
DISPATCHER = User("d", "u-center", frozenset({"dispatcher"}))
COUNTY_LEADER = User("l", "u-gov-zhangshui", frozenset({"leader"}))
OTHER_LEADER = User("x", "u-gov-chongshan", frozenset({"leader"}))
ADMIN = User("a", "u-center", frozenset({"admin"}))

# (action, who may do it, from which statuses) — the table the product asks for, written out
EXPECTED = {
    "sign": ({"handler@lead"}, {"dispatched"}),
    "contact": ({"handler@lead"}, {"accepted"}),
    "reply": ({"handler@lead"}, {"accepted"}),
    "extension": ({"handler@lead"}, {"accepted"}),
    "return": ({"handler@lead"}, {"dispatched", "accepted"}),
    "co_units": ({"handler@lead"}, {"dispatched", "accepted"}),
    "escalate": ({"handler@lead", "leader@jurisdiction"}, {"dispatched", "accepted"}),
    "dispatch": ({"dispatcher"}, {"submitted", "returned"}),
    "extension_decision": ({"dispatcher"}, {"accepted"}),
    "reject": ({"dispatcher"}, {"submitted", "returned"}),
    # 转办 to 110/119/120/122 or a utility's hotline (issue 15 point 5)
    "handoff": ({"dispatcher"}, {"submitted", "returned", "dispatched", "accepted"}),
    "supervise": ({"leader@jurisdiction"},
                  {"submitted", "dispatched", "accepted", "returned", "replied"}),
    "instruction": ({"leader@jurisdiction"},
                    {"submitted", "dispatched", "accepted", "returned", "replied"}),
    "review_decision": ({"dispatcher"}, {"in_review"}),
    "flag_caller": ({"dispatcher"}, {"submitted", "dispatched", "accepted", "replied", "closed",
                                     "returned", "rejected", "withdrawn", "merged",
                                     "in_review"}),
    # 销号 of a C/D ticket in the monitoring pool, by a leader of the unit or above
    "pool_close": ({"leader@jurisdiction"},
                   {"dispatched", "accepted", "replied", "closed", "in_review"}),
    # issue 15: supervision orders, instructions' follow-up, co-unit tasks, objections
    "supervision_response": ({"handler@lead"},
                             {"submitted", "dispatched", "accepted", "returned", "replied"}),
    "supervision_close": ({"leader@jurisdiction"},
                          {"submitted", "dispatched", "accepted", "returned", "replied",
                           "closed", "in_review"}),
    "instruction_follow_up": ({"handler@lead"}, {"submitted", "dispatched", "accepted",
                                                 "returned", "replied", "closed"}),
    "co_sign": ({"co_handler"}, {"dispatched", "accepted"}),
    "co_reply": ({"co_handler"}, {"dispatched", "accepted"}),
    "co_rate": ({"handler@lead"}, {"dispatched", "accepted", "replied"}),
    "objection": ({"handler@lead"}, {"dispatched", "accepted"}),
    "objection_decision": ({"dispatcher"}, {"dispatched", "accepted"}),
}
USERS = {
    "handler@lead": HANDLER, "dispatcher": DISPATCHER, "leader@jurisdiction": COUNTY_LEADER,
    "co_handler": CO_HANDLER, "admin": ADMIN,
}


def test_table_covers_every_action():
    assert set(EXPECTED) == set(workflow.RULES)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("who", sorted(USERS))
def test_transition_matrix(action, status, who):
    allowed_who, allowed_from = EXPECTED[action]
    user, ticket = USERS[who], Ticket(status)
    if who not in allowed_who:
        with pytest.raises(Forbidden):
            workflow.authorize(user, ticket, action)
    elif status not in allowed_from:
        with pytest.raises(InvalidTransition) as info:
            workflow.authorize(user, ticket, action)
        assert info.value.status == 409 and info.value.message
    else:
        assert workflow.authorize(user, ticket, action) is workflow.RULES[action]


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_strangers_get_404_whatever_the_action(action):
    for user in (OTHER_HANDLER, OTHER_LEADER):
        with pytest.raises(NotFound):
            workflow.authorize(user, Ticket("accepted"), action)


def test_reply_before_sign_says_why():
    with pytest.raises(InvalidTransition) as info:
        workflow.authorize(HANDLER, Ticket("dispatched"), "reply")
    assert "签收" in info.value.message


def test_visibility():
    t = Ticket("accepted")
    assert workflow.can_see(HANDLER, t) and workflow.can_see(CO_HANDLER, t)
    assert workflow.can_see(DISPATCHER, t) and workflow.can_see(ADMIN, t)
    assert workflow.can_see(COUNTY_LEADER, t)            # their subtree
    assert not workflow.can_see(OTHER_LEADER, t)         # another county
    assert not workflow.can_see(OTHER_HANDLER, t)
    # a handler above the lead unit is not a leader: no subtree view
    assert not workflow.can_see(User("t", "u-twp-hongqi", frozenset({"handler"})), t)


def test_role_refusal_names_the_role():
    with pytest.raises(Forbidden) as info:
        workflow.authorize(DISPATCHER, Ticket("accepted"), "reply")
    assert info.value.code == "role_required" and "承办" in info.value.message
    with pytest.raises(Forbidden) as info:
        workflow.authorize(CO_HANDLER, Ticket("accepted"), "reply")
    assert info.value.code == "not_lead_unit"


def test_who_may_use_the_lists_beyond_one_ticket():
    from chalicelib.domain import workflow as wf
    from chalicelib.domain.errors import Forbidden

    class U:
        def __init__(self, unit, *roles):
            self.user, self.unit_id, self.roles = "u", unit, frozenset(roles)

    handler, leader = U("u-vil", "handler"), U("u-twp", "leader")
    dispatcher = U("u-c", "dispatcher")
    path = ["u-vil", "u-twp", "u-city"]
    assert wf.may_view_unit(handler, "u-vil", path)
    assert not wf.may_view_unit(U("u-other", "handler"), "u-vil", path)
    assert wf.may_view_unit(leader, "u-vil", path)            # a leader above the unit
    assert not wf.may_view_unit(U("u-twp", "handler"), "u-vil", path)
    assert wf.may_view_unit(dispatcher, "u-vil", path)
    for what in ("measures", "instructions", "review_queue"):
        wf.check_role(leader, what)
        with pytest.raises(Forbidden):
            wf.check_role(handler, what)
    wf.check_role(dispatcher, "objections")
    with pytest.raises(Forbidden):
        wf.check_role(leader, "objections")
    wf.check_role(dispatcher, "caller_entry")
    with pytest.raises(Forbidden):
        wf.check_role(leader, "caller_entry")
