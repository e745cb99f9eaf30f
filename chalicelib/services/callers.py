"""Hotline agents looking a ticket or a caller up, and marking a malicious caller.

- ``GET /v1/staff/tickets?code=<13 digits>``: the ticket the caller reads out (the check digit
  catches a misheard digit: 400). ``?phone=``: the caller's tickets, newest first, from the
  ``by_phone`` index (keyed by an HMAC of the number: no scan, no number in the index key).
  Both return only the tickets the user may see (dispatchers: all; a unit: its own; a leader:
  the jurisdiction); the phone and name are masked unless the user is a dispatcher or the
  ticket's handling unit (lead or co-unit).
- ``POST /v1/staff/tickets/{id}/caller-flag {"reason": ..., "flag": true}`` (dispatchers):
  the ticket's caller is marked malicious / abusive (Beijing 接诉即办条例: malicious repeat
  calling is not held against units), with the reason on the ticket's timeline. The flag lives
  in the registry under the phone key and is copied onto the caller's new tickets
  (``malicious_caller``), which are still accepted but left out of the unit's scores.
"""

from __future__ import annotations

from typing import Any

from ..adapters.tickets_repo import CursorCodec, Ticket
from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import ValidationError
from ..domain.intake import mask_name, mask_phone, normalize_phone
from ..domain.paging import page_size
from ..domain.ticket import is_valid_code
from ..observability import count
from ..wiring import container
from . import staff, views
from .duplicates import phone_key


def _may_see_contact(user, t: Ticket) -> bool:
    return workflow.sees_all(user) or workflow.is_lead(user, t) or \
        user.unit_id in (t.co_units or [])


def lookup_view(user, t: Ticket, now: float) -> dict:
    view = views.staff_ticket(t, now)
    if not _may_see_contact(user, t):
        view["phone"] = mask_phone(t.phone)
        view["name"] = mask_name(t.name)
    return view


def lookup(user, *, code: str | None, phone: str | None, limit: str | None,
           cursor: str | None) -> dict:
    if code is not None and phone is not None:
        raise ValidationError("请按工单号或电话号码之一查询", field="code", code="ambiguous_query")
    now = container.now()
    if code is not None:
        code = code.strip()
        if not is_valid_code(code):
            raise ValidationError("工单号应为 13 位数字（请核对后重试）", field="code",
                                  code="invalid_code")
        t = container.tickets.get_by_code(code)
        items = [t] if t is not None and workflow.can_see(user, t) else []
        count("StaffLookups", by="code")
        return {"items": [lookup_view(user, t, now) for t in items], "cursor": None}
    if phone is None:
        raise ValidationError("请提供工单号 code 或电话号码 phone", field="code",
                              code="missing_field")
    number = normalize_phone(phone)
    key = phone_key(number)
    size = page_size(limit)
    codec = CursorCodec(container.settings.token_secret)
    found, next_cursor = container.caller_index.by_phone(key, size, cursor, codec)
    count("StaffLookups", by="phone")
    return {"items": [lookup_view(user, t, now) for t in found if workflow.can_see(user, t)],
            "cursor": next_cursor}


def flag_caller(user, ticket_id: str, body: Any, idempotency_key: str | None = None) -> dict:
    """Mark (``flag`` true, the default) or unmark the ticket's caller as malicious."""
    body = staff.models.coerce(staff.models.CallerFlag, body)       # typed at the edge
    flag, reason = body.flag, body.reason
    state: dict = {}

    def mutate(t: Ticket, now: float) -> list[Step]:
        state["key"] = t.phone_key or phone_key(t.phone)
        state["at"] = int(now)
        t.malicious_caller = flag
        count("MaliciousCallerFlags", flag=str(flag).lower())
        return [Step("caller_flagged" if flag else "caller_unflagged", reason,
                     {"malicious_caller": flag}, visible=False)]

    def action() -> dict:
        view = staff._act(user, ticket_id, "flag_caller", body, mutate)
        data = {"reason": reason, "by": user.user, "at": state["at"],
                "ticket_id": ticket_id} if flag else None
        container.caller_index.set_malicious_flag(state["key"], data, state["at"])
        return view
    if idempotency_key is None:
        return action()
    from .idempotency import run_once
    return run_once("staff:caller-flag", user.user, idempotency_key,
                    {"ticket": ticket_id, "body": body.model_dump(mode="json")}, action)
