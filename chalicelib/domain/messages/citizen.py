"""SMS to the citizen."""

from __future__ import annotations

from dataclasses import dataclass

from .base import CODE, ESSENTIAL, LOW, NAME, TEXT, TIME, Message, param, template


# ================================================================== to the citizen
@template
@dataclass(frozen=True)
class Accepted(Message):
    name = "accepted"
    priority = ESSENTIAL
    wording = ("您的诉求已受理，工单号{code}，将在{due}前答复。"
               "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。")
    code: str = param(CODE)
    due: str = param(TIME)
    query: str = param(CODE)         # the same code, quoted for the "查询" reply


@template
@dataclass(frozen=True)
class AcceptedUndated(Message):
    """Accepted and answered at once (the knowledge base): no deadline to promise."""

    name = "accepted_undated"
    priority = ESSENTIAL
    wording = ("您的诉求已受理，工单号{code}。"
               "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。")
    code: str = param(CODE)
    query: str = param(CODE)


@template
@dataclass(frozen=True)
class AcceptedRouted(Message):
    name = "accepted_routed"
    priority = ESSENTIAL
    wording = ("您的诉求已受理，工单号{code}，已转交{unit}办理，将在{due}前答复。"
               "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。")
    code: str = param(CODE)
    unit: str = param(NAME, 30)
    due: str = param(TIME)
    query: str = param(CODE)


@template
@dataclass(frozen=True)
class Dispatched(Message):
    name = "dispatched"
    wording = "您的工单{code}已转交{unit}办理，办理单位将尽快与您联系。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class Redispatched(Message):
    name = "redispatched"
    wording = "您的工单{code}已重新派发至{unit}办理。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class Returned(Message):
    name = "returned"
    wording = "您的工单{code}正在重新确定办理单位，请耐心等待。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class Replied(Message):
    name = "replied"
    wording = "您的工单{code}已办理答复，请在小程序查看答复内容。稍后将请您评价办理结果。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class Extended(Message):
    name = "extended"
    wording = "您的工单{code}办理期限已延长至{due}，感谢您的理解。"
    code: str = param(CODE)
    due: str = param(TIME)


@template
@dataclass(frozen=True)
class Rejected(Message):
    name = "rejected"
    wording = "您的工单{code}不属于热线受理范围，建议您通过{channel}反映。"
    code: str = param(CODE)
    channel: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class Survey(Message):
    name = "survey"
    wording = ("您的工单{code}已办理答复，请评价：回复1非常满意 2满意 3基本满意 4不满意 "
               "5非常不满意，可加“解决”或“没解决”（如“2 解决”）。回复TD退订")
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class SurveyUnclear(Message):
    name = "survey_unclear"
    priority = LOW
    wording = ("未能识别您的回复。请回复数字1-5评价工单{code}：1非常满意 2满意 3基本满意 "
               "4不满意 5非常不满意。")
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class NoOpenSurvey(Message):
    name = "no_open_survey"
    priority = LOW
    wording = "您目前没有待评价的工单。如需反映诉求，请直接发送诉求内容（至少5个字）。"


@template
@dataclass(frozen=True)
class TooShort(Message):
    name = "too_short"
    priority = LOW
    wording = "请用至少5个字描述您的诉求，我们将为您登记并转交办理。"


@template
@dataclass(frozen=True)
class OptedOut(Message):
    name = "opted_out"
    wording = "您已退订12345回访短信，今后不再向您发送回访评价短信。"


@template
@dataclass(frozen=True)
class SupplementAdded(Message):
    name = "supplement_added"
    priority = LOW
    wording = "已将您的短信内容补充到工单{code}。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class EvaluatedClosed(Message):
    name = "evaluated_closed"
    wording = "感谢您的评价，工单{code}已办结。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class Reopened(Message):
    name = "reopened"
    wording = "收到您的评价，工单{code}已重新交{unit}办理，办理单位将再次与您联系。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class ReviewQueued(Message):
    name = "review_queued"
    wording = "您对工单{code}的办理结果仍不满意，已提交社会评议，评议结果将短信告知您。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class ReviewRehandle(Message):
    name = "review_rehandle"
    wording = "经社会评议，工单{code}将由{unit}在督办下重新办理。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class ReviewExplained(Message):
    name = "review_explained"
    wording = "经社会评议，工单{code}的办理符合规定。说明：{note}。工单已办结，感谢您的理解。"
    code: str = param(CODE)
    note: str = param(TEXT, 200)


# duplicates, merging (并单) and repeat requests (services/duplicates.py, merging.py)
@template
@dataclass(frozen=True)
class RepeatAttached(Message):
    name = "repeat_attached"
    wording = ("您反映的问题与您的工单{code}为同一诉求，已作为补充材料并入该工单办理，"
               "请留意该工单的办理进度。")
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class Merged(Message):
    name = "merged"
    wording = ("您的工单{code}与工单{primary}反映的是同一问题，已合并办理，"
               "办理结果将短信告知您。可凭工单号{track}查询进度。")
    code: str = param(CODE)
    primary: str = param(CODE)
    track: str = param(CODE)         # the primary's code again, to track progress by


@template
@dataclass(frozen=True)
class Unmerged(Message):
    name = "unmerged"
    wording = "您的工单{code}已恢复单独办理，办理单位将与您联系。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class MergedReplied(Message):
    name = "merged_replied"
    wording = ("您的工单{code}（与工单{primary}合并办理）已办理答复，"
               "请在小程序查看答复内容。稍后将请您评价办理结果。")
    code: str = param(CODE)
    primary: str = param(CODE)


# the answer to "查询 <code>" (services/inbound_sms.py)
@template
@dataclass(frozen=True)
class StatusReply(Message):
    name = "status_reply"
    priority = LOW
    wording = "您的工单{code}当前状态：{status}。"
    code: str = param(CODE)
    status: str = param(NAME, 20)


@template
@dataclass(frozen=True)
class StatusReplyStep(Message):
    name = "status_reply_step"
    priority = LOW
    wording = "您的工单{code}当前状态：{status}，最新进展：{step}。"
    code: str = param(CODE)
    status: str = param(NAME, 20)
    step: str = param(NAME, 20)


@template
@dataclass(frozen=True)
class StatusUnknown(Message):
    name = "status_unknown"
    priority = LOW
    wording = "未查到该工单。请核对13位工单号，并用提交诉求的手机号码发送“查询 工单号”。"
