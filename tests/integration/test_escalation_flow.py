"""Escalation as a sweep, driven by the app: explicit clock, explicit sweeps, no sleeping.

Shows: a ticket nobody signs for climbs village -> township -> county -> city and is then marked
overdue; a ticket replied in time is never touched by a sweep; an extension moves the deadline; a
person acting at the deadline never loses their write; two sweeps at once escalate once; after a
reply-phase escalation the new unit must sign first; the light is red once a deadline was missed.
"""

from __future__ import annotations

import json
import threading

import fastjsonschema
import pytest

from chalicelib.adapters.models import RegistryModel, TicketEventModel, TicketModel
from chalicelib.domain.errors import InvalidTransition, VersionConflict
from chalicelib.services import citizen, escalation, intake, staff, supervision, views
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
VILLAGE_HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
TOWNSHIP_HANDLER = StaffUser("h_twp_hongqi", "u-twp-hongqi", frozenset({"handler"}))
DISPATCHER = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
LADDER = ["u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city"]


def submit(key: str, ticket_type: str = "complaint") -> str:
    body = {"type": ticket_type, "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": HONGQI, "phone": "13812345678", "category": "A1001"}
    return intake.submit(body, citizen_id="wx:esc", channel="wechat", idempotency_key=key)["id"]


def ticket(tid: str) -> TicketModel:
    return TicketModel.get(tid, consistent_read=True)


def entries(tid: str, kind: str) -> list[TicketEventModel]:
    return [e for e in TicketEventModel.query(tid) if e.kind == kind]


def sweep_at(stack, when: float) -> escalation.SweepReport:
    stack.clock.t = when
    rep = escalation.sweep_now(when)
    assert rep.status == "SUCCEEDED", rep
    stack.outbox.drain()        # the stream's consumer stores each moved ticket's next step
    return rep


def test_nobody_signs_ticket_climbs_the_ladder_then_is_marked_overdue(stack):
    tid = submit("k-esc-ladder-1")
    t = ticket(tid)
    assert t.unit_id == "u-vil-hongqi" and t.deadline_at == t.sign_due_at and t.esc_step == 0
    assert sweep_at(stack, t.sign_due_at - 1).escalated == []        # not yet due
    for level, unit in zip(("township", "county", "city"), LADDER[1:], strict=True):
        before = ticket(tid)
        rep = sweep_at(stack, before.deadline_at)                    # exactly at the deadline
        assert rep.escalated == [tid]
        after = ticket(tid)
        assert (after.unit_id, after.level, after.status) == (unit, level, "dispatched")
        assert after.version == before.version + 1 and after.overdue
        assert after.open_unit == unit and after.unit_path == LADDER[LADDER.index(unit):]
        assert after.sign_due_at > before.sign_due_at and after.deadline_at == after.sign_due_at
    hops = [(e["from_unit"], e["to_unit"]) for e in ticket(tid).escalations]
    assert hops == list(zip(LADDER, LADDER[1:], strict=False))
    top = ticket(tid)
    rep = sweep_at(stack, top.deadline_at + 5)
    assert rep.escalated == [tid]
    parked = ticket(tid)
    assert parked.unit_id == "u-gov-city" and parked.deadline_shard.startswith("O#")
    assert parked.deadline_at == top.deadline_at                     # the missed deadline stays
    assert sweep_at(stack, top.deadline_at + 86400).escalated == []  # never swept again
    from chalicelib.services.stats import open_ticket_gauges
    assert open_ticket_gauges(top.deadline_at + 86400)["overdue"] == 1   # still counted red
    # a later write that changes nothing about the deadline (a city leader's 批示) recomputes
    # the same top-of-ladder miss: the ticket stays parked and nobody is told twice
    leader = StaffUser("lead_city", "u-gov-city", frozenset({"leader"}))
    staff.perform(leader, tid, "instruction", {"note": "请尽快办理"})
    assert ticket(tid).deadline_shard.startswith("O#")
    assert sweep_at(stack, top.deadline_at + 2 * 86400).escalated == []
    climbed = entries(tid, "escalated")
    assert len(climbed) == 3 and all(e.actor == "system" for e in climbed)
    first = climbed[0].data
    assert first["missed"] == "sign" and first["chain"] == LADDER and first["auto"] is True
    assert first["snap"]["unit_id"] == "u-twp-hongqi" and first["snap"]["code"] == top.code
    [mark] = entries(tid, "overdue")
    assert mark.data["to_unit"] is None and mark.data["chain"] == ["u-gov-city"]
    # the timeline stream (outbox) turned the sweep's entries into their effects: the overdue SMS
    # reached every level of the chain at the first miss, each new unit was told, and the ticket
    # is on every level's to-supervise list
    for unit in LADDER:
        phone = stack.container.reference.unit(unit).duty_phone
        assert any("超过签收期限" in s for s in stack.sms.to(phone)), unit
        assert RegistryModel.get(f"supervise#{unit}", tid)
    assert sum("已提级至贵单位" in s.text for s in stack.sms.sent) == 3
    listing = supervision.supervision_list(StaffUser("x", "u-gov-zhangshui",
                                                     frozenset({"leader"})))
    assert tid in [i["id"] for i in listing["items"]]
    # the citizen withdraws it: the outbox takes it off every level's live list (which so holds
    # open tickets only, however many a unit has had); the closed ones still list it
    citizen.withdraw("wx:esc", tid, {"reason": "已自行解决"})
    stack.outbox.drain()
    for unit in LADDER:
        with pytest.raises(RegistryModel.DoesNotExist):
            RegistryModel.get(f"supervise#{unit}", tid)
        assert RegistryModel.get(f"supervised#{unit}", tid).data["closed_at"]
    leader = StaffUser("x", "u-gov-zhangshui", frozenset({"leader"}))
    assert supervision.supervision_list(leader)["items"] == []
    closed = supervision.supervision_list(leader, include_closed=True)["items"]
    assert [i["id"] for i in closed] == [tid] and closed[0]["status"] == "withdrawn"


