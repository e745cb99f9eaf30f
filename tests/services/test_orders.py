"""Supervision orders (督办) and instructions (批示) on fakes (issue 15 point 7): an order has a
response deadline on the order index, the unit answers in writing, the holder closes it out or
sends it back; a missed deadline steps the order up a level (and at the top it stays, marked);
a level's instructions are listed with their follow-up."""

from __future__ import annotations

import pytest

from chalicelib.api import models
from chalicelib.domain.errors import Forbidden, InvalidTransition
from chalicelib.domain.ticket import ACCEPTED
from chalicelib.services import orders, staff
from chalicelib.services.sla_service import calendar, to_local
from chalicelib.services.staff_auth import StaffUser

TID = "01JTESTORDER00000000000001"
HANDLER = StaffUser("h-hongqi", "u-vil-hongqi", frozenset({"handler"}))
TOWNSHIP = StaffUser("l-twp", "u-twp-hongqi", frozenset({"leader"}))
COUNTY = StaffUser("l-county", "u-gov-zhangshui", frozenset({"leader"}))
CITY = StaffUser("l-city", "u-gov-city", frozenset({"leader"}))
DAY = 86400


def _ticket(world, ticket_id=TID):
    return world.tickets.add(
        ticket_id, code="2606090000011", status=ACCEPTED, type="complaint", category="A01",
        region_code="369902001001", unit_id="u-vil-hongqi", level="village",
        unit_path=["u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city"],
        channel="wechat", created_at=world.now - DAY, signed_at=world.now - 3600,
        sign_due_at=world.now - 60, due_at=world.now + 5 * DAY, description="路灯坏了",
        citizen_id="c1", phone="+8613800138000")


def _do(fn, user, body, model, ticket_id=TID):
    return fn(user, ticket_id, models.coerce(model, body))


def _order(world):
    return world.tickets.get(TID).sup_order


def test_an_order_is_answered_in_writing_then_closed_out_by_its_holder(world):
    _ticket(world)
    view = staff.perform(TOWNSHIP, TID, "supervise", {"note": "请三日内书面答复", "days": 2})
    due = int(calendar().add_working_days(to_local(world.now), 2).timestamp())
    stored = world.tickets.get(TID)
    assert stored.sup_order["status"] == "open" and stored.sup_order["due_at"] == due
    assert stored.sup_order["holder"] == "u-twp-hongqi"
    assert stored.sup_order["level"] == "township"
    assert (stored.order_watch, stored.order_due_at) == ("open", due)   # on the order index
    assert view["supervised"] is True

    with pytest.raises(InvalidTransition) as early:               # nothing to close out yet
        _do(orders.close, TOWNSHIP, {}, models.OrderClose)
    assert early.value.code == "no_response"
    with pytest.raises(InvalidTransition) as twice:               # one order at a time
        staff.perform(COUNTY, TID, "supervise", {"note": "再次督办"})
    assert twice.value.code == "order_open"
    with pytest.raises(Forbidden):                                # only the lead unit answers
        _do(orders.respond, TOWNSHIP, {"text": "已处理"}, models.WrittenAnswer)

    _do(orders.respond, HANDLER, {"text": "已更换路灯，附照片"}, models.WrittenAnswer)
    stored = world.tickets.get(TID)
    assert stored.sup_order["status"] == "responded"
    assert stored.sup_order["response"]["text"] == "已更换路灯，附照片"
    assert stored.order_watch is None                             # no longer watched

    _do(orders.close, TOWNSHIP, {"note": "同意办结"}, models.OrderClose)
    assert _order(world)["status"] == "closed"
    kinds = [e.kind for e in world.tickets.timeline(TID)]
    assert kinds == ["supervised", "supervision_response", "supervision_closed"]
    detail = staff.get_ticket(COUNTY, TID)
    assert detail["supervision_order"]["status"] == "closed"
    assert detail["supervision_order"]["response"]["text"] == "已更换路灯，附照片"


