"""Citizen- and unit-facing SMS texts (simplified Chinese) and sending them.

A failed SMS never undoes the step it reports: it is logged and counted, and the step stands.
"""

from __future__ import annotations

from ..observability import count, logger
from .container import container
from .sla_service import to_local

PREFIX = "【12345】"


def _date(ts: float | None) -> str:
    if ts is None:
        return ""
    local = to_local(ts)
    return f"{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}"


def accepted(code: str, due_at: float | None) -> str:
    due = f"，我们将在{_date(due_at)}前答复" if due_at else ""
    return f"{PREFIX}您的诉求已受理，工单号{code}{due}。可凭工单号在小程序或拨打12345查询进度。"


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
    return f"{PREFIX}您的工单{code}不属于热线受理范围，建议您通过{channel}反映。"


def unit_new_ticket(code: str, due_at: float | None, summary: str) -> str:
    return (f"{PREFIX}新工单{code}已派至贵单位，请于{_date(due_at)}前签收并联系诉求人。"
            f"内容：{summary[:30]}")


def send(phone: str | None, text: str, *, kind: str) -> str | None:
    if not phone:
        return None
    try:
        message_id = container.sms.send(phone, text)
    except Exception:  # noqa: BLE001 - an SMS outage must not fail the step it reports
        logger.exception("sms send failed", extra={"kind": kind, "phone": phone})
        count("SmsFailed", kind=kind)
        return None
    count("SmsSent", kind=kind)
    return message_id
