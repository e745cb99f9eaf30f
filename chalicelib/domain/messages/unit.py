"""SMS to a unit's on-duty phone."""

from __future__ import annotations

from dataclasses import dataclass

from .base import CODE, LOW, NAME, NUMBER, TEXT, TIME, UNIT, Message, param, template


# ================================================================== to a unit's on-duty phone
@template
@dataclass(frozen=True)
class UnitNewTicket(Message):
    name = "unit_new_ticket"
    audience = UNIT
    wording = "新工单{code}已派至贵单位，请于{due}前签收并联系诉求人。内容：{summary}"
    code: str = param(CODE)
    due: str = param(TIME)
    summary: str = param(TEXT, 30)


@template
@dataclass(frozen=True)
class UnitLookAgain(Message):
    name = "unit_look_again"
    audience = UNIT
    wording = ("回头看：工单{code}的诉求人对办理结果不满意（第{count}次重办），"
               "请重新签收办理并联系诉求人。")
    code: str = param(CODE)
    count: str = param(NUMBER)


@template
@dataclass(frozen=True)
class UnitLookAgainSaid(Message):
    name = "unit_look_again_said"
    audience = UNIT
    wording = ("回头看：工单{code}的诉求人对办理结果不满意（第{count}次重办），"
               "请重新签收办理并联系诉求人。诉求人意见：{comment}")
    code: str = param(CODE)
    count: str = param(NUMBER)
    comment: str = param(TEXT, 30)


@template
@dataclass(frozen=True)
class UnitReviewRehandle(Message):
    name = "unit_review_rehandle"
    audience = UNIT
    wording = "工单{code}经社会评议需重新办理，已列入督办，请尽快签收办理并联系诉求人。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class UnitOverdue(Message):
    name = "unit_overdue"
    audience = UNIT
    wording = "工单{code}在{unit}已超过{phase}期限，已列入待督办，请督促办理。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)
    phase: str = param(NAME, choices=("签收", "答复", "研判派单", "办理"))


@template
@dataclass(frozen=True)
class UnitEscalated(Message):
    name = "unit_escalated"
    audience = UNIT
    wording = "工单{code}因下级超期已提级至贵单位，请于{due}前办理。"
    code: str = param(CODE)
    due: str = param(TIME)


@template
@dataclass(frozen=True)
class UnitCoHandle(Message):
    name = "unit_co_handle"
    audience = UNIT
    wording = "工单{code}邀请贵单位协办，请配合主办单位办理。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class UnitSupervised(Message):
    name = "unit_supervised"
    audience = UNIT
    wording = "工单{code}已被督办，请加快办理。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class UnitReminder(Message):
    name = "unit_reminder"
    audience = UNIT
    priority = LOW
    wording = "工单{code}将于{due}到{phase}期限，请及时办理。"
    code: str = param(CODE)
    due: str = param(TIME)
    phase: str = param(NAME, choices=("签收", "答复"))


@template
@dataclass(frozen=True)
class UnitReminderLastDay(Message):
    name = "unit_reminder_last_day"
    audience = UNIT
    priority = LOW
    wording = "工单{code}今天到{phase}期限（{due}），请务必及时办理。"
    code: str = param(CODE)
    phase: str = param(NAME, choices=("签收", "答复"))
    due: str = param(TIME)


@template
@dataclass(frozen=True)
class UnitDeadlineMoved(Message):
    """The State Council's holiday notice moved a deadline (services/calendar_notice.py)."""

    name = "unit_deadline_moved"
    audience = UNIT
    wording = "因国务院节假日安排调整，工单{code}的办理期限改为{due}，请按新期限办理。"
    code: str = param(CODE)
    due: str = param(TIME)


@template
@dataclass(frozen=True)
class ReportReady(Message):
    """A scheduled measures report for a level's leaders (services/measure_reports.py)."""

    name = "report_ready"
    audience = UNIT
    priority = LOW
    wording = "{title}已生成，请查阅：{url}"
    title: str = param(NAME)
    url: str = param(TEXT)


@template
@dataclass(frozen=True)
class HotspotAlert(Message):
    """A hotspot for a place's leaders (services/hotspots.py)."""

    name = "hotspot_alert"
    audience = UNIT
    wording = "热点预警：{place}「{category}」类诉求{detail}，请关注研判。"
    place: str = param(NAME)
    category: str = param(NAME)
    detail: str = param(TEXT)


@template
@dataclass(frozen=True)
class PoolDigest(Message):
    """The daily monitoring-pool count for a unit (services/pool.py)."""

    name = "pool_digest"
    audience = UNIT
    priority = LOW
    wording = "{unit}：工单监测池中有{count}件C/D类工单尚未销号，请跟进办理。"
    unit: str = param(NAME)
    count: str = param(NUMBER)


@template
@dataclass(frozen=True)
class UnitKbExpired(Message):
    """A unit's knowledge-base entry passed its validity date (services/kb.py)."""

    name = "unit_kb_expired"
    audience = UNIT
    priority = LOW
    wording = "贵单位的知识库条目“{question}”有效期至{until}，已停止展示，请更新后重新提交审核。"
    question: str = param(TEXT, 20)
    until: str = param(TIME)
