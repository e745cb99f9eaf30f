"""Dispatch objections (派单异议, issue 15 point 10) on fakes: a unit objects citing the clause, the
dispatch center decides within a deadline (uphold: redispatch; reject: the unit keeps it), and
repeated objections for one category × place propose a duty-list change."""

from __future__ import annotations

import pytest

from chalicelib.api import models
from chalicelib.domain.errors import Conflict, Forbidden, InvalidTransition
from chalicelib.domain.ticket import DISPATCHED, RETURNED
from chalicelib.services import objections
from chalicelib.services.staff_auth import StaffUser

HANDLER = StaffUser("h-hongqi", "u-vil-hongqi", frozenset({"handler"}))
DISPATCHER = StaffUser("d-1", "u-center", frozenset({"dispatcher"}))
DAY = 86400
CLAUSE = "职责清单第3条：燃气管网维护属燃气公司"


def _ticket(world, n: int, *, region="369902001001", category="A01"):
    tid = f"01JTESTOBJECT{n:013d}"
    world.tickets.add(
        tid, code=f"26060900{n:04d}1", status=DISPATCHED, type="complaint", category=category,
        region_code=region, unit_id="u-vil-hongqi", level="village",
        unit_path=["u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city"],
        channel="wechat", created_at=world.now - 3600, sign_due_at=world.now + DAY,
        due_at=world.now + 5 * DAY, description="燃气管道漏气味", citizen_id="c1",
        phone="+8613800138000")
    return tid


def _object(tid):
    return objections.object_to(HANDLER, tid, models.coerce(
        models.Objection, {"clause": CLAUSE, "reason": "不属于本村职责"}))


def _decide(tid, body):
    return objections.decide(DISPATCHER, tid, models.coerce(models.ObjectionDecision, body))


def test_upheld_objection_redispatches_the_ticket(world):
    tid = _ticket(world, 1)
    _object(tid)
    with pytest.raises(Conflict):                         # one pending objection at a time
        _object(tid)
    pending = objections.pending(DISPATCHER)
    assert [(i["ticket_id"], i["clause"], i["late"]) for i in pending["items"]] == [
        (tid, CLAUSE, False)]
    with pytest.raises(Forbidden):                        # the center's list, not the unit's
        objections.pending(HANDLER)

    _decide(tid, {"uphold": True, "unit_id": "u-co-gas", "note": "转燃气公司"})
    t = world.tickets.get(tid)
    assert (t.status, t.unit_id, t.route_reason) == (DISPATCHED, "u-co-gas", "objection")
    assert t.objection["status"] == "upheld"
    assert [e.kind for e in world.tickets.timeline(tid)][-2:] == ["objection_decided",
                                                                   "dispatched"]
    assert objections.pending(DISPATCHER)["count"] == 0


def test_upheld_without_a_unit_goes_back_to_the_review_queue(world):
    tid = _ticket(world, 2)
    _object(tid)
    _decide(tid, {"uphold": True})
    t = world.tickets.get(tid)
    assert (t.status, t.unit_id) == (RETURNED, "u-center")


def test_a_rejected_objection_leaves_the_ticket_with_the_unit_and_late_is_marked(world):
    tid = _ticket(world, 3)
    _object(tid)
    world.advance(25 * 3600)                              # past the 24-hour decision deadline
    assert objections.pending(DISPATCHER)["late"] == 1
    _decide(tid, {"uphold": False, "note": "属于村级巡查职责"})
    t = world.tickets.get(tid)
    assert (t.status, t.unit_id) == (DISPATCHED, "u-vil-hongqi")
    assert t.objection["status"] == "rejected" and t.objection["late"] is True
    with pytest.raises(InvalidTransition) as info:
        _decide(tid, {"uphold": True})
    assert info.value.code == "no_pending_objection"


def test_repeated_objections_propose_a_duty_list_change(world):
    for n in (10, 11):
        _object(_ticket(world, n))
    _object(_ticket(world, 12, region="369902001002"))    # another place: its own count
    assert objections.proposals(DISPATCHER)["items"] == []     # below the threshold (3)

    _object(_ticket(world, 13))
    listing = objections.proposals(DISPATCHER)
    [item] = listing["items"]
    assert (item["category"], item["region_code"], item["unit_id"], item["objections"]) == (
        "A01", "369902001001", "u-vil-hongqi", 3)
    assert item["clauses"] == [CLAUSE]
    assert item["duty_list_unit"] == "u-zs-cgj"          # the rule the change would touch
    assert "建议核查并调整职责清单" in item["proposal"] and "红旗社区" in item["proposal"]