def test_replied_in_time_is_never_touched_by_a_sweep(stack):
    tid = submit("k-esc-replied-1")
    staff.perform(VILLAGE_HANDLER, tid, "sign", {})
    staff.perform(VILLAGE_HANDLER, tid, "reply", {"text": "已处理", "grade": "A"})
    t = ticket(tid)
    assert t.deadline_at is None and t.deadline_shard is None and t.esc_plan is None
    rep = sweep_at(stack, t.due_at + 30 * 86400)
    assert tid not in rep.escalated + rep.skipped                    # 0 transitions for it
    after = ticket(tid)
    assert after.version == t.version and not after.escalations and not after.overdue


def test_extension_moves_the_deadline(stack):
    import datetime as dt
    tid = submit("k-esc-extend-1")
    staff.perform(VILLAGE_HANDLER, tid, "sign", {})
    staff.perform(VILLAGE_HANDLER, tid, "contact", {"outcome": "reached"})  # (point 6)
    signed = ticket(tid)
    assert signed.deadline_at == signed.due_at
    later = dt.datetime.fromtimestamp(signed.due_at + 7 * 86400, dt.timezone.utc)
    staff.perform(VILLAGE_HANDLER, tid, "extension",
                  {"reason": "需协调施工", "new_due_at": later.isoformat()})
    staff.perform(DISPATCHER, tid, "extension/decision", {"approve": True})
    extended = ticket(tid)
    assert extended.due_at > signed.due_at and extended.deadline_at == extended.due_at
    assert sweep_at(stack, signed.due_at + 60).escalated == []       # the old deadline is gone
    assert ticket(tid).unit_id == "u-vil-hongqi"
    assert sweep_at(stack, extended.due_at).escalated == [tid]       # the new one holds


def test_reply_phase_escalation_makes_the_new_unit_sign_first(stack):
    tid = submit("k-esc-reply-1")
    staff.perform(VILLAGE_HANDLER, tid, "sign", {})
    staff.perform(VILLAGE_HANDLER, tid, "contact", {"outcome": "reached"})
    signed = ticket(tid)
    assert sweep_at(stack, signed.due_at).escalated == [tid]
    t = ticket(tid)
    assert (t.unit_id, t.status) == ("u-twp-hongqi", "dispatched")
    assert t.signed_at is None and t.contacted_at is None
    assert t.sign_due_at > signed.due_at and t.deadline_at == t.sign_due_at
    assert t.due_at > t.sign_due_at
    assert entries(tid, "escalated")[0].data["missed"] == "reply"
    with pytest.raises(InvalidTransition):
        staff.perform(TOWNSHIP_HANDLER, tid, "reply", {"text": "已处理", "grade": "A"})
    staff.perform(TOWNSHIP_HANDLER, tid, "sign", {})
    staff.perform(TOWNSHIP_HANDLER, tid, "reply", {"text": "已处理", "grade": "A"})
    assert ticket(tid).status == "replied"


