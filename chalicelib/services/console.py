"""Admin console operations on tickets and units (Lambda functions in ``jobs/admin.py``).

Whoever may invoke these functions is an admin (IAM decides, not a staff token); each event
names the console user (``by``) for the audit trail. Ticket changes go through the one change
path (``services/changes.py``), with the same checks of state as the staff actions.
"""

from __future__ import annotations

import re

from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import InvalidTransition, NotFound, ValidationError
from ..domain.intake import normalize_phone
from ..domain.ticket import OPEN_STATUSES, Actor
from ..observability import logger
from ..wiring import container
from . import changes, dispatch, pool, views

UNIT_ID_RE = re.compile(r"^u-[a-z0-9-]{1,60}$")
UNIT_KINDS = ("center", "government", "department", "company")
LEVELS = ("village", "township", "county", "city")


def _event(event) -> dict:
    if not isinstance(event, dict):
        raise ValidationError("event 应为对象", code="wrong_type")
    return event


def _text(event: dict, name: str, max_len: int, required: bool = True) -> str | None:
    value = event.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise ValidationError(f"{name} 应为 1-{max_len} 个字", field=name, code="missing_field")
    return value.strip()


def _actor(event: dict) -> Actor:
    by = _text(event, "by", 64)
    return Actor("staff", f"console:{by}", container.settings.center_unit, by)


def _ticket(event: dict):
    ref = _text(event, "ticket", 40)
    ticket = container.tickets.get_by_code(ref) if ref.isdigit() else container.tickets.get(ref)
    if ticket is None:
        raise NotFound("工单不存在", field="ticket")
    return ticket


def _active_unit(unit_id, field: str):
    unit = container.reference.unit(unit_id) if isinstance(unit_id, str) else None
    if unit is None:
        raise ValidationError(f"未知的单位：{unit_id}", field=field, code="unknown_unit")
    if unit.active is False:
        raise ValidationError(f"单位「{unit.name}」已停用", field=field, code="unit_inactive")
    return unit


# ------------------------------------------------------------------ tickets
def reassign(event: dict) -> dict:
    """``admin_reassign``: ``{"ticket": <code or id>, "unit_id", "reason", "by"}``: an open
    ticket goes to another lead unit, whatever its state (the staff API lets the dispatch
    center re-dispatch only returned tickets); the sign-in clock starts again, the reply
    deadline promised to the citizen is kept, the new unit and the citizen are told."""
    event = _event(event)
    actor, reason = _actor(event), _text(event, "reason", 200)
    ticket = _ticket(event)
    unit = _active_unit(event.get("unit_id"), "unit_id")
    if ticket.status not in OPEN_STATUSES:
        raise InvalidTransition("只有办理中的工单可以改派", code="invalid_transition")
    if ticket.unit_id == unit.unit_id:
        raise InvalidTransition("工单已在该单位", code="same_unit")
    before = ticket.unit_id

    def mutate(t, now):
        dispatch.assign(t, unit.unit_id, [], now)
        t.route_reason = "admin"
        return [Step("dispatched", f"已改派至{unit.name}：{reason}", {
            "unit_id": unit.unit_id, "co_units": [], "by": "dispatcher", "via": "console",
            "from_unit": before, "redispatch": True, "public": {"unit": unit.name}})]

    done = changes.change(ticket, actor, mutate)
    logger.info("console reassign", extra={"ticket_id": ticket.ticket_id, "by": actor.name,
                                           "from": before, "to": unit.unit_id})
    return views.committed(done, staff=True)


def close_out(event: dict) -> dict:
    """``admin_pool_close_out``: ``{"ticket": <code or id>, "reason", "by"}``: 销号 of a C/D
    ticket in the monitoring pool, the same change as a leader's close-out."""
    event = _event(event)
    actor, reason = _actor(event), _text(event, "reason", 500)
    ticket = _ticket(event)
    if ticket.status not in workflow.RULES["pool_close"].from_statuses:
        raise InvalidTransition("该工单当前状态不能销号")
    done = changes.change(ticket, actor, pool.close_out_step(reason, f"console:{actor.name}"))
    return views.committed(done, staff=True)


# ------------------------------------------------------------------ units
def _unit_fields(event: dict, existing) -> dict:
    fields = {}
    for name, max_len in (("name", 60),):
        if name in event or existing is None:
            fields[name] = _text(event, name, max_len)
    if "kind" in event or existing is None:
        if event.get("kind") not in UNIT_KINDS:
            raise ValidationError("kind 应为 " + "/".join(UNIT_KINDS), field="kind",
                                  code="wrong_type")
        fields["kind"] = event["kind"]
    if "level" in event or existing is None:
        if event.get("level") not in LEVELS:
            raise ValidationError("level 应为 " + "/".join(LEVELS), field="level",
                                  code="wrong_type")
        fields["level"] = event["level"]
    if "region_code" in event or existing is None:
        if container.reference.region(str(event.get("region_code"))) is None:
            raise ValidationError("未知的地区编码", field="region_code", code="unknown_region")
        fields["region_code"] = event["region_code"]
    if "duty_phone" in event:
        phone = event["duty_phone"]
        fields["duty_phone"] = None if phone is None else normalize_phone(phone, "duty_phone")
    if "duty_contacts" in event:          # everyone told at once (seed 004), in this order
        fields["duty_contacts"] = _duty_contacts(event["duty_contacts"])
    if "active" in event:
        if not isinstance(event["active"], bool):
            raise ValidationError("active 应为 true 或 false", field="active", code="wrong_type")
        fields["active"] = event["active"]
    return fields


