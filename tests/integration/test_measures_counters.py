"""Counters kept by the timeline consumer: idempotent per entry, equal to a recompute, and the
monitoring pool."""

from __future__ import annotations

import pytest
from measures_support import counters, day, deliver_all, stream_records
from survey_support import DAY, DISPATCHER, HANDLER, HOUR, ticket
from survey_support import submit as submit_ticket

from chalicelib.domain.errors import InvalidTransition, ValidationError
from chalicelib.services import measures, pool, staff, survey
from chalicelib.services.staff_auth import StaffUser

TOWNSHIP = StaffUser("h_twp_hongqi_xu", "u-twp-hongqi", frozenset({"handler"}))
LEADER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler", "leader"}))
COUNTY_LEADER = StaffUser("lead_zs_wu", "u-gov-zhangshui", frozenset({"leader"}))


def act(user, ticket_id, action, **body):
    return staff.perform(user, ticket_id, action, body)


def evaluate(ticket_id, satisfaction, resolved):
    survey.apply_answer(ticket(ticket_id), survey.rules.Answer(satisfaction, resolved),
                        channel="wechat", raw_text=None, actor=survey.SYSTEM)


def city_walk(stack):
    """Three tickets over three days: solved and satisfied; grade C with a plan; returned and
    re-dispatched to the township, with a leader's instruction."""
    a = submit_ticket(key="k-meas-0001")
    act(HANDLER, a, "sign")
    stack.clock.advance(600)
    act(HANDLER, a, "contact", outcome="reached")
    b = submit_ticket(key="k-meas-0002", phone="13912345678", citizen="wx:dave")
    c = submit_ticket(key="k-meas-0003", channel="phone", phone="13712345678",
                      citizen="tel:+8613712345678")
    stack.clock.advance(DAY)
    act(HANDLER, a, "reply", text="已清理", grade="A")
    act(HANDLER, b, "sign")
    act(HANDLER, b, "reply", text="需要协调资金，下月施工", grade="C", plan="12月底前完成维修")
    act(HANDLER, c, "return", reason="不属于本社区职责")
    act(DISPATCHER, c, "dispatch", unit_id="u-twp-hongqi")
    act(COUNTY_LEADER, c, "instruction", note="请尽快办理")
    stack.clock.advance(DAY)
    evaluate(a, 1, True)
    return a, b, c


def test_replaying_every_entry_twice_changes_no_counter(stack, no_escalation_timers):
    city_walk(stack)
    applied = deliver_all()
    assert applied == len(stream_records()) > 10
    first = counters()
    assert first, "the consumer wrote counters"
    assert deliver_all() == 0                      # every record a second time: all refused
    assert counters() == first
    # places are stored at the tickets' own places; the city's figures are their sum
    assert (f"m#place#{day(0)}", "369900000000") not in first
    city = measures.Reader().day("place", day(0))["369900000000"]
    assert city["received"] == 3 and city["online"] == 2
    unit = first[(f"m#unit#{day(1)}", "u-vil-hongqi")]
    assert unit["replied"] == 2 and unit["grade_C"] == 1 and unit["returned"] == 1
    assert first[(f"m#unit#{day(1)}", "u-twp-hongqi")]["instr_county"] == 1


def test_recompute_gives_the_same_counters(stack, no_escalation_timers):
    city_walk(stack)
    deliver_all()
    streamed = counters()
    result = measures.recompute(day(0), day(2))
    assert result["tickets"] == 3
    assert counters() == streamed
    # a counter damaged by hand is rebuilt
    from chalicelib.wiring import container
    container.client("dynamodb").update_item(
        TableName=measures.store()._registry,
        Key={"pk": {"S": f"m#unit#{day(1)}"}, "sk": {"S": "u-vil-hongqi"}},
        UpdateExpression="ADD replied :n", ExpressionAttributeValues={":n": {"N": "40"}})
    assert counters() != streamed
    measures.recompute(day(1), day(1))
    assert counters() == streamed


def test_recompute_admin_function_takes_a_json_event(stack, no_escalation_timers):
    from chalicelib.jobs import measures as jobs
    city_walk(stack)
    deliver_all()
    streamed = counters()
    out = jobs.recompute_counters({"from_day": day(0), "to_day": day(2)}, None)
    assert out["ok"] and counters() == streamed
    bad = jobs.recompute_counters({"from_day": "23/11/2026", "to_day": day(2)}, None)
    assert bad == {"ok": False, "error": {"code": "invalid_date", "field": "from_day",
                                          "message": "from_day 应为日期（YYYY-MM-DD）"}}


def test_grade_c_needs_an_approved_extension_or_a_plan(stack, no_escalation_timers):
    t = submit_ticket(key="k-meas-0010")
    act(HANDLER, t, "sign")
    with pytest.raises(ValidationError) as info:
        act(HANDLER, t, "reply", text="暂时无法解决", grade="C")
    assert info.value.code == "plan_required" and ticket(t).status == "accepted"
    act(HANDLER, t, "extension", reason="需要协调", new_due_at=day(20))
    act(DISPATCHER, t, "extension/decision", approve=True)
    replied = act(HANDLER, t, "reply", text="暂时无法解决，已获批延期", grade="C")
    assert replied["grade"] == "C"


def test_pool_lists_c_and_d_until_closed_out(stack, no_escalation_timers):
    _, b, _ = city_walk(stack)
    d = submit_ticket(key="k-meas-0004", phone="13612345678", citizen="wx:erin")
    act(HANDLER, d, "sign")
    act(HANDLER, d, "reply", text="已解释", grade="B")
    evaluate(d, 5, False)                          # not accepted: reopened, grade D
    deliver_all()
    listed = pool.list_pool(LEADER, None)
    assert [(i["ticket_id"], i["grade"]) for i in listed["items"]] == [(b, "C"), (d, "D")]
    assert listed["items"][0]["plan"] == "12月底前完成维修"
    with pytest.raises(ValidationError):
        pool.close_out(LEADER, b, {})              # a reason is required
    pool.close_out(LEADER, b, {"reason": "资金已落实，纳入12月施工计划并跟踪"})
    with pytest.raises(InvalidTransition) as info:
        pool.close_out(LEADER, b, {"reason": "again"})
    assert info.value.code == "already_closed_out"
    deliver_all()
    assert [i["ticket_id"] for i in pool.list_pool(LEADER, None)["items"]] == [d]
    assert [e for e in stream_records() if e["kind"]["S"] == "pool_closed"]


def test_daily_digest_tells_each_unit_its_pool_count_once_a_day(stack, no_escalation_timers):
    city_walk(stack)
    deliver_all()
    stack.clock.advance(-stack.clock.t % DAY + 2 * HOUR)   # 10:00 Shanghai of the next day
    out = pool.daily_digest()
    assert out["sent"] == 1
    assert any("监测池中有1件" in s for s in stack.sms.to("+8613907970035"))
    assert pool.daily_digest()["sent"] == 0
