"""Public disclosure (三公开, seed 003): which tickets are shown, how they are filtered, and how
their free text and steps are cleaned. Pure: no I/O.

A ticket is disclosed when its citizen consented (``public``), nobody withheld it, and it is in
progress or closed: a withdrawn, rejected or merged ticket is not a matter the public follows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .calendar import SHANGHAI
from .errors import ValidationError
from .redaction import redact
from .ticket import CLOSED, MERGED, REJECTED, WITHDRAWN

FEED = "P"                        # the partition key of the sparse disclosure index
NOT_DISCLOSED = frozenset({WITHDRAWN, REJECTED, MERGED})
PUBLIC_STATUSES = ("in_progress", "closed")
PUBLIC_STATUS_LABELS = {"in_progress": "办理中", "closed": "已办结"}
TYPE_LABELS_ZH = {"consult": "咨询", "complaint": "投诉", "help": "求助", "suggestion": "建议",
                  "report": "举报"}
MAX_REASON = 500
HIDDEN_PUBLIC_KEYS = frozenset({"attachments"})   # photos can't be redacted: never published

STEP_LABELS = {  # kinds of domain.changes.KINDS (and older entries' kinds) for the public
    "submitted": "已受理", "dispatched": "已派单", "redispatched": "重新派单", "signed": "已签收",
    "contacted": "已联系诉求人", "replied": "已答复", "extended": "办理期限已延长",
    "extension_decided": "延期审批", "returned": "退回重新派单", "co_units": "增加协办单位",
    "escalated": "提级办理", "supervised": "督办", "evaluated": "已评价", "reopened": "重新办理",
    "closed": "已办结", "review": "社会评议", "kb_answered": "知识库解答",
    "supplement": "补充材料", "extension_requested": "申请延期", "extension_rejected": "延期未批准",
    "co_units_added": "增加协办单位", "review_queued": "进入研判或社会评议",
    "review_decided": "社会评议结论", "instruction": "领导批示", "overdue": "超期督办",
    "rejected": "不予受理", "withdrawn": "已撤回", "place_set": "确定诉求地点",
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CATEGORY = re.compile(r"^[A-Z]\d{2,6}$")
_REGION = re.compile(r"^\d{12}$")


def public_status(status: str) -> str:
    return "closed" if status == CLOSED else "in_progress"


def is_disclosable(public: bool, status: str, withheld: Any) -> bool:
    return bool(public) and not withheld and status not in NOT_DISCLOSED


def statuses_for(public: str) -> frozenset[str] | None:
    """The ticket statuses behind a public status filter (None: no filter)."""
    from .ticket import STATUSES
    if public == "closed":
        return frozenset({CLOSED})
    if public == "in_progress":
        return frozenset(STATUSES) - NOT_DISCLOSED - {CLOSED}
    return None


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    township: str | None = None
    status: str | None = None
    start: float | None = None      # epoch seconds, inclusive
    end: float | None = None        # epoch seconds, exclusive

    def scope(self) -> str:
        return f"public:{self.category}:{self.township}:{self.status}:{self.start}:{self.end}"


def _day_start(raw: str, name: str) -> float:
    if not _DATE.match(raw):
        raise ValidationError(f"{name} 应为 YYYY-MM-DD 格式的日期", field=name,
                              code="invalid_date")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{name} 不是有效日期", field=name, code="invalid_date") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).timestamp()


def parse_filters(params: Mapping[str, str | None]) -> Filters:
    """``category``, ``township`` (12-digit code), ``status`` (in_progress | closed), ``from`` and
    ``to`` (local dates, both inclusive) of the public list."""
    category = params.get("category")
    if category is not None and not _CATEGORY.match(category):
        raise ValidationError("诉求分类不正确", field="category", code="unknown_category")
    township = params.get("township")
    if township is not None and not _REGION.match(township):
        raise ValidationError("乡镇（街道）编码应为 12 位数字", field="township",
                              code="unknown_region")
    status = params.get("status")
    if status is not None and status not in PUBLIC_STATUSES:
        raise ValidationError("status 应为 in_progress 或 closed", field="status",
                              code="invalid_status")
    start = _day_start(params["from"], "from") if params.get("from") else None
    end = _day_start(params["to"], "to") + 86400 if params.get("to") else None
    if start is not None and end is not None and start >= end:
        raise ValidationError("起始日期不能晚于结束日期", field="from", code="invalid_date")
    return Filters(category, township, status, start, end)


def parse_withhold(body: Any) -> str:
    if not isinstance(body, dict):
        raise ValidationError("请求内容应为 JSON 对象", code="wrong_type")
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("请说明不予公开的理由", field="reason", code="missing_field")
    if len(reason) > MAX_REASON:
        raise ValidationError(f"reason 不能超过 {MAX_REASON} 个字", field="reason",
                              code="too_long")
    return reason.strip()


def township_of(chain: list[str], level_of) -> str | None:
    """The township (乡镇/街道) in a region chain (self -> city); ``level_of(code)`` -> level."""
    for code in chain:
        if level_of(code) == "township":
            return code
    return None


def clean(value: Any) -> Any:
    """A step's public data with every string redacted and photos left out."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if k not in HIDDEN_PUBLIC_KEYS}
    return value
