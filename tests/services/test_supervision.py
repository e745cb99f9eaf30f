"""The to-supervise list on fakes: one entry per (unit, ticket), newest first, open tickets only
unless asked."""

from __future__ import annotations

from chalicelib.adapters.tickets_repo import TimelineEntry
from chalicelib.domain.ticket import CLOSED, DISPATCHED
from chalicelib.services import supervision
from chalicelib.services.staff_auth import StaffUser

UNIT = "u-gov-zhangshui"


def _ticket(world, ticket_id: str, status: str):
    return world.tickets.add(ticket_id, code=f"C-{ticket_id}", status=status, type="complaint",
                             region_code="369902001001", unit_id=UNIT, channel="wechat",
                             created_at=world.now - 86400, due_at=world.now + 86400,
                             description="路灯坏了", citizen_id="c1", phone="+8613800138000")


def test_the_list_shows_open_tickets_newest_first_with_why(world):
    _ticket(world, "t-old", DISPATCHED)
    _ticket(world, "t-new", DISPATCHED)
    _ticket(world, "t-done", CLOSED)
    supervision.put(UNIT, "t-old", "C-t-old", {"missed": "sign", "to_unit": UNIT}, world.now)
    supervision.put(UNIT, "t-new", "C-t-new", {"missed": "reply"}, world.now + 60)
    supervision.put(UNIT, "t-done", "C-t-done", {"missed": "reply"}, world.now + 120)
    supervision.put("u-other", "t-old", "C-t-old", {"missed": "sign"}, world.now)
    user = StaffUser("leader-1", UNIT, frozenset({"leader"}))

    listing = supervision.supervision_list(user)

    assert listing["unit"] == UNIT
    assert [i["id"] for i in listing["items"]] == ["t-new", "t-old"]
    assert listing["items"][1]["supervision"] == {
        "code": "C-t-old", "since": int(world.now), "missed": "sign", "from_unit": None,
        "to_unit": UNIT}
    everything = supervision.supervision_list(user, include_closed=True)
    assert [i["id"] for i in everything["items"]] == ["t-done", "t-new", "t-old"]


def test_a_later_miss_of_the_same_ticket_refreshes_its_entry(world):
    _ticket(world, "t1", DISPATCHED)
    supervision.put(UNIT, "t1", "C-t1", {"missed": "sign"}, world.now)
    supervision.put(UNIT, "t1", "C-t1", {"missed": "reply"}, world.now + 3600)
    items = supervision.supervision_list(StaffUser("l", UNIT, frozenset({"leader"})))["items"]
    assert len(items) == 1
    assert items[0]["supervision"]["missed"] == "reply"
    assert items[0]["supervision"]["since"] == int(world.now + 3600)


def test_the_list_pages_most_recent_miss_first_and_reads_only_the_page(world):
    for k in range(5):
        _ticket(world, f"t{k}", DISPATCHED)
        supervision.put(UNIT, f"t{k}", f"C-t{k}", {"missed": "sign"}, world.now + k)
    user = StaffUser("l", UNIT, frozenset({"leader"}))
    first = supervision.supervision_list(user, limit="2")
    assert [i["id"] for i in first["items"]] == ["t4", "t3"] and first["cursor"]
    second = supervision.supervision_list(user, limit="2", cursor=first["cursor"])
    third = supervision.supervision_list(user, limit="2", cursor=second["cursor"])
    assert [i["id"] for i in second["items"] + third["items"]] == ["t2", "t1", "t0"]
    assert third["cursor"] is None
    assert world.tickets.reads_by_id <= 5


def test_a_closed_ticket_leaves_the_live_lists_of_its_chain(world):
    _ticket(world, "t1", CLOSED)
    world.tickets.timelines["t1"] = [
        TimelineEntry("t1", "1", kind="escalated", data={"chain": [UNIT, "u-city"]}),
        TimelineEntry("t1", "2", kind="escalated", data={"chain": ["u-x"], "manual": True})]
    supervision.put(UNIT, "t1", "C-t1", {"missed": "sign"}, world.now)
    supervision.put("u-city", "t1", "C-t1", {"missed": "sign"}, world.now)
    supervision.put("u-x", "t1", "C-t1", {"missed": "sign"}, world.now)

    assert supervision.forget("t1", world.now) == 2
    assert supervision.forget("t1", world.now) == 0            # a replayed record: nothing
    assert world.supervision.entries(UNIT) == [] and world.supervision.entries("u-city") == []
    assert [e.ticket_id for e in world.supervision.entries("u-x")] == ["t1"]   # manual: kept
    user = StaffUser("l", UNIT, frozenset({"leader"}))
    assert [i["id"] for i in supervision.supervision_list(user, include_closed=True)[
        "items"]] == ["t1"]