def _duty_contacts(raw) -> list[dict] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) > 10:
        raise ValidationError("duty_contacts 应为至多 10 人的列表", field="duty_contacts",
                              code="wrong_type")
    contacts = []
    for i, contact in enumerate(raw):
        field = f"duty_contacts[{i}]"
        if not isinstance(contact, dict):
            raise ValidationError("每位值班联系人应为对象", field=field, code="wrong_type")
        role = contact.get("role")
        if role is not None and (not isinstance(role, str) or len(role) > 20):
            raise ValidationError("role 应为 20 字以内", field=f"{field}.role", code="wrong_type")
        contacts.append({"phone": normalize_phone(contact.get("phone"), f"{field}.phone"),
                         **({"role": role.strip()} if role and role.strip() else {})})
    if len({c["phone"] for c in contacts}) != len(contacts):
        raise ValidationError("值班联系人手机号重复", field="duty_contacts", code="duplicate")
    return contacts or None


def edit_unit(event: dict) -> dict:
    """``admin_unit``: add a unit (``unit_id``, ``name``, ``kind``, ``level``, ``region_code``,
    ``parent_id``, ``duty_phone``, ``duty_contacts``: everyone its SMS go to), edit some of its
    fields, or deactivate it (``"active": false``: refused while the duty list names it; its
    open tickets are listed to reassign)."""
    event = _event(event)
    unit_id = event.get("unit_id")
    if not isinstance(unit_id, str) or not UNIT_ID_RE.match(unit_id):
        raise ValidationError("unit_id 应为 u- 开头的小写字母、数字或 -", field="unit_id",
                              code="invalid_unit_id")
    ref = container.reference
    ref.clear()
    existing = ref.unit(unit_id)
    fields = _unit_fields(event, existing)
    parent_id = event.get("parent_id", existing.parent_id if existing else None)
    parent = ref.unit(parent_id) if parent_id else None
    if parent_id and (parent is None or unit_id in (parent.path or [])):
        raise ValidationError("上级单位不存在或形成循环", field="parent_id", code="unknown_unit")
    open_tickets = []
    if fields.get("active") is False:
        named = sorted(f"{c}/{r}" for (c, r), rule in ref.duty_list().items()
                       if unit_id == rule["lead"] or unit_id in rule["co_units"])
        if named:
            raise ValidationError("职责清单仍指向该单位，请先导入修改后的职责清单："
                                  + "、".join(named[:10]), field="active", code="unit_in_use")
        items, _ = container.tickets.unit_open_tickets(unit_id, 100, None)
        open_tickets = [t.code for t in items]
    attrs = {"unit_id": unit_id, "parent_id": parent_id,
             "path": [unit_id] + (list(parent.path or [parent.unit_id]) if parent else [])}
    if existing is not None:
        attrs.update({k: getattr(existing, k) for k in ("name", "kind", "level", "region_code",
                                                        "duty_phone", "active")})
        attrs["duty_contacts"] = [{"phone": c.phone, **({"role": c.role} if c.role else {})}
                                  for c in existing.duty_contacts or []] or None
    attrs.update(fields)
    ref.put_unit(attrs)
    logger.info("console unit", extra={"unit_id": unit_id, "new": existing is None})
    unit = {k: v for k, v in attrs.items() if v is not None}
    return {"unit": unit, "created": existing is None, "open_tickets_to_reassign": open_tickets}


# ------------------------------------------------------------------ staff
STAFF_USER_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,63}$")


def _roles(value) -> list[str]:
    from .staff_auth import ROLES
    if not isinstance(value, list) or not value or not set(value) <= ROLES or \
            not all(isinstance(r, str) for r in value):
        raise ValidationError("roles 应为 " + "/".join(sorted(ROLES)) + " 中的一个或几个",
                              field="roles", code="wrong_type")
    return sorted(set(value))


def edit_staff(event: dict) -> dict:
    """``admin_staff``: add a staff member (``user``, ``name``, ``unit``, ``roles``, ``phone``),
    move them to another unit, change their roles, or disable the account (``"active":
    false``; ``true`` enables it again). Cognito only: staff of an external OIDC issuer are
    kept there."""
    event = _event(event)
    directory = container.staff_directory
    if directory is None:
        raise ValidationError("员工账号由外部身份系统（OIDC）管理，请在该系统中维护",
                              code="staff_directory_external")
    user = event.get("user")
    if not isinstance(user, str) or not STAFF_USER_RE.match(user):
        raise ValidationError("user 应为 3-64 位小写字母、数字或 _.-", field="user",
                              code="invalid_user")
    existing = directory.get(user)
    new = existing is None
    name = _text(event, "name", 40, required=new) if ("name" in event or new) else None
    unit = _active_unit(event.get("unit"), "unit").unit_id if ("unit" in event or new) else None
    roles = _roles(event.get("roles")) if ("roles" in event or new) else None
    phone = normalize_phone(event["phone"]) if event.get("phone") is not None else None
    active = event.get("active")
    if active is not None and not isinstance(active, bool):
        raise ValidationError("active 应为 true 或 false", field="active", code="wrong_type")
    if new:
        directory.create(user, name=name, unit=unit, roles=roles, phone=phone)
    else:
        directory.update(user, name=name, unit=unit, phone=phone)
        if roles is not None:
            directory.set_roles(user, roles, existing["roles"])
    if active is not None:
        directory.set_enabled(user, active)
    logger.info("console staff", extra={"user": user, "new": new, "unit": unit})
    return {"created": new, "staff": directory.get(user)}
