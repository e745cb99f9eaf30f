"""Citizen- and unit-facing SMS texts (simplified Chinese).

The SMS that report a ticket change are sent by the outbox (services/outbox.py) from the
committed timeline entry, once per entry and recipient; only replies to inbound messages that
belong to no change go out directly (:func:`send_now`).
"""

from __future__ import annotations

from ..domain.redaction import redact
from ..observability import count, logger
from .container import container
from .sla_service import to_local

PREFIX = "【12345】"


def excerpt(text: str | None, limit: int) -> str:
    """Free text that leaves by SMS (a description, a citizen's comment, a staff note): redacted
    like public text (domain.redaction) before it is cut, and never cut inside a placeholder."""
    if not text:
        return ""
    clean = redact(text)
    if len(clean) <= limit:
        return clean
    cut = clean[:limit]
    opened = cut.rfind("[")
    if opened > cut.rfind("]"):
        closed = clean.find("]", opened)
        cut = clean[:closed + 1] if closed != -1 else clean[:opened]
    return cut


def _date(ts: float | None) -> str:
    if ts is None:
        return ""
    local = to_local(ts)
    return f"{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}"


def accepted(code: str, due_at: float | None, unit_name: str | None = None) -> str:
    due = f"，将在{_date(due_at)}前答复" if due_at else ""
    routed = f"，已转交{unit_name}办理" if unit_name else ""
    return (f"{PREFIX}您的诉求已受理，工单号{code}{routed}{due}。"
            f"凭工单号和手机号后4位可在网上查询进度，或回复“查询 {code}”。")


def dispatched(code: str, unit_name: str) -> str:
    return f"{PREFIX}您的工单{code}已转交{unit_name}办理，办理单位将尽快与您联系。"


def redispatched(code: str, unit_name: str) -> str:
    return f"{PREFIX}您的工单{code}已重新派发至{unit_name}办理。"


def returned(code: str) -> str:
    return f"{PREFIX}您的工单{code}正在重新确定办理单位，请耐心等待。"


def replied(code: str) -> str:
    return f"{PREFIX}您的工单{code}已办理答复，请在小程序查看答复内容。稍后将请您评价办理结果。"


def extended(code: str, due_at: float) -> str:
    return f"{PREFIX}您的工单{code}办理期限已延长至{_date(due_at)}，感谢您的理解。"


def rejected(code: str, channel: str) -> str:
    return f"{PREFIX}您的工单{code}不属于热线受理范围，建议您通过{excerpt(channel, 40)}反映。"


def unit_new_ticket(code: str, due_at: float | None, summary: str) -> str:
    return (f"{PREFIX}新工单{code}已派至贵单位，请于{_date(due_at)}前签收并联系诉求人。"
            f"内容：{excerpt(summary, 30)}")


# ---- callback survey (回访), evaluation, reopening, social review (services/survey.py)
def survey(code: str) -> str:
    return (f"{PREFIX}您的工单{code}已办理答复，请评价：回复1非常满意 2满意 3基本满意 4不满意 "
            f"5非常不满意，可加“解决”或“没解决”（如“2 解决”）。回复TD退订")


def survey_unclear(code: str) -> str:
    return (f"{PREFIX}未能识别您的回复。请回复数字1-5评价工单{code}：1非常满意 2满意 3基本满意 "
            f"4不满意 5非常不满意。")


def no_open_survey() -> str:
    return f"{PREFIX}您目前没有待评价的工单。如需反映诉求，请直接发送诉求内容（至少5个字）。"


def too_short() -> str:
    return f"{PREFIX}请用至少5个字描述您的诉求，我们将为您登记并转交办理。"


def opted_out() -> str:
    return f"{PREFIX}您已退订12345回访短信，今后不再向您发送回访评价短信。"


def supplement_added(code: str) -> str:
    return f"{PREFIX}已将您的短信内容补充到工单{code}。"


def evaluated_closed(code: str) -> str:
    return f"{PREFIX}感谢您的评价，工单{code}已办结。"


def reopened(code: str, unit_name: str) -> str:
    return f"{PREFIX}收到您的评价，工单{code}已重新交{unit_name}办理，办理单位将再次与您联系。"


