"""The 30-minute first contact (seed 004) is watched like the other deadlines (issue 15 point 6):
the deadline index holds it once the ticket is signed; the reminder job reminds the unit's duty
contacts in its last quarter hour; the sweep marks a miss, puts the ticket on the to-supervise
list of its unit and every level above and tells each, leaves the ticket where it is, and goes on
watching the reply deadline."""

from __future__ import annotations

import json

from chalicelib.adapters.models import RegistryModel, TicketEventModel, TicketModel
from chalicelib.services import escalation, intake, reminders, staff
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
LADDER = ["u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city"]
CONTACTS = ("+8613907970035", "+8613907971101", "+8613907971201")
MINUTE = 60


def signed(key: str) -> TicketModel:
    body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": HONGQI, "phone": "13812345678", "category": "A1001"}
    t = intake.submit(body, citizen_id="wx:contact", channel="wechat", idempotency_key=key)
    staff.perform(HANDLER, t["id"], "sign", {})
    return TicketModel.get(t["id"], consistent_read=True)


def sweep_at(stack, when: float) -> list[str]:
    stack.clock.t = when
    rep = escalation.sweep_now(when)
    assert rep.status == "SUCCEEDED", rep
    stack.outbox.drain()        # the stream's consumer stores each moved ticket's next step
    return rep.escalated


def test_the_contact_deadline_is_on_the_deadline_index(stack):
    t = signed("k-contact-index")
    assert t.contact_due_at - t.signed_at == 30 * MINUTE
    assert t.deadline_at == t.contact_due_at
    assert json.loads(t.esc_plan)[0]["kind"] == "contact_overdue"


def test_a_reminder_before_the_first_contact_is_due(stack):
    t = signed("k-contact-remind")
    stack.clock.t = t.contact_due_at - 20 * MINUTE
    assert reminders.run().reminders == []                     # not yet its last quarter hour
    stack.clock.t = t.contact_due_at - 10 * MINUTE
    assert reminders.run().reminders == [(t.ticket_id, "contact")]
    for phone in CONTACTS:
        assert sum("首次电话联系" in s and t.code in s for s in stack.sms.to(phone)) == 1
    assert reminders.run().sent == 0                            # once
    # no reply-deadline reminder claims to be about the first contact
    assert not any("答复期限" in s for s in stack.sms.to(CONTACTS[0]))


def test_a_missed_first_contact_is_supervised_at_every_level(stack):
    t = signed("k-contact-miss")
    assert sweep_at(stack, t.contact_due_at - 1) == []
    assert sweep_at(stack, t.contact_due_at) == [t.ticket_id]
    after = TicketModel.get(t.ticket_id, consistent_read=True)
    assert (after.status, after.unit_id) == ("accepted", "u-vil-hongqi")   # not moved
    assert after.contact_missed == t.contact_due_at and not after.overdue
    assert after.deadline_at == after.due_at                     # the reply deadline next
    [entry] = [e for e in TicketEventModel.query(t.ticket_id) if e.kind == "contact_overdue"]
    assert entry.data["chain"] == LADDER and entry.data["missed"] == "contact"
    stack.outbox.drain()                                         # the stream's effects
    for unit in LADDER:
        assert RegistryModel.get(f"supervise#{unit}", t.ticket_id)
        phone = stack.container.reference.unit(unit).duty_phone
        assert any("超过首次联系期限" in s for s in stack.sms.to(phone)), unit
    # a later write does not plan the same miss again
    staff.perform(HANDLER, t.ticket_id, "co-units", {"units": ["u-zs-cgj"]})
    again = TicketModel.get(t.ticket_id, consistent_read=True)
    assert again.deadline_at == again.due_at
    assert sweep_at(stack, t.contact_due_at + 5 * MINUTE) == []


def test_a_contact_in_time_leaves_only_the_reply_deadline(stack):
    t = signed("k-contact-ok")
    stack.clock.t = t.contact_due_at - 5 * MINUTE
    staff.perform(HANDLER, t.ticket_id, "contact", {"outcome": "reached"})
    after = TicketModel.get(t.ticket_id, consistent_read=True)
    assert after.deadline_at == after.due_at
    assert sweep_at(stack, t.contact_due_at + MINUTE) == []
