"""The to-supervise list on fakes: one entry per (unit, ticket), newest first, open tickets only
unless asked."""

from __future__ import annotations

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