def unit_look_again(code: str, reopen_count: int, comment: str | None) -> str:
    said = f"诉求人意见：{excerpt(comment, 30)}" if comment else ""
    return (f"{PREFIX}回头看：工单{code}的诉求人对办理结果不满意（第{reopen_count}次重办），"
            f"请重新签收办理并联系诉求人。{said}")


def review_queued(code: str) -> str:
    return f"{PREFIX}您对工单{code}的办理结果仍不满意，已提交社会评议，评议结果将短信告知您。"


def review_rehandle(code: str, unit_name: str) -> str:
    return f"{PREFIX}经社会评议，工单{code}将由{unit_name}在督办下重新办理。"


def review_explained(code: str, note: str) -> str:
    return (f"{PREFIX}经社会评议，工单{code}的办理符合规定。{excerpt(note, 200)} "
            "工单已办结，感谢您的理解。")


def unit_review_rehandle(code: str) -> str:
    return f"{PREFIX}工单{code}经社会评议需重新办理，已列入督办，请尽快签收办理并联系诉求人。"


def unit_deadline_moved(code: str, due_at: float | None) -> str:
    return (f"{PREFIX}因国务院节假日安排调整，工单{code}的办理期限改为{_date(due_at)}，"
            "请按新期限办理。")


# ---- duplicates, merging (并单) and repeat requests (services/duplicates.py, merging.py)
def repeat_attached(code: str) -> str:
    return (f"{PREFIX}您反映的问题与您的工单{code}为同一诉求，已作为补充材料并入该工单办理，"
            f"请留意该工单的办理进度。")


def merged(code: str, primary_code: str) -> str:
    return (f"{PREFIX}您的工单{code}与工单{primary_code}反映的是同一问题，已合并办理，"
            f"办理结果将短信告知您。可凭工单号{primary_code}查询进度。")


def unmerged(code: str) -> str:
    return f"{PREFIX}您的工单{code}已恢复单独办理，办理单位将与您联系。"


def merged_replied(code: str, primary_code: str) -> str:
    return (f"{PREFIX}您的工单{code}（与工单{primary_code}合并办理）已办理答复，"
            f"请在小程序查看答复内容。稍后将请您评价办理结果。")


# ---- measures (services/measure_reports.py, hotspots.py, pool.py)
def report_ready(title: str, url: str) -> str:
    return f"{PREFIX}{title}已生成，请查阅：{url}"


def hotspot(place: str, category: str, detail: str) -> str:
    return f"{PREFIX}热点预警：{place}「{category}」类诉求{detail}，请关注研判。"


def pool_digest(unit_name: str, n: int) -> str:
    return f"{PREFIX}{unit_name}：工单监测池中有{n}件C/D类工单尚未销号，请跟进办理。"


def co_unit_invited(code: str) -> str:
    return f"{PREFIX}工单{code}邀请贵单位协办，请配合主办单位办理。"


def supervised(code: str) -> str:
    return f"{PREFIX}工单{code}已被督办，请加快办理。"


def unit_overdue(code: str, late_unit: str, missed: str | None) -> str:
    what = {"sign": "签收", "reply": "答复", "review": "研判派单"}.get(missed or "", "办理")
    return f"{PREFIX}工单{code}在{late_unit}已超过{what}期限，已列入待督办，请督促办理。"


def unit_escalated(code: str, due_at: float | None) -> str:
    return f"{PREFIX}工单{code}因下级超期已提级至贵单位，请于{_date(due_at)}前办理。"


def send_now(phone: str | None, text: str, *, kind: str) -> str | None:
    """An SMS that answers an inbound message and belongs to no ticket change (a clarifying
    question, an opt-out confirmation). Everything a ticket change says goes out through the
    outbox (services/outbox.py) instead. A failure is logged and counted."""
    if not phone:
        return None
    try:
        message_id = container.sms.send(phone, text)
    except Exception:  # noqa: BLE001 - the inbound message was handled; the reply is courtesy
        logger.exception("sms send failed", extra={"kind": kind, "phone": phone})
        count("SmsFailed", kind=kind)
        return None
    count("SmsSent", kind=kind)
    return message_id
