"""Request models of the staff endpoints: ticket actions, the pool, reviews, merging,
disclosure (see ``api/models.py``)."""

import datetime as dt
from typing import Any, ClassVar

from ..domain.errors import ValidationError
from ..domain.measures import GRADES
from .models_base import (
    Body,
    Text,
    _strict_bool,
    checked,
    choice,
    moment,
    unit_list,
    version,
)

# ------------------------------------------------------------------ staff actions
CONTACT_OUTCOMES = ("reached", "unreachable", "refused")
REJECT_CHANNELS = ("110报警", "119火警", "120急救", "人民法院", "仲裁机构", "信访部门",
                   "纪检监察机关", "公安机关", "其他")
MAX_NOTE = 2000
MAX_PLAN = 1000


VERSION = checked(version, int)     # the last field of every action: checked after the others
MAX_ORDER_DAYS = 30                 # a supervision order's response time, in working days


def int_between(low: int, high: int, code: str, required: bool = False):
    def check(value: Any, name: str) -> int | None:
        if value is None:
            if required:
                raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(f"{name} 应为 {low}-{high} 的整数", field=name, code=code)
        return value
    return check




class Action(Body):
    """A staff action on a ticket; ``version`` is the ticket version the user saw."""

    optional_body: ClassVar[bool] = True
    null_is_empty: ClassVar[bool] = True


class Sign(Action):
    """签收."""

    version: VERSION


class Contact(Action):
    """The handler phoned the citizen."""

    outcome: choice(CONTACT_OUTCOMES, "invalid_outcome",
                    "outcome 应为 reached / unreachable / refused")
    note: Text(MAX_NOTE, required=False)
    version: VERSION


class Reply(Action):
    """答复, with its grade (C needs an approved extension or a ``plan``)."""

    text: Text(4000)
    grade: choice(GRADES, "invalid_grade",
                  "grade 应为 A（已解决）/B（已解释）/C（暂不能解决）/D（不认可）")
    plan: Text(MAX_PLAN, required=False)
    version: VERSION


class Extension(Action):
    """A request for a later deadline."""

    reason: Text(1000)
    new_due_at: checked(moment, dt.datetime, required=True)
    version: VERSION


class ExtensionDecision(Action):
    """The dispatch center approves or refuses a pending extension."""

    approve: checked(_strict_bool("{name} 应为 true 或 false"), bool, required=True)
    note: Text(MAX_NOTE, required=False)
    version: VERSION


class Reasoned(Action):
    """An action that needs a reason (退单, 提级)."""

    reason: Text(1000)
    version: VERSION


class CoUnits(Action):
    """Co-units (协办) brought in."""

    units: checked(unit_list(required=True), list[str], required=True, maxItems=10)
    version: VERSION


def _dispatch_category(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError("未知的诉求分类", field=name, code="unknown_category")
    return value


class Dispatch(Action):
    """The dispatch center sends the ticket to a unit (and may correct its category)."""

    unit_id: Text(64)
    co_units: checked(unit_list(required=False), list[str], maxItems=10)
    category: checked(_dispatch_category)
    version: VERSION


class Reject(Action):
    """不予受理, naming the right channel."""

    channel: choice(REJECT_CHANNELS, "invalid_channel",
                    "channel 应为：" + "、".join(REJECT_CHANNELS))
    reason: Text(1000)
    version: VERSION


def _close_flag(value: Any, name: str) -> bool:
    if value is None:
        return False
    return _strict_bool("{name} 应为 true 或 false")(value, name)


class HandOff(Action):
    """转办 to 110/119/120/122 or a utility's hotline (``to``: 110, 119, 120, 122, power, or a
    configured hotline); ``close``: the hotline's part ends with it."""

    to: Text(20)
    note: Text(1000)
    close: checked(_close_flag, bool)
    version: VERSION


class Note(Action):
    """A leader's instruction (批示)."""

    note: Text(1000)
    version: VERSION


class Supervise(Action):
    """A supervision order (督办): the unit answers in writing within ``days`` working days."""

    note: Text(1000)
    days: checked(int_between(1, MAX_ORDER_DAYS, "invalid_days"), int, minimum=1,
                  maximum=MAX_ORDER_DAYS)
    version: VERSION


class PoolClose(Action):
    """销号 of a C or D ticket in the monitoring pool."""

    reason: Text(500)
    version: VERSION


class Decision(Action):
    """A yes-or-no decision on a ticket: the body is required."""

    optional_body: ClassVar[bool] = False


class ReviewDecision(Decision):
    """The social review's decision (社会评议)."""

    reasonable: checked(_strict_bool("{name} 应为 true（诉求合理）或 false（诉求不合理）"), bool,
                        required=True)
    note: Text(500)
    version: VERSION


def _flag(value: Any, name: str) -> bool:
    return True if value is None else _strict_bool("{name} 应为 true 或 false")(value, name)


class CallerFlag(Action):
    """Mark (``flag`` true, the default) or unmark the ticket's caller as malicious."""

    flag: checked(_flag, bool)
    reason: Text(500)
    version: VERSION


def _merge_note(value: Any, name: str) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 500):
        raise ValidationError(f"{name} 应为 500 字以内的文字", field=name, code="wrong_type")
    return (value or "").strip() or None


def _ticket_ref(value: Any, name: str) -> str:
    if value is None:
        raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
    if not isinstance(value, str) or len(value) != 26:
        raise ValidationError(f"{name} 应为工单编号", field=name, code="invalid_ticket")
    return value


class Unmerge(Action):
    """Undo a merge (并单), with a note."""

    note: checked(_merge_note, maxLength=500)
    version: VERSION


class Merge(Unmerge):
    """Merge this ticket (a duplicate) into another (并单)."""

    note: checked(_merge_note, maxLength=500)
    version: VERSION
    into: checked(_ticket_ref, required=True, minLength=26, maxLength=26)


def _withhold_reason(value: Any, name: str) -> str:
    from ..domain.disclosure import parse_withhold

    return parse_withhold({name: value})


class Withhold(Body):
    """Take a ticket out of public disclosure (不予公开), with a reason."""

    reason: checked(_withhold_reason, required=True)


ACTIONS: dict[str, type[Action]] = {
    "sign": Sign, "contact": Contact, "reply": Reply, "extension": Extension,
    "extension/decision": ExtensionDecision, "return": Reasoned, "co-units": CoUnits,
    "escalate": Reasoned, "dispatch": Dispatch, "reject": Reject, "supervise": Supervise,
    "instruction": Note, "handoff": HandOff,
}
