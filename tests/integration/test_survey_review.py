"""Social review (社会评议): dissatisfied after the last reopening; the dispatch center records the
reviewers' decision; an unreasonable request is explained and left out of the unit's scores."""

from __future__ import annotations

import pytest
from survey_support import (
    DISPATCHER,
    HANDLER,
    PHONE_E164,
    UNIT_PHONE,
    kinds,
    replied_ticket,
    reply,
    submit,
    ticket,
)

from chalicelib.domain.errors import Forbidden, InvalidTransition
from chalicelib.services import review, survey
from chalicelib.services.staff_auth import StaffUser

COUNTY_LEADER = StaffUser("lead_zs_wu", "u-gov-zhangshui", frozenset({"leader"}))
OTHER_LEADER = StaffUser("lead_cs_huang", "u-gov-chongshan", frozenset({"leader"}))
BAD = {"resolved": False, "satisfaction": 5, "comment": "还是没解决"}


def to_review(key: str) -> str:
    tid = replied_ticket(key=key)
    for _ in range(2):                                   # max_reopen = 2 reopenings
        survey.evaluate_in_app("wx:carol", tid, BAD)
        reply(tid, "已再次处理")
    survey.evaluate_in_app("wx:carol", tid, BAD)         # the third time: social review
    return tid


def test_after_the_last_reopening_a_dissatisfied_ticket_goes_to_social_review(stack):
    tid = to_review("k-review-a001")
    t = ticket(tid)
    assert (t.status, t.reopen_count, t.review_queue) == ("in_review", 2, "pending")
    assert t.open_unit is None and t.deadline_at is None and t.callback_at is None
    assert kinds(tid)[-2:] == ["evaluated", "review_queued"]
    assert any("社会评议" in s for s in stack.sms.to(PHONE_E164))
    listed = review.list_pending(DISPATCHER, cursor=None, limit=None)
    assert [i["id"] for i in listed["items"]] == [tid]
    assert listed["items"][0]["status_label"] == "社会评议中"
    assert listed["items"][0]["evaluation"]["satisfaction"] == 5
    assert [i["id"] for i in review.list_pending(COUNTY_LEADER, cursor=None,
                                                 limit=None)["items"]] == [tid]
    assert review.list_pending(OTHER_LEADER, cursor=None, limit=None)["items"] == []
    with pytest.raises(Forbidden):
        review.list_pending(HANDLER, cursor=None, limit=None)
    with pytest.raises(Forbidden):
        review.decide(HANDLER, tid, {"reasonable": False, "note": "x"})
    fresh = submit(key="k-review-a002")                  # only tickets in review are decided
    with pytest.raises(InvalidTransition):
        review.decide(DISPATCHER, fresh, {"reasonable": True, "note": "无"})


def test_social_review_unreasonable_excludes_the_ticket_from_the_units_scores(stack):
    tid = to_review("k-review-b001")
    other = replied_ticket(key="k-review-b002")
    survey.evaluate_in_app("wx:carol", other, {"resolved": True, "satisfaction": 1})
    before = review.unit_scores([ticket(tid), ticket(other)])["u-vil-hongqi"]
    assert (before.evaluated, before.satisfaction_rate) == (1, 1.0)     # tid is not closed yet
    note = "经核实，物业已按合同完成清理，诉求超出合同约定范围。"
    view = review.decide(DISPATCHER, tid, {"reasonable": False, "note": note})
    assert view["status"] == "closed"
    t = ticket(tid)
    assert t.excluded_from_scores is True and t.evaluation == "dissatisfied"
    assert t.review["reasonable"] is False and t.review_queue is None
    assert kinds(tid)[-2:] == ["review_decided", "closed"]
    explained = [s for s in stack.sms.to(PHONE_E164) if "经社会评议" in s]
    assert len(explained) == 1 and "超出合同约定范围" in explained[0]
    scores = review.unit_scores([ticket(tid), ticket(other)])["u-vil-hongqi"]
    assert (scores.evaluated, scores.dissatisfied, scores.excluded) == (1, 0, 1)
    assert scores.satisfaction_rate == 1.0
    # the same ticket, had review not excluded it, would count against the unit
    t.excluded_from_scores = False
    counted = review.unit_scores([t, ticket(other)])["u-vil-hongqi"]
    assert counted.dissatisfied == 1 and counted.satisfaction_rate == 0.5
    assert review.list_pending(DISPATCHER, cursor=None, limit=None)["items"] == []
    with pytest.raises(InvalidTransition):
        review.decide(DISPATCHER, tid, {"reasonable": True, "note": "再议"})


def test_social_review_reasonable_means_supervised_rehandling(stack):
    tid = to_review("k-review-c001")
    view = review.decide(DISPATCHER, tid, {"reasonable": True,
                                           "note": "诉求合理，承办单位处理不到位"})
    assert view["status"] == "dispatched" and view["supervised"] is True
    t = ticket(tid)
    assert t.unit_id == "u-vil-hongqi" and t.deadline_shard and t.deadline_at == t.sign_due_at
    assert t.open_unit == "u-vil-hongqi" and not t.excluded_from_scores
    assert kinds(tid)[-2:] == ["review_decided", "reopened"]
    assert any("督办" in s for s in stack.sms.to(UNIT_PHONE))

