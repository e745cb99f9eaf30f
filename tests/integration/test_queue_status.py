"""The staff queue's ?status= is a key condition (by_unit_status), not a filter after the page
limit: a page holds tickets of that status, however many tickets of other statuses the unit has
with earlier deadlines."""

from __future__ import annotations

from chalicelib.adapters.models import TicketModel
from chalicelib.services import intake, staff
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))


def _ticket(i: int) -> str:
    return intake.submit({"type": "complaint", "description": "小区物业不作为，楼道垃圾没人清理",
                          "region_code": HONGQI, "phone": "13812345678", "category": "A1001"},
                         citizen_id=f"wx:q{i}", channel="wechat",
                         idempotency_key=f"k-queue-{i:04d}")["id"]


def _queue(status, cursor=None, limit="3"):
    return staff.queue(HANDLER, status=status, light=None, cursor=cursor, unit=None,
                       limit=limit)


def test_a_status_page_holds_that_status_only_soonest_deadline_first(stack,
                                                                     no_escalation_timers):
    ids = [_ticket(i) for i in range(7)]
    signed = ids[:3]
    for ticket_id in signed:
        stack.clock.advance(60)
        staff.perform(HANDLER, ticket_id, "sign", {})
    # the 4 unsigned tickets' sign-in deadlines come before the signed ones' reply deadlines
    page = _queue("accepted")
    assert sorted(i["id"] for i in page["items"]) == sorted(signed)
    assert page["cursor"] is None or _queue("accepted", page["cursor"])["items"] == []
    assert [i["status"] for i in page["items"]] == ["accepted"] * 3
    deadlines = [i["deadline_at"] for i in page["items"]]
    assert deadlines == sorted(deadlines)

    first = _queue("dispatched", limit="2")
    rest = _queue("dispatched", cursor=first["cursor"], limit="2")
    assert {i["id"] for i in first["items"] + rest["items"]} == set(ids[3:])
    # the key follows the status and leaves with the ticket
    item = TicketModel.get(signed[0])
    assert item.status_deadline == f"accepted#{item.deadline_at:010d}"
    staff.perform(HANDLER, signed[0], "reply", {"text": "已处理", "grade": "A"})
    assert TicketModel.get(signed[0]).status_deadline is None
    assert signed[0] not in [i["id"] for i in _queue("accepted")["items"]]
