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
    # dispatch center and leaders
    "rejected": "不予受理",
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
}


class UnknownChangeKind(ValueError):
    pass


@dataclass(frozen=True)
class Step:
    """One typed step of a change: becomes one timeline entry in the change's transaction.

    ``visible``: shown on the citizen's timeline (``data["public"]`` is what the citizen sees of
    ``data``). ``channel``: the channel the step came in by, if any. ``actor``: who took this
    step when it is not the change's actor (the router, within a citizen's submission).
    """

    kind: str
    text: str | None = None
    data: dict = field(default_factory=dict)
    visible: bool = True
    channel: str | None = None
    actor: Actor | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise UnknownChangeKind(f"unknown change kind {self.kind!r}")
        if not isinstance(self.data, dict):
            raise TypeError("Step.data must be a dict")


# What each entry carries of the ticket as committed (``data["snap"]``): the outbox builds events
# and messages from the fact itself, never from a later state of the ticket.
SNAPSHOT_FIELDS = ("code", "status", "type", "category", "channel", "region_code", "unit_id",
                   "level", "due_at", "sign_due_at", "grade", "emergency", "version")