def test_light_is_red_after_a_missed_deadline_until_replied(stack):
    tid = submit("k-esc-light-1")
    t = ticket(tid)
    sweep_at(stack, t.sign_due_at)
    climbed = ticket(tid)
    now = climbed.clock_start_at + 1                                 # fresh deadline, far away
    assert views.light(climbed, now) == "red"
    staff.perform(TOWNSHIP_HANDLER, tid, "sign", {})
    assert views.light(ticket(tid), now) == "red"
    staff.perform(TOWNSHIP_HANDLER, tid, "reply", {"text": "已处理", "grade": "A"})
    assert views.light(ticket(tid), now) is None


def test_two_sweeps_at_once_escalate_once(stack):
    tid = submit("k-esc-twice-1")
    t = ticket(tid)
    stack.clock.t = t.sign_due_at
    arns = [escalation.start_sweep(t.sign_due_at), escalation.start_sweep(t.sign_due_at)]
    reports = [escalation.report(a, stack.container.sweeps.wait(a)) for a in arns]
    assert all(r.status == "SUCCEEDED" for r in reports)
    assert sorted(len(r.escalated) for r in reports) == [0, 1]
    assert sum(len(r.skipped) for r in reports) <= 1
    after = ticket(tid)
    assert len(after.escalations) == 1 and after.version == t.version + 1
    assert len(entries(tid, "escalated")) == 1


def test_person_acting_at_the_deadline_never_loses_their_write(stack):
    tid = submit("k-esc-race-1")
    t = ticket(tid)
    stack.clock.t = t.sign_due_at
    outcome = {}

    def person():
        try:
            staff.perform(VILLAGE_HANDLER, tid, "sign", {"version": t.version})
            outcome["signed"] = True
        except (VersionConflict, Exception) as exc:   # noqa: BLE001 - 409, or 404 after climbing
            outcome["signed"] = False
            outcome["error"] = type(exc).__name__

    arn = escalation.start_sweep(t.sign_due_at)
    worker = threading.Thread(target=person)
    worker.start()
    rep = escalation.report(arn, stack.container.sweeps.wait(arn))
    worker.join()
    after = ticket(tid)
    kinds = [e.kind for e in TicketEventModel.query(tid)]
    assert after.version == t.version + 1                 # exactly one write won
    if outcome["signed"]:
        assert after.status == "accepted" and "signed" in kinds and "escalated" not in kinds
        assert tid not in rep.escalated
    else:
        assert outcome["error"] in ("VersionConflict", "NotFound")
        assert rep.escalated == [tid] and "signed" not in kinds
        assert after.status == "dispatched" and after.unit_id == "u-twp-hongqi"


def test_review_queue_climbs_to_the_city_then_is_overdue(stack):
    tid = submit("k-esc-review-1")
    staff.perform(VILLAGE_HANDLER, tid, "return", {"reason": "不属于本单位职责"})
    t = ticket(tid)
    assert (t.status, t.unit_id) == ("returned", "u-center")
    assert sweep_at(stack, t.deadline_at).escalated == [tid]
    t = ticket(tid)
    assert (t.status, t.unit_id, t.level) == ("returned", "u-gov-city", "city")
    assert entries(tid, "escalated")[0].data["missed"] == "review"
    staff.perform(DISPATCHER, tid, "dispatch", {"unit_id": "u-vil-hongqi"})   # still routable
    assert ticket(tid).status == "dispatched"


def test_sweep_entries_match_the_event_schemas(stack):
    """The outbox builds the EventBridge detail of a sweep entry as
    {event_id, ticket_id, at, entry_kind, **snap, **data without snap and public}."""
    tid = submit("k-esc-schema-1")
    for _ in range(4):
        sweep_at(stack, ticket(tid).deadline_at)
    for kind, schema_name in (("escalated", "TicketEscalated"), ("overdue", "TicketOverdue")):
        entry = entries(tid, kind)[0]
        data = dict(entry.data)
        snap = data.pop("snap")
        data.pop("public", None)
        detail = {"event_id": f"{tid}/{entry.sk}", "ticket_id": tid, "at": int(entry.at),
                  "entry_kind": entry.kind, **snap, **data}
        with open(f"events/{schema_name}.json") as fh:
            fastjsonschema.compile(json.load(fh))(detail)


