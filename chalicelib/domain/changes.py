"""The vocabulary of ticket changes. Pure.

Every change to a ticket is committed together with one or more timeline entries, each of one of
the kinds below (``services/changes.py`` refuses any other). The timeline is also the outbox: the
stream consumer (``services/outbox.py``) turns each committed entry into its effects (SMS,
EventBridge events, supervision entries), so a kind is a fact others may act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .ticket import Actor

KINDS: dict[str, str] = {
    # intake and routing
    "submitted": "诉求已受理",
    "dispatched": "已派单",
    "review_queued": "进入研判队列或社会评议",
    # the unit's work
    "signed": "已签收",
    "contacted": "已联系诉求人",
    "replied": "已答复",
    "extension_requested": "申请延期",
    "extended": "延期已批准",
    "extension_rejected": "延期未批准",
    "returned": "退单",
    "co_units_added": "增加协办单位",
    # deadlines (the escalation sweep writes escalated/overdue; staff may escalate by hand)
    "escalated": "提级",
    "overdue": "超期",
    "contact_overdue": "首次联系超时",
    "deadline_moved": "节假日安排调整，期限重算",
    # dispatch center and leaders
    "rejected": "不予受理",
    "handed_off": "转办（110/119/120/122 或公用事业热线）",
    "supervised": "督办",
    "instruction": "批示",
    "review_decided": "社会评议结论",
    # the citizen
    "supplement": "补充材料",
    "withdrawn": "撤回",
    "citizen_message": "诉求人留言",
    "opted_out": "退订回访短信",
    # callback survey and evaluation
    "survey_sent": "发出回访",
    "survey_skipped": "回访跳过（已退订）",
    "survey_rescheduled": "回访顺延",
    "survey_busy": "回访等待（同号码另有回访）",
    "survey_cleared": "回访取消",
    # notifications (services/sms_delivery.py): an SMS that will not arrive
    "sms_failed": "短信未送达",
    "evaluated": "诉求人评价",
    "closed": "办结",
    "reopened": "重办",
    # duplicates, merging (并单), repeat requests, malicious callers (issue 13)
    "merged": "已合并至主工单",
    "merged_in": "并入重复工单",
    "unmerged": "撤销合并",
    "unmerged_out": "撤销并入",
    "repeat": "重复件（已办结诉求再次反映）",
    "malicious_caller": "恶意诉求人的工单",
    "duplicates_found": "发现可能重复的工单",
    "caller_flagged": "标记恶意诉求人",
    "caller_unflagged": "取消恶意诉求人标记",
    # the public face (issue 14)
    "kb_answered": "知识库解答（首次办结）",
    "withheld": "不予公开",
    # the monitoring pool (工单监测池, services/pool.py)
    "pool_closed": "监测池销号",
    # supervision orders and instructions (services/orders.py)
    "supervision_response": "督办回复",
    "supervision_closed": "督办办结",
    "supervision_stepped_up": "督办逾期，升级督办",
    "instruction_followed": "批示落实情况",
    # co-unit tasks (协办, services/co_units.py)
    "co_unit_signed": "协办单位签收",
    "co_unit_replied": "协办单位回复",
    "co_unit_rated": "主办单位评价协办",
    # dispatch objections (派单异议, services/objections.py)
    "objection": "派单异议",
    "objection_decided": "派单异议处理结果",
    # SMS-born tickets get their place (services/sms_place.py)
    "place_set": "确定诉求地点",
    # retention (个人信息保护法, services/retention.py): personal data removed, measures kept
    "anonymized": "个人信息已按规定删除",
}


class UnknownChangeKind(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    """One typed step of a change: becomes one timeline entry in the change's transaction.

    ``visible``: shown on the citizen's timeline (``data["public"]`` is what the citizen sees of
    ``data``). ``channel``: the channel the step came in by, if any. ``actor``: who took this
    step when it is not the change's actor (the router, within a citizen's submission).
    ``feed``: a list across tickets this entry belongs to (the timeline's sparse ``by_feed``
    index: a level's instructions, the dispatch objections).
    """

    kind: str
    text: str | None = None
    data: dict = field(default_factory=dict)
    visible: bool = True
    channel: str | None = None
    actor: Actor | None = None
    feed: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UnknownChangeKind(f"unknown change kind {self.kind!r}")
        if not isinstance(self.data, dict):
            raise TypeError("Step.data must be a dict")


# What each entry carries of the ticket as committed (``data["snap"]``): the outbox builds events
# and messages from the fact itself, never from a later state of the ticket.
SNAPSHOT_FIELDS = ("code", "status", "type", "category", "channel", "region_code", "unit_id",
                   "level", "due_at", "sign_due_at", "grade", "emergency", "version",
                   "partner_source")
