"""Who may do what to a ticket, and from which state. Pure; the single authority.

Checks run in this order, so the answer tells the truth without leaking: a ticket the user may not
see is "not found" (404); a step their role may not take is "forbidden" (403, saying which role);
a step the ticket's state does not allow is a conflict (409, saying why). A step can't be skipped:
a unit that has not signed for a ticket cannot reply to it (双向规范).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .errors import Forbidden, InvalidTransition, NotFound
from .ticket import (
    ACCEPTED,
    CLOSED,
    DISPATCHED,
    IN_REVIEW,
    REPLIED,
    RETURNED,
    STATUS_LABELS_ZH,
    STATUSES,
    SUBMITTED,
)


class StaffLike(Protocol):
    user: str
    unit_id: str
    roles: frozenset


class TicketLike(Protocol):
    status: str
    unit_id: str | None
    co_units: list
    unit_path: list


LEAD = "lead"                   # only the lead unit's staff
JURISDICTION = "jurisdiction"   # the lead unit or a unit above it (a leader's subtree)
ANY = "any"                     # anyone with the role (dispatchers act city-wide)
CO_UNIT = "co_unit"             # only a co-unit's (协办) staff

ROLE_LABELS_ZH = {"handler": "承办人员", "dispatcher": "派单员", "leader": "领导/督办人",
                  "admin": "管理员"}


@dataclass(frozen=True)
class Rule:
    label_zh: str
    from_statuses: frozenset
    roles: frozenset
    scope: str


_WORKING = frozenset({DISPATCHED, ACCEPTED})
_FOLLOWED = frozenset({SUBMITTED, DISPATCHED, ACCEPTED, RETURNED, REPLIED})
RULES: dict[str, Rule] = {
    "sign": Rule("签收", frozenset({DISPATCHED}), frozenset({"handler"}), LEAD),
    "contact": Rule("登记联系诉求人", frozenset({ACCEPTED}), frozenset({"handler"}), LEAD),
    "reply": Rule("答复", frozenset({ACCEPTED}), frozenset({"handler"}), LEAD),
    "extension": Rule("申请延期", frozenset({ACCEPTED}), frozenset({"handler"}), LEAD),
    "return": Rule("退单", _WORKING, frozenset({"handler"}), LEAD),
    "co_units": Rule("添加协办单位", _WORKING, frozenset({"handler"}), LEAD),
    "escalate": Rule("提级", _WORKING, frozenset({"handler", "leader"}), JURISDICTION),
    "dispatch": Rule("派单", frozenset({SUBMITTED, RETURNED}), frozenset({"dispatcher"}), ANY),
    "extension_decision": Rule("审批延期", frozenset({ACCEPTED}), frozenset({"dispatcher"}), ANY),
    "reject": Rule("不予受理", frozenset({SUBMITTED, RETURNED}), frozenset({"dispatcher"}), ANY),
    # 转办 to 110/119/120/122 or a utility's hotline (services/handoff.py), while the ticket is open
    "handoff": Rule("转办", frozenset({SUBMITTED, RETURNED, DISPATCHED, ACCEPTED}),
                    frozenset({"dispatcher"}), ANY),
    "supervise": Rule("督办", frozenset({SUBMITTED, DISPATCHED, ACCEPTED, RETURNED, REPLIED}),
                      frozenset({"leader"}), JURISDICTION),
    "instruction": Rule("批示", frozenset({SUBMITTED, DISPATCHED, ACCEPTED, RETURNED, REPLIED}),
                        frozenset({"leader"}), JURISDICTION),
    # the dispatch center records the outside reviewers' decision (社会评议, services/review.py)
    "review_decision": Rule("录入社会评议结果", frozenset({IN_REVIEW}), frozenset({"dispatcher"}),
                            ANY),
    # a malicious / abusive repeat caller (services/callers.py): any ticket of theirs
    "flag_caller": Rule("标记恶意诉求人", frozenset(STATUSES), frozenset({"dispatcher"}), ANY),
    # a leader of the unit (or above) closes a C/D ticket out of the monitoring pool (销号)
    "pool_close": Rule("监测池销号", frozenset({DISPATCHED, ACCEPTED, REPLIED, CLOSED, IN_REVIEW}),
                       frozenset({"leader"}), JURISDICTION),
    # supervision orders (督办): the lead unit answers in writing, a leader closes it out
    "supervision_response": Rule("答复督办", _FOLLOWED, frozenset({"handler"}), LEAD),
    "supervision_close": Rule("督办办结", _FOLLOWED | {CLOSED, IN_REVIEW},
                              frozenset({"leader"}), JURISDICTION),
    "instruction_follow_up": Rule("报告批示落实情况", _FOLLOWED | {CLOSED},
                                  frozenset({"handler"}), LEAD),
    # co-units (协办): their own task; the lead rates their contribution
    "co_sign": Rule("协办签收", _WORKING, frozenset({"handler"}), CO_UNIT),
    "co_reply": Rule("提交协办意见", _WORKING, frozenset({"handler"}), CO_UNIT),
    "co_rate": Rule("评价协办单位", _WORKING | {REPLIED}, frozenset({"handler"}), LEAD),
    # dispatch objections (派单异议, 国办函〔2025〕66号)
    "objection": Rule("提出派单异议", _WORKING, frozenset({"handler"}), LEAD),
    "objection_decision": Rule("处理派单异议", _WORKING, frozenset({"dispatcher"}), ANY),
}

# Plain-language reasons for the refusals people actually run into.
_WHY = {
    ("reply", DISPATCHED): "工单尚未签收，请先签收再答复",
    ("contact", DISPATCHED): "工单尚未签收，请先签收再登记联系情况",
    ("extension", DISPATCHED): "工单尚未签收，请先签收再申请延期",
    ("sign", ACCEPTED): "工单已签收，无需重复签收",
    ("reply", REPLIED): "工单已答复，不能重复答复",
    ("dispatch", DISPATCHED): "工单已派出；如派错，请承办单位退单后再派",
    ("dispatch", ACCEPTED): "工单已由承办单位签收办理，不能改派",
}


def sees_all(user: StaffLike) -> bool:
    return bool(user.roles & {"dispatcher", "admin"})


def in_jurisdiction(user: StaffLike, ticket: TicketLike) -> bool:
    return user.unit_id in (ticket.unit_path or [])


def is_lead(user: StaffLike, ticket: TicketLike) -> bool:
    return ticket.unit_id == user.unit_id


def can_see(user: StaffLike, ticket: TicketLike) -> bool:
    """Dispatchers and admins see every ticket; a leader their unit's subtree; a unit its own
    tickets (as lead or co-unit)."""
    if sees_all(user) or is_lead(user, ticket) or user.unit_id in (ticket.co_units or []):
        return True
    return "leader" in user.roles and in_jurisdiction(user, ticket)


def check_visible(user: StaffLike, ticket: TicketLike | None) -> None:
    if ticket is None or not can_see(user, ticket):
        raise NotFound("工单不存在")


def authorize(user: StaffLike, ticket: TicketLike, action: str) -> Rule:
    rule = RULES[action]
    check_visible(user, ticket)
    if not user.roles & rule.roles:
        needed = "或".join(ROLE_LABELS_ZH[r] for r in sorted(rule.roles))
        raise Forbidden(f"只有{needed}可以{rule.label_zh}", code="role_required")
    if rule.scope == LEAD and not is_lead(user, ticket):
        raise Forbidden(f"只有主办单位可以{rule.label_zh}", code="not_lead_unit")
    if rule.scope == CO_UNIT and user.unit_id not in (ticket.co_units or []):
        raise Forbidden(f"只有协办单位可以{rule.label_zh}", code="not_co_unit")
    if rule.scope == JURISDICTION and not (is_lead(user, ticket) or in_jurisdiction(user, ticket)):
        raise Forbidden(f"该工单不在您的管辖范围内，不能{rule.label_zh}",
                        code="not_in_jurisdiction")
    if ticket.status not in rule.from_statuses:
        why = _WHY.get((action, ticket.status)) or (
            f"工单当前状态为「{STATUS_LABELS_ZH.get(ticket.status, ticket.status)}」，"
            f"不能{rule.label_zh}")
        raise InvalidTransition(why)
    return rule


def check_order_holder(user: StaffLike, holder_path) -> None:
    """Only the unit that holds a supervision order (督办), or a unit above it, closes it out."""
    if user.unit_id not in (holder_path or []):
        raise Forbidden("只有督办单位或其上级可以办结该督办", code="not_order_holder")


# ---------------------------------------------------------------- beyond one ticket
# The lists and entry points some roles only may use: (roles, the 403's message).
ROLE_RULES = {
    "caller_entry": (frozenset({"dispatcher"}),
                     "只有热线中心的派单员/话务员可以代为登记诉求"),
    "measures": (frozenset({"leader", "dispatcher", "admin"}),
                 "只有领导、派单员或管理员可以查看考核指标"),
    "objections": (frozenset({"dispatcher", "admin"}), "只有派单中心可以查看派单异议"),
    "instructions": (frozenset({"leader", "dispatcher", "admin"}), "只有领导或派单员可以查看批示"),
    "review_queue": (frozenset({"leader", "dispatcher", "admin"}),
                     "只有派单员或领导可以查看社会评议队列"),
}


def check_role(user: StaffLike, what: str) -> None:
    """403 ``role_required`` unless the user has one of the roles ``ROLE_RULES[what]`` names."""
    roles, message = ROLE_RULES[what]
    if not user.roles & roles:
        raise Forbidden(message, code="role_required")


def may_view_unit(user: StaffLike, unit_id: str, unit_path) -> bool:
    """A unit's lists (queue, monitoring pool, idle co-units): its own staff, the dispatch
    center, and a leader of the unit or of a unit above it."""
    return (user.unit_id == unit_id or sees_all(user)
            or ("leader" in user.roles and user.unit_id in (unit_path or [])))
