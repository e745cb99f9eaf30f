"""SMS to a unit's on-duty phone."""

from __future__ import annotations

from .base import CODE, ESSENTIAL, LOW, NAME, NUMBER, TEXT, TIME, UNIT, define, param

# ================================================================== to a unit's on-duty phone


UnitNewTicket = define(
    "UnitNewTicket", "unit_new_ticket", audience=UNIT, code=CODE, due=TIME, summary=param(TEXT, 30),
    wording="新工单{code}已派至贵单位，请于{due}前签收并联系诉求人。内容：{summary}")

UnitLookAgain = define(
    "UnitLookAgain", "unit_look_again", audience=UNIT, code=CODE, count=NUMBER,
    wording=("回头看：工单{code}的诉求人对办理结果不满意（第{count}次重办），"
             "请重新签收办理并联系诉求人。"))

UnitLookAgainSaid = define(
    "UnitLookAgainSaid", "unit_look_again_said", audience=UNIT, code=CODE, count=NUMBER,
    comment=param(TEXT, 30),
    wording=("回头看：工单{code}的诉求人对办理结果不满意（第{count}次重办），"
             "请重新签收办理并联系诉求人。诉求人意见：{comment}"))

UnitReviewRehandle = define(
    "UnitReviewRehandle", "unit_review_rehandle", audience=UNIT, code=CODE,
    wording="工单{code}经社会评议需重新办理，已列入督办，请尽快签收办理并联系诉求人。")

UnitOverdue = define(
    "UnitOverdue", "unit_overdue", audience=UNIT, code=CODE, unit=param(NAME, 30),
    phase=param(NAME, choices=("签收", "答复", "研判派单", "首次联系", "办理")),
    wording="工单{code}在{unit}已超过{phase}期限，已列入待督办，请督促办理。")

UnitEscalated = define(
    "UnitEscalated", "unit_escalated", audience=UNIT, code=CODE, due=TIME,
    wording="工单{code}因下级超期已提级至贵单位，请于{due}前办理。")

UnitCoHandle = define(
    "UnitCoHandle", "unit_co_handle", audience=UNIT, code=CODE,
    wording="工单{code}邀请贵单位协办，请配合主办单位办理。")

UnitSupervised = define(
    "UnitSupervised", "unit_supervised", audience=UNIT, code=CODE,
    wording="工单{code}已被督办，请加快办理。")

UnitReminder = define(
    "UnitReminder", "unit_reminder", priority=LOW, audience=UNIT, code=CODE, due=TIME,
    phase=param(NAME, choices=("签收", "答复")),
    wording="工单{code}将于{due}到{phase}期限，请及时办理。")

UnitReminderLastDay = define(
    "UnitReminderLastDay", "unit_reminder_last_day", priority=LOW, audience=UNIT, code=CODE,
    phase=param(NAME, choices=("签收", "答复")), due=TIME,
    wording="工单{code}今天到{phase}期限（{due}），请务必及时办理。")

# The State Council's holiday notice moved a deadline (services/calendar_notice.py).
UnitDeadlineMoved = define(
    "UnitDeadlineMoved", "unit_deadline_moved", audience=UNIT, code=CODE, due=TIME,
    wording="因国务院节假日安排调整，工单{code}的办理期限改为{due}，请按新期限办理。")

# A scheduled measures report for a level's leaders (services/measure_reports.py).
ReportReady = define(
    "ReportReady", "report_ready", priority=LOW, audience=UNIT, title=NAME, url=TEXT,
    wording="{title}已生成，请查阅：{url}")

# A hotspot for a place's leaders (services/hotspots.py).
HotspotAlert = define(
    "HotspotAlert", "hotspot_alert", audience=UNIT, place=NAME, category=NAME, detail=TEXT,
    wording="热点预警：{place}「{category}」类诉求{detail}，请关注研判。")

# The daily monitoring-pool count for a unit (services/pool.py).
PoolDigest = define(
    "PoolDigest", "pool_digest", priority=LOW, audience=UNIT, unit=NAME, count=NUMBER,
    wording="{unit}：工单监测池中有{count}件C/D类工单尚未销号，请跟进办理。")

# A unit's knowledge-base entry passed its validity date (services/kb.py).
UnitKbExpired = define(
    "UnitKbExpired", "unit_kb_expired", priority=LOW, audience=UNIT, question=param(TEXT, 20),
    until=TIME,
    wording="贵单位的知识库条目“{question}”有效期至{until}，已停止展示，请更新后重新提交审核。")

# An emergency (绿色通道, seed 001): the lead unit and its co-units are told at once, the
# deadline in minutes (services/outbox.py, on the dispatch).
UnitEmergency = define(
    "UnitEmergency", "unit_emergency", priority=ESSENTIAL, audience=UNIT, code=CODE, due=TIME,
    summary=param(TEXT, 30),
    wording="紧急工单{code}（绿色通道）已派至贵单位，请于{due}前签收并立即处置。内容：{summary}")

UnitEmergencyCo = define(
    "UnitEmergencyCo", "unit_emergency_co", priority=ESSENTIAL, audience=UNIT, code=CODE,
    summary=param(TEXT, 30),
    wording="紧急工单{code}（绿色通道）请贵单位立即协同处置。内容：{summary}")

# The first contact is due soon (issue 15 point 6; services/reminders.py).
UnitContactReminder = define(
    "UnitContactReminder", "unit_contact_reminder", audience=UNIT, code=CODE, due=TIME,
    wording="工单{code}须在{due}前首次电话联系诉求人，请尽快联系并登记联系情况。")
