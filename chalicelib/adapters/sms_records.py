"""What minyi keeps about the SMS it sends (ephemeral table, TTL):

- ``smsout#<provider message id>``: one outbound SMS (recipient, template, kind, the ticket it is
  about, status: sent / delivered / failed, the provider's receipt, the timeline entry written
  for a failure). The provider's delivery receipt (状态报告) finds it by the id the provider
  returned when we sent (Tencent ``SerialNo``/``sid``, Aliyun ``BizId``/``biz_id``).
- ``smsquota#<phone>#<local day>``: how many SMS went to a number that day (``CounterModel``).
"""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from . import keys, markers
from .models import CounterModel, EphemeralModel, TicketModel

OUTBOUND_PREFIX = keys.SMS_OUTBOUND
OUTBOUND_TTL = 30 * 86400
QUOTA_PREFIX = keys.SMS_QUOTA


def outbound(message_id: str, now: float) -> dict | None:
    item = markers.live(f"{OUTBOUND_PREFIX}{message_id}", now)
    return dict(item.data or {}) if item else None


def save_outbound(message_id: str, data: dict, now: float) -> None:
    """Create or extend the record (the survey adds its ticket and attempt to its SMS)."""
    item = markers.live(f"{OUTBOUND_PREFIX}{message_id}", now)
    merged = {**(item.data or {}), **data} if item else data
    markers.new(f"{OUTBOUND_PREFIX}{message_id}", expires_at=now + OUTBOUND_TTL,
                data=merged).save()


def update_outbound(message_id: str, changes: dict, now: float) -> dict | None:
    item = markers.live(f"{OUTBOUND_PREFIX}{message_id}", now)
    if item is None:
        return None
    data = {**(item.data or {}), **changes}
    item.update(actions=[EphemeralModel.data.set(data)])
    return data


def take_quota(phone: str, day: str, *, cap: int | None, expires_at: float) -> bool:
    """Count one SMS to ``phone`` on ``day``; False (nothing counted) when ``cap`` are
    already counted. ``cap`` None: always counted (the acceptance SMS uses the reserve)."""
    item = CounterModel(f"{QUOTA_PREFIX}{phone}#{day}")
    condition = None
    if cap is not None:
        condition = CounterModel.n.does_not_exist() | (CounterModel.n < cap)
    try:
        item.update(actions=[CounterModel.n.add(1),
                             CounterModel.expires_at.set(markers.utc(expires_at))],
                    condition=condition)
        return True
    except UpdateError as exc:
        if markers.condition_failed(exc):
            return False
        raise


def give_back_quota(phone: str, day: str) -> None:
    CounterModel(f"{QUOTA_PREFIX}{phone}#{day}").update(actions=[CounterModel.n.add(-1)])


def quota_used(phone: str, day: str) -> int:
    try:
        return int(CounterModel.get(f"{QUOTA_PREFIX}{phone}#{day}", consistent_read=True).n or 0)
    except CounterModel.DoesNotExist:
        return 0


def ticket_id_for_code(code: str) -> str | None:
    for ticket in TicketModel.by_code.query(code, limit=1):
        return ticket.ticket_id
    return None
