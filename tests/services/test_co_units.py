"""Co-unit tasks (协办, issue 15 point 8) on fakes: a co-unit signs, contributes an opinion the
lead unit sees, is rated by the lead; one that never acts shows as idle to the dispatcher."""

from __future__ import annotations

import pytest

from chalicelib.api import models
from chalicelib.domain.errors import Forbidden, InvalidTransition
from chalicelib.domain.ticket import ACCEPTED
from chalicelib.services import co_units, staff
from chalicelib.services.staff_auth import StaffUser

TID = "01JTESTCOUNIT0000000000001"
LEAD = StaffUser("h-hongqi", "u-vil-hongqi", frozenset({"handler"}))
CGJ = StaffUser("h-cgj", "u-zs-cgj", frozenset({"handler"}))
SCJ = StaffUser("h-scj", "u-zs-scj", frozenset({"handler"}))
DISPATCHER = StaffUser("d-1", "u-center", frozenset({"dispatcher"}))


def _ticket(world):
    world.tickets.add(
        TID, code="2606090000021", status=ACCEPTED, type="complaint", category="A01",
        region_code="369902001001", unit_id="u-vil-hongqi", level="village",
        unit_path=["u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city"],
        channel="wechat", created_at=world.now - 3600, clock_start_at=world.now - 3600,
        signed_at=world.now - 600, sign_due_at=world.now - 60, due_at=world.now + 5 * 86400,
        description="占道经营", citizen_id="c1", phone="+8613800138000")
    staff.perform(LEAD, TID, "co-units", {"units": ["u-zs-cgj", "u-zs-scj"]})


def _act(fn, user, body, model):
    return fn(user, TID, models.coerce(model, body))


def test_a_co_unit_signs_contributes_and_is_rated_by_the_lead(world):
    _ticket(world)
    with pytest.raises(InvalidTransition) as early:        # sign first
        _act(co_units.reply, CGJ, {"text": "已安排执法中队"}, models.WrittenAnswer)
    assert early.value.code == "co_unit_not_signed"
    with pytest.raises(Forbidden):                         # the lead is not a co-unit
        _act(co_units.sign, LEAD, {}, models.CoSign)

    _act(co_units.sign, CGJ, {}, models.CoSign)
    _act(co_units.reply, CGJ, {"text": "已安排执法中队清理"}, models.WrittenAnswer)
    with pytest.raises(Forbidden):                         # only the lead rates
        _act(co_units.rate, CGJ, {"unit_id": "u-zs-cgj", "rating": 5}, models.CoRate)
    with pytest.raises(InvalidTransition):                 # nothing contributed yet
        _act(co_units.rate, LEAD, {"unit_id": "u-zs-scj", "rating": 2}, models.CoRate)
    _act(co_units.rate, LEAD, {"unit_id": "u-zs-cgj", "rating": 4, "note": "配合及时"},
         models.CoRate)

    view = staff.get_ticket(LEAD, TID)                     # what the lead sees
    tasks = {t["unit_id"]: t for t in view["co_unit_tasks"]}
    assert tasks["u-zs-cgj"]["status"] == "replied"
    assert tasks["u-zs-cgj"]["reply"]["text"] == "已安排执法中队清理"
    assert tasks["u-zs-cgj"]["rating"]["score"] == 4
    assert tasks["u-zs-scj"]["status"] == "invited"
    kinds = [e.kind for e in world.tickets.timeline(TID)]
    assert kinds[-3:] == ["co_unit_signed", "co_unit_replied", "co_unit_rated"]


def test_a_co_unit_that_never_acts_is_visible_to_the_dispatcher(world):
    _ticket(world)
    _act(co_units.sign, CGJ, {}, models.CoSign)
    assert co_units.idle(DISPATCHER, "u-vil-hongqi")["items"] == []   # not idle yet

    world.advance(25 * 3600)                               # past co_unit_idle_hours (24)
    listing = co_units.idle(DISPATCHER, "u-vil-hongqi")
    [item] = listing["items"]
    assert item["ticket_id"] == TID
    assert [t["unit_id"] for t in item["idle_co_units"]] == ["u-zs-scj"]
    city = co_units.idle(DISPATCHER, None)                 # the whole city's, off the feed
    assert [(i["ticket_id"], i["unit_id"]) for i in city["items"]] == [(TID, "u-vil-hongqi")]
    view = staff.get_ticket(DISPATCHER, TID)
    assert {t["unit_id"]: t["idle"] for t in view["co_unit_tasks"]} == {
        "u-zs-cgj": False, "u-zs-scj": True}
