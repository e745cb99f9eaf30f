"""The survey's pure rules: reading replies, the daytime window, attempts, outcomes, scores."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.domain import survey as rules
from chalicelib.domain.calendar import SHANGHAI


def sh(y, mo, d, h, mi=0):
    return dt.datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text,sat,res", [
    ("1", 1, None), ("５", 5, None), (" 4 ", 4, None), ("4。", 4, None),
    ("3 基本满意", 3, None), ("4不满意", 4, None), ("2 解决", 2, True), ("5，没解决", 5, False),
    ("满意", 2, None), ("非常满意", 1, None), ("不满意", 4, None), ("非常不满意", 5, None),
    ("基本满意", 3, None), ("不太满意", 4, None), ("解决", None, True), ("没解决", None, False),
    ("已解决", None, True), ("没有解决", None, False), ("满意，已解决", 2, True),
    ("我不满意", 4, None), ("问题还没解决啊", None, False),
])
def test_answers(text, sat, res):
    reply = rules.parse_reply(text)
    assert reply.kind == rules.ANSWER, text
    assert (reply.answer.satisfaction, reply.answer.resolved) == (sat, res)


def test_answer_keeps_the_comment():
    reply = rules.parse_reply("4 垃圾还是没人清理")
    assert reply.answer.satisfaction == 4 and reply.answer.comment == "垃圾还是没人清理"


@pytest.mark.parametrize("text", ["退订", "TD", "td", " Td。", "退订谢谢", "STOP"])
def test_opt_out(text):
    assert rules.parse_reply(text).kind == rules.OPT_OUT


@pytest.mark.parametrize("text", [
    "", "   ", "12345", "6", "0", "你好", "?",
    "小区门口的路灯坏了一个多月了，晚上走路很不方便，希望尽快修好，大家都不满意",
    "TDX", "13800138000",
])
def test_not_an_answer(text):
    assert rules.parse_reply(text).kind == rules.UNKNOWN


@pytest.mark.parametrize("sat,res,expected", [
    (1, None, rules.SATISFIED), (2, True, rules.SATISFIED), (3, None, rules.SATISFIED),
    (4, None, rules.DISSATISFIED), (5, True, rules.DISSATISFIED),
    (2, False, rules.DISSATISFIED), (None, False, rules.DISSATISFIED),
    (None, True, rules.SATISFIED),
])
def test_outcome(sat, res, expected):
    assert rules.outcome(rules.Answer(sat, res)) == expected


def test_an_answer_says_something():
    with pytest.raises(ValueError):
        rules.Answer(None, None)
    with pytest.raises(ValueError):
        rules.Answer(6, None)


def test_next_step_reopens_twice_then_review():
    bad, good = rules.Answer(4, None), rules.Answer(1, True)
    assert rules.next_step(bad, 0, 2) == rules.REOPEN
    assert rules.next_step(bad, 1, 2) == rules.REOPEN
    assert rules.next_step(bad, 2, 2) == rules.REVIEW
    assert rules.next_step(good, 2, 2) == rules.CLOSE
    assert rules.next_step(bad, 0, 0) == rules.REVIEW


@pytest.mark.parametrize("moment,inside", [
    (sh(2026, 11, 23, 7, 59), False), (sh(2026, 11, 23, 8, 0), True),
    (sh(2026, 11, 23, 12, 0), True), (sh(2026, 11, 23, 20, 59), True),
    (sh(2026, 11, 23, 21, 0), False), (sh(2026, 11, 23, 23, 30), False),
    (sh(2026, 11, 24, 2, 0), False),
    # the window is Shanghai's, whatever the zone of the instant
    (dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc), True),        # 10:00 Shanghai
    (dt.datetime(2026, 11, 23, 14, 0, tzinfo=dt.timezone.utc), False),      # 22:00 Shanghai
])
def test_daytime_window(moment, inside):
    assert rules.Window(8, 21).contains(moment) is inside


def test_next_attempt_is_the_next_day_inside_the_window():
    w = rules.Window(8, 21)
    assert w.next_attempt(sh(2026, 11, 23, 10, 5)) == sh(2026, 11, 24, 10, 5)
    assert w.next_attempt(sh(2026, 11, 23, 20, 55)) == sh(2026, 11, 24, 20, 30)
    assert w.next_attempt(sh(2026, 11, 23, 6, 0)) == sh(2026, 11, 24, 8, 0)
    # month and year boundaries
    assert w.next_attempt(sh(2026, 12, 31, 9, 0)) == sh(2027, 1, 1, 9, 0)


def test_one_attempt_a_day():
    assert rules.may_attempt(None, sh(2026, 11, 23, 10))
    assert not rules.may_attempt("2026-11-23", sh(2026, 11, 23, 20))
    assert rules.may_attempt("2026-11-23", sh(2026, 11, 24, 8))
    # 23:30 UTC on the 23rd is already the 24th in Shanghai
    assert rules.may_attempt("2026-11-23", dt.datetime(2026, 11, 23, 23, 30,
                                                       tzinfo=dt.timezone.utc))


def test_window_must_make_sense():
    with pytest.raises(ValueError):
        rules.Window(21, 8)


def test_unit_scores_leave_out_excluded_tickets():
    items = [
        rules.Evaluated("u1", rules.SATISFIED, 1, True),
        rules.Evaluated("u1", rules.SATISFIED, 2, True),
        rules.Evaluated("u1", rules.DISSATISFIED, 5, False),
        rules.Evaluated("u1", rules.NOT_EVALUATED),
        rules.Evaluated("u2", rules.DISSATISFIED, 4, False),
    ]
    before = rules.unit_scores(items)["u1"]
    assert (before.evaluated, before.satisfied, before.dissatisfied) == (3, 2, 1)
    assert before.satisfaction_rate == round(2 / 3, 4)
    assert before.participation_rate == 0.75
    assert before.resolution_rate == round(2 / 3, 4)
    assert before.score == round((100 + 80 + 20) / 3, 2)
    items[2] = rules.Evaluated("u1", rules.DISSATISFIED, 5, False, excluded=True)
    after = rules.unit_scores(items)["u1"]
    assert (after.evaluated, after.dissatisfied, after.excluded) == (2, 0, 1)
    assert after.satisfaction_rate == 1.0 and after.score == 90.0
    u2 = rules.unit_scores(items)["u2"]
    assert u2.satisfaction_rate == 0.0 and u2.resolution_rate == 0.0
