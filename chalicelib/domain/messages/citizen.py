"""SMS to the citizen."""

from __future__ import annotations

from .base import CODE, ESSENTIAL, LOW, NAME, TEXT, TIME, define, param

# ================================================================== to the citizen


# query: the same code, quoted for the "查询" reply
Accepted = define(
    "Accepted", "accepted", priority=ESSENTIAL, code=CODE, due=TIME, query=CODE,
    wording=("您的诉求已受理，工单号{code}，将在{due}前答复。"
             "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。"))

# Accepted and answered at once (the knowledge base): no deadline to promise.
AcceptedUndated = define(
    "AcceptedUndated", "accepted_undated", priority=ESSENTIAL, code=CODE, query=CODE,
    wording=("您的诉求已受理，工单号{code}。"
             "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。"))

AcceptedRouted = define(
    "AcceptedRouted", "accepted_routed", priority=ESSENTIAL, code=CODE, unit=param(NAME, 30),
    due=TIME, query=CODE,
    wording=("您的诉求已受理，工单号{code}，已转交{unit}办理，将在{due}前答复。"
             "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。"))

Dispatched = define(
    "Dispatched", "dispatched", code=CODE, unit=param(NAME, 30),
    wording="您的工单{code}已转交{unit}办理，办理单位将尽快与您联系。")

Redispatched = define(
    "Redispatched", "redispatched", code=CODE, unit=param(NAME, 30),
    wording="您的工单{code}已重新派发至{unit}办理。")

Returned = define(
    "Returned", "returned", code=CODE,
    wording="您的工单{code}正在重新确定办理单位，请耐心等待。")

Replied = define(
    "Replied", "replied", code=CODE,
    wording="您的工单{code}已办理答复，请在小程序查看答复内容。稍后将请您评价办理结果。")

Extended = define(
    "Extended", "extended", code=CODE, due=TIME,
    wording="您的工单{code}办理期限已延长至{due}，感谢您的理解。")

Rejected = define(
    "Rejected", "rejected", code=CODE, channel=param(NAME, 30),
    wording="您的工单{code}不属于热线受理范围，建议您通过{channel}反映。")

Survey = define(
    "Survey", "survey", code=CODE,
    wording=("您的工单{code}已办理答复，请评价：回复1非常满意 2满意 3基本满意 4不满意 "
             "5非常不满意，可加“解决”或“没解决”（如“2 解决”）。回复TD退订"))

SurveyUnclear = define(
    "SurveyUnclear", "survey_unclear", priority=LOW, code=CODE,
    wording=("未能识别您的回复。请回复数字1-5评价工单{code}：1非常满意 2满意 3基本满意 "
             "4不满意 5非常不满意。"))

NoOpenSurvey = define(
    "NoOpenSurvey", "no_open_survey", priority=LOW,
    wording="您目前没有待评价的工单。如需反映诉求，请直接发送诉求内容（至少5个字）。")

TooShort = define(
    "TooShort", "too_short", priority=LOW,
    wording="请用至少5个字描述您的诉求，我们将为您登记并转交办理。")

OptedOut = define(
    "OptedOut", "opted_out",
    wording="您已退订12345回访短信，今后不再向您发送回访评价短信。")

SupplementAdded = define(
    "SupplementAdded", "supplement_added", priority=LOW, code=CODE,
    wording="已将您的短信内容补充到工单{code}。")

EvaluatedClosed = define(
    "EvaluatedClosed", "evaluated_closed", code=CODE,
    wording="感谢您的评价，工单{code}已办结。")

Reopened = define(
    "Reopened", "reopened", code=CODE, unit=param(NAME, 30),
    wording="收到您的评价，工单{code}已重新交{unit}办理，办理单位将再次与您联系。")

ReviewQueued = define(
    "ReviewQueued", "review_queued", code=CODE,
    wording="您对工单{code}的办理结果仍不满意，已提交社会评议，评议结果将短信告知您。")

ReviewRehandle = define(
    "ReviewRehandle", "review_rehandle", code=CODE, unit=param(NAME, 30),
    wording="经社会评议，工单{code}将由{unit}在督办下重新办理。")

ReviewExplained = define(
    "ReviewExplained", "review_explained", code=CODE, note=param(TEXT, 200),
    wording="经社会评议，工单{code}的办理符合规定。说明：{note}。工单已办结，感谢您的理解。")

# duplicates, merging (并单) and repeat requests (services/duplicates.py, merging.py)
RepeatAttached = define(
    "RepeatAttached", "repeat_attached", code=CODE,
    wording=("您反映的问题与您的工单{code}为同一诉求，已作为补充材料并入该工单办理，"
             "请留意该工单的办理进度。"))

# track: the primary's code again, to track progress by
Merged = define(
    "Merged", "merged", code=CODE, primary=CODE, track=CODE,
    wording=("您的工单{code}与工单{primary}反映的是同一问题，已合并办理，"
             "办理结果将短信告知您。可凭工单号{track}查询进度。"))

Unmerged = define(
    "Unmerged", "unmerged", code=CODE,
    wording="您的工单{code}已恢复单独办理，办理单位将与您联系。")

MergedReplied = define(
    "MergedReplied", "merged_replied", code=CODE, primary=CODE,
    wording=("您的工单{code}（与工单{primary}合并办理）已办理答复，"
             "请在小程序查看答复内容。稍后将请您评价办理结果。"))

# the answer to "查询 <code>" (services/inbound_sms.py)
StatusReply = define(
    "StatusReply", "status_reply", priority=LOW, code=CODE, status=param(NAME, 20),
    wording="您的工单{code}当前状态：{status}。")

StatusReplyStep = define(
    "StatusReplyStep", "status_reply_step", priority=LOW, code=CODE, status=param(NAME, 20),
    step=param(NAME, 20),
    wording="您的工单{code}当前状态：{status}，最新进展：{step}。")

StatusUnknown = define(
    "StatusUnknown", "status_unknown", priority=LOW,
    wording="未查到该工单。请核对13位工单号，并用提交诉求的手机号码发送“查询 工单号”。")

# 转办: the hotline handed the matter to 110/119/120/122 or a utility's hotline
# (services/handoff.py); ``number``: the number the citizen can call them on.
HandedOff = define(
    "HandedOff", "handed_off", priority=ESSENTIAL, code=CODE, agency=param(NAME, 30),
    number=param(NAME, 12),
    wording="您的工单{code}反映的情况已转交{agency}处置，紧急情况也可直接拨打{number}。")

# Each step the citizen is told of (issue 15 point 9, seed 000): signed, climbed, supervised.
Signed = define(
    "Signed", "signed", code=CODE, unit=param(NAME, 30),
    wording="您的工单{code}已由{unit}签收办理，办理单位将尽快与您联系。")

Escalated = define(
    "Escalated", "escalated", code=CODE, unit=param(NAME, 30),
    wording="您的工单{code}已提级至{unit}办理。")

Supervised = define(
    "Supervised", "supervised", code=CODE,
    wording="您的工单{code}已列入督办，办理单位将加快办理。")