def test_the_holder_may_send_an_answer_back_for_a_better_one(world):
    _ticket(world)
    staff.perform(TOWNSHIP, TID, "supervise", {"note": "督办"})
    _do(orders.respond, HANDLER, {"text": "在处理"}, models.WrittenAnswer)
    world.advance(3600)
    _do(orders.close, TOWNSHIP, {"accept": False, "note": "答复不具体", "days": 1},
        models.OrderClose)
    stored = world.tickets.get(TID)
    assert stored.sup_order["status"] == "open" and stored.sup_order["rounds"] == 2
    assert stored.order_watch == "open"
    assert stored.order_due_at == int(calendar().add_working_days(to_local(world.now), 1)
                                      .timestamp())


def test_a_missed_order_steps_up_a_level_and_at_the_top_stays_marked(world):
    _ticket(world)
    staff.perform(TOWNSHIP, TID, "supervise", {"note": "督办", "days": 1})
    first_due = _order(world)["due_at"]

    world.now = first_due - 1
    assert orders.watch()["stepped_up"] == []                    # not yet due

    world.now = first_due + 60
    assert orders.watch()["stepped_up"] == [TID]
    order = _order(world)
    assert order["holder"] == "u-gov-zhangshui" and order["level"] == "county"
    assert order["status"] == "open" and order["due_at"] > world.now
    assert order["stepped_up"][0]["from_unit"] == "u-twp-hongqi"
    entry = world.tickets.timeline(TID)[-1]
    assert entry.kind == "supervision_stepped_up" and entry.data["to_unit"] == "u-gov-zhangshui"
    assert orders.watch()["stepped_up"] == []                    # once per missed deadline

    _do(orders.respond, HANDLER, {"text": "已答复"}, models.WrittenAnswer)
    with pytest.raises(Forbidden) as info:       # the township no longer holds the order
        _do(orders.close, TOWNSHIP, {}, models.OrderClose)
    assert info.value.code == "not_order_holder"
    _do(orders.close, COUNTY, {"accept": False, "days": 1}, models.OrderClose)

    world.now = _order(world)["due_at"] + 60                     # missed again: to the city
    orders.watch()
    assert _order(world)["holder"] == "u-gov-city"
    world.now = _order(world)["due_at"] + 60                     # and at the top it stays
    orders.watch()
    order, stored = _order(world), world.tickets.get(TID)
    assert order["holder"] == "u-gov-city" and order["missed_at_top"] is True
    assert stored.order_watch is None and orders.watch()["stepped_up"] == []
    assert world.tickets.timeline(TID)[-1].text == "督办逾期未答复，已是最高层级，列为挂牌督办"


def test_instructions_are_listed_per_level_with_their_follow_up(world):
    _ticket(world)
    other = "01JTESTORDER00000000000002"
    _ticket(world, other)
    staff.perform(COUNTY, TID, "instruction", {"note": "请区城管局协同处理"})
    staff.perform(COUNTY, other, "instruction", {"note": "请核实"})
    staff.perform(TOWNSHIP, other, "instruction", {"note": "街道跟进"})

    listing = orders.instruction_list(COUNTY, "county")
    assert (listing["count"], listing["followed_up"], listing["pending"]) == (2, 0, 2)
    assert {i["note"] for i in listing["items"]} == {"请区城管局协同处理", "请核实"}

    _do(orders.follow_up, HANDLER, {"text": "已与城管局现场处置"}, models.FollowUp)
    listing = orders.instruction_list(COUNTY, None)          # the leader's own level
    assert (listing["level"], listing["followed_up"], listing["pending"]) == ("county", 1, 1)
    done = next(i for i in listing["items"] if i["ticket_id"] == TID)
    assert done["followed_up"] and done["follow_up"]["text"] == "已与城管局现场处置"
    township = orders.instruction_list(TOWNSHIP, "township")
    assert [i["note"] for i in township["items"]] == ["街道跟进"]
    with pytest.raises(Forbidden):
        orders.instruction_list(HANDLER, "county")