def test_a_climbed_ticket_is_listed_under_its_new_status_at_its_new_unit(stack):
    """The sweep re-keys the by_unit_status index with the ticket: after a reply-phase climb the
    township finds it among its tickets to sign (dispatched), not among accepted ones."""
    tid = submit("k-esc-requeue-1")
    staff.perform(VILLAGE_HANDLER, tid, "sign", {})
    staff.perform(VILLAGE_HANDLER, tid, "contact", {"outcome": "reached"})  # (point 6)
    sweep_at(stack, ticket(tid).due_at)
    t = ticket(tid)
    assert t.status_deadline == f"dispatched#{t.deadline_at:010d}"

    def listed(status):
        page = staff.queue(TOWNSHIP_HANDLER, status=status, light=None, cursor=None, unit=None,
                           limit=None)
        return [i["id"] for i in page["items"]]

    assert tid in listed("dispatched") and tid not in listed("accepted")


def test_only_the_next_step_is_stored_and_the_outbox_stores_the_one_after(stack):
    """The ticket carries its next escalation step only (the rest of the ladder is most of what
    the item would weigh, rewritten with every change). Applying it removes it; the sweep's
    timeline entry reaches the outbox, which stores the next one: derived keys, no new version.
    Until then the ticket is not moved again, and a person's change meanwhile wins."""
    from chalicelib.services import changes

    tid = submit("k-esc-next-1")
    t = ticket(tid)
    [step] = json.loads(t.esc_plan)
    assert (step["kind"], step["at"]) == ("escalated", t.deadline_at)
    stack.clock.t = t.deadline_at
    assert escalation.sweep_now(t.deadline_at).escalated == [tid]     # no drain: no outbox yet
    moved = ticket(tid)
    assert moved.unit_id == LADDER[1] and moved.esc_plan is None and moved.esc_step == 1
    stack.clock.t = moved.deadline_at + 60
    rep = escalation.sweep_now(moved.deadline_at + 60)
    assert rep.escalated == [] and rep.skipped == [tid]               # due, but nothing stored
    assert ticket(tid).version == moved.version
    stack.outbox.drain()                                              # the stream catches up
    replanned = ticket(tid)
    [step] = json.loads(replanned.esc_plan)
    assert (step["kind"], step["at"]) == ("escalated", moved.deadline_at)
    assert step["values"][":unit"] == {"S": LADDER[2]}
    assert replanned.version == moved.version and replanned.esc_step == 0
    assert changes.replan(tid) is False                               # stored once
    assert sweep_at(stack, moved.deadline_at + 120).escalated == [tid]
    assert ticket(tid).unit_id == LADDER[2]
    # a person's change between the sweep and the outbox: the replan finds nothing to store
    stack.clock.t = ticket(tid).deadline_at + 1
    assert escalation.sweep_now(stack.clock.t).escalated == [tid]
    city = StaffUser("h_gov_city", LADDER[3], frozenset({"handler"}))
    signed = staff.perform(city, tid, "sign", {})
    assert changes.replan(tid) is False
    after = ticket(tid)
    assert after.status == "accepted" and json.loads(after.esc_plan)[0]["at"] == after.deadline_at
    stack.outbox.drain()
    assert ticket(tid).version == after.version and signed


def test_a_plan_stored_whole_before_the_change_is_applied_at_its_step(stack):
    """A ticket written before only the next step was stored carries its whole plan, and after
    a climb `esc_step` points past the first step: the sweep applies that step (not step 0),
    removes the old plan with it, and the outbox stores the next one the new way."""
    from chalicelib.domain.escalation import STORED_WITHOUT
    from chalicelib.services.escalation import plan_for

    tid = submit("k-esc-old-plan-1")
    t = ticket(tid)
    whole = json.dumps([{k: v for k, v in s.items() if k not in STORED_WITHOUT}
                        for s in plan_for(t, t.deadline_shard)],
                       ensure_ascii=False, separators=(",", ":"))
    assert sweep_at(stack, t.deadline_at).escalated == [tid]        # the first climb
    moved = ticket(tid)
    assert moved.unit_id == LADDER[1] and moved.esc_step == 0
    # as the old code left it: the whole plan, the next step to apply is step 1
    TicketModel._get_connection().update_item(tid, actions=[TicketModel.esc_plan.set(whole),
                                                            TicketModel.esc_step.set(1)])
    stack.clock.t = moved.deadline_at
    assert escalation.sweep_now(moved.deadline_at).escalated == [tid]
    climbed = ticket(tid)
    assert climbed.unit_id == LADDER[2] and climbed.level == "county"
    assert climbed.esc_plan is None
    stack.outbox.drain()
    [step] = json.loads(ticket(tid).esc_plan)
    assert step["values"][":unit"] == {"S": LADDER[3]} and ticket(tid).esc_step == 0
