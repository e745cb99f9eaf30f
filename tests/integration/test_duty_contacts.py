"""Several people per unit (issue 15 point 4, seed 004): the village party secretary, the
village police officer and the cadre in charge are all told at once. A unit's duty contacts are
a list; the new-ticket, reminder and overdue SMS go to each, once per entry and recipient."""

from __future__ import annotations

from chalicelib.adapters.models import TicketModel
from chalicelib.services import escalation, intake, reminders
from chalicelib.services.outbox import process

HONGQI = "369902001001"
CONTACTS = ("+8613907970035", "+8613907971101", "+8613907971201")   # data/demo_city.json


def submit(key: str) -> dict:
    body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": HONGQI, "phone": "13812345678", "category": "A1001"}
    return intake.submit(body, citizen_id="wx:duty", channel="wechat", idempotency_key=key)


def texts(stack, phone: str, word: str) -> list[str]:
    return [s for s in stack.sms.to(phone) if word in s]


def test_the_unit_lists_its_duty_contacts(stack):
    unit = stack.container.reference.unit("u-vil-hongqi")
    assert [c.phone for c in unit.duty_contacts] == list(CONTACTS)
    assert [c.role for c in unit.duty_contacts][1] == "驻村（社区）民警"


def test_a_new_ticket_reaches_every_duty_contact_once(stack):
    t = submit("k-duty-new-1")
    for phone in CONTACTS:
        assert len(texts(stack, phone, f"新工单{t['code']}")) == 1, phone
    # the outbox keys each effect per entry and recipient: the records delivered again
    # (the stream's at-least-once) send nobody a second SMS
    for entry in stack.container.tickets.timeline(t["id"]):
        results = process(entry)
        assert all(v == "done" for k, v in results.items() if k.startswith("sms:")), results
    for phone in CONTACTS:
        assert len(texts(stack, phone, f"新工单{t['code']}")) == 1, phone


def test_reminders_reach_every_duty_contact(stack):
    t = submit("k-duty-rem-1")
    ticket = TicketModel.get(t["id"])
    stack.clock.t = ticket.sign_due_at - 3600           # the last day of the sign-in period
    report = reminders.run()
    assert report.reminders == [(t["id"], "last")]
    for phone in CONTACTS:
        assert len(texts(stack, phone, "今天到签收期限")) == 1, phone


def test_overdue_sms_reach_every_duty_contact(stack):
    t = submit("k-duty-late-1")
    ticket = TicketModel.get(t["id"])
    stack.clock.t = ticket.sign_due_at
    assert escalation.sweep_now(ticket.sign_due_at).escalated == [t["id"]]
    for phone in CONTACTS:
        assert len(texts(stack, phone, "超过签收期限")) == 1, phone
