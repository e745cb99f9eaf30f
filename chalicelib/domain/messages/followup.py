"""The SMS of issue 15's follow-up work: asking an SMS-born ticket's citizen for the place
(point 11), telling the unit above that a supervision order (督办) went unanswered (point 7)."""

from __future__ import annotations

from .base import CODE, LOW, UNIT, define

AskPlace = define(
    "AskPlace", "ask_place", priority=LOW, code=CODE,
    wording=("您的诉求（工单{code}）已登记。为尽快转交属地办理，请回复问题所在的社区（村）"
             "或街道（乡镇）名称，如“红旗社区”。"))

UnitOrderSteppedUp = define(
    "UnitOrderSteppedUp", "unit_order_stepped_up", audience=UNIT, code=CODE,
    wording="工单{code}的督办逾期未答复，已升级由贵单位督办，请督促承办单位书面答复。")
