"""The SMS that asks an SMS-born ticket's citizen for the place (issue 15 point 11)."""

from __future__ import annotations

from .base import CODE, LOW, define

AskPlace = define(
    "AskPlace", "ask_place", priority=LOW, code=CODE,
    wording=("您的诉求（工单{code}）已登记。为尽快转交属地办理，请回复问题所在的社区（村）"
             "或街道（乡镇）名称，如“红旗社区”。"))
