"""Merging duplicates (并单, 国办函〔2025〕66号) and undoing it.

``POST /v1/staff/tickets/{id}/merge {"into": <primary>}`` (dispatchers): the duplicate leaves the
open states (status ``merged``, ``merged_into`` = the primary, its deadline and duplicate index
keys cleared, its escalation timer stopped) and its citizen is told by SMS which ticket now
carries the matter; the primary keeps the list of merged reporters (``merged_reporters``).
When the primary is replied, :func:`share_reply` gives every merged reporter the reply (SMS), the
callback survey (their ticket gets the ``by_callback`` keys, so the survey job asks them as it
asks any replied ticket) and so the right to reopen (a dissatisfied evaluation reopens their
ticket to the unit that replied). ``POST .../unmerge`` puts the duplicate back where it was.

Merge and unmerge each change both tickets and write both timeline entries in ONE
TransactWriteItems, each ticket conditioned on the version it was read at
(``TicketRepository.save_together``): :func:`_commit_pair` is the one place that writes.
Measures count the matter once, as the primary (``domain.duplicates.counts_once``).
"""

from __future__ import annotations

from typing import Any

from ..adapters.models import TicketModel
from ..adapters.tickets_repo import new_event
from ..domain import workflow
from ..domain.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationError,
    VersionConflict,
)
from ..domain.ticket import (
    ACCEPTED,
    MERGED,
    OPEN_STATUSES,
    REPLIED,
    RETURNED,
    STATUS_LABELS_ZH,
    SUBMITTED,
    SYSTEM,
    Actor,
    deadline_shard,
)
from ..observability import count, logger
from . import duplicates, lifecycle, notify, views
from .container import container
from .idempotency import run_once

MAX_NOTE = 500
# the lifecycle step that restarts the timer of a ticket put back into each open status
_RESTART_KIND = {SUBMITTED: "submitted", ACCEPTED: "signed", RETURNED: "returned"}


def _require_dispatcher(user) -> None:
    if not workflow.sees_all(user):
        raise Forbidden("只有派单员可以并单或撤销并单", code="role_required")


def _ticket_id(value: Any, field: str | None = None) -> str:
    if not isinstance(value, str) or len(value) != 26:
        if field:
            raise ValidationError(f"{field} 应为工单编号", field=field, code="invalid_ticket")
        raise NotFound("工单不存在")
    return value


def _body(body: Any) -> tuple[dict, str | None, int | None]:
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ValidationError("请求内容应为 JSON 对象", code="wrong_type")
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise ValidationError(f"note 应为 {MAX_NOTE} 字以内的文字", field="note",
                              code="wrong_type")
    version = body.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ValidationError("version 应为整数", field="version", code="wrong_type")
    return body, (note or "").strip() or None, version


def _load(user, ticket_id: str) -> TicketModel:
    t = container.tickets.get(ticket_id)
    workflow.check_visible(user, t)
    return t


def _actor(user) -> Actor:
    return Actor("staff", user.user, user.unit_id, user.name)


def _commit_pair(tickets: list[TicketModel], events: list) -> None:
    """Both tickets (version-checked) and both timeline entries: one transaction."""
    container.tickets.save_together(tickets, events)


def _status_label(t: TicketModel) -> str:
    return STATUS_LABELS_ZH.get(t.status, t.status)


# ------------------------------------------------------------------ merge
def merge(user, ticket_id: str, body: Any, idempotency_key: str | None = None) -> dict:
    _require_dispatcher(user)
    body, note, version = _body(body)
    dup_id = _ticket_id(ticket_id)
    if body.get("into") is None:
        raise ValidationError("缺少必填项：into", field="into", code="missing_field")
    into = _ticket_id(body.get("into"), "into")
    if into == dup_id:
        raise ValidationError("不能将工单合并到它自身", field="into", code="merge_into_self")

    def action() -> dict:
        return _merge(user, dup_id, into, note, version)
    if idempotency_key is None:
        return action()
    return run_once("staff:merge", user.user, idempotency_key,
                    {"ticket": dup_id, "into": into, "note": note, "version": version}, action)


def _merge(user, dup_id: str, into: str, note: str | None, version: int | None) -> dict:
    dup = _load(user, dup_id)
    primary = container.tickets.get(into)
    if primary is None:
        raise ValidationError("目标工单不存在", field="into", code="unknown_ticket")
    if version is not None and version != dup.version:
        raise VersionConflict()
    if dup.status not in OPEN_STATUSES:
        raise InvalidTransition(f"工单当前状态为「{_status_label(dup)}」，不能合并")
    if dup.merged_reporters:
        raise InvalidTransition("该工单已有并入的工单，请先撤销那些并单", code="has_merged")
    if primary.status not in OPEN_STATUSES:
        raise InvalidTransition(f"目标工单当前状态为「{_status_label(primary)}」，不能并入",
                                code="primary_not_open")
    now = container.now()
    actor = _actor(user)
    dup.merge_state = {"status": dup.status, "primary_code": primary.code, "by": user.user,
                       "at": int(now)}
    dup.status = MERGED
    dup.merged_into = primary.ticket_id
    dup.merged_at = now
    dup.updated_at = now
    lifecycle.clear_open_keys(dup)  # leaves the queues, the reminders, the timers, the candidates
    primary.merged_reporters = list(primary.merged_reporters or []) + [{
        "ticket_id": dup.ticket_id, "code": dup.code, "citizen_id": dup.citizen_id,
        "at": int(now)}]
    primary.updated_at = now
    events = [
        new_event(dup, "merged", actor, now, text=note,
                  data={"into": primary.ticket_id, "into_code": primary.code,
                        "from_status": dup.merge_state["status"],
                        "public": {"into_code": primary.code}}),
        new_event(primary, "merged_in", actor, now, text=note, visible=False,
                  data={"from": dup.ticket_id, "from_code": dup.code}),
    ]
    _commit_pair([dup, primary], events)
    count("TicketsMerged")
    logger.info("ticket merged", extra={"ticket_id": dup.ticket_id, "into": primary.ticket_id,
                                        "user": user.user})
    notify.send(dup.phone, notify.merged(dup.code, primary.code), kind="merged")
    lifecycle.after_change(dup, "merged")   # stops the duplicate's escalation timer
    return _result(dup, primary, now)


def _result(dup: TicketModel, primary: TicketModel | None, now: float) -> dict:
    view = views.staff_ticket(dup, now, container.tickets.timeline(dup.ticket_id))
    view["primary"] = views.staff_ticket(primary, now) if primary is not None else None
    return view


# ------------------------------------------------------------------ unmerge
def unmerge(user, ticket_id: str, body: Any, idempotency_key: str | None = None) -> dict:
    _require_dispatcher(user)
    _body_, note, version = _body(body)
    dup_id = _ticket_id(ticket_id)

    def action() -> dict:
        return _unmerge(user, dup_id, note, version)
    if idempotency_key is None:
        return action()
    return run_once("staff:unmerge", user.user, idempotency_key,
                    {"ticket": dup_id, "note": note, "version": version}, action)


def _unmerge(user, dup_id: str, note: str | None, version: int | None) -> dict:
    dup = _load(user, dup_id)
    if version is not None and version != dup.version:
        raise VersionConflict()
    if dup.status != MERGED or not dup.merged_into:
        why = ("工单已随主工单答复，不能撤销并单" if dup.merged_into
               else "工单未被合并，无需撤销")
        raise InvalidTransition(why, code="not_merged")
    primary = container.tickets.get(dup.merged_into)
    now = container.now()
    actor = _actor(user)
    state = dict(dup.merge_state or {})
    restored = state.get("status") if state.get("status") in OPEN_STATUSES else SUBMITTED
    primary_id = dup.merged_into
    dup.status = restored
    dup.merged_into = None
    dup.merged_at = None
    dup.merge_state = None
    dup.updated_at = now
    lifecycle.new_timer_revision(dup)       # its own deadlines (unchanged) are watched again
    lifecycle.refresh_open_keys(dup)
    duplicates.index_keys(dup)
    events = [new_event(dup, "unmerged", actor, now, text=note,
                        data={"from": primary_id, "status": restored,
                              "public": {"status": restored}})]
    tickets = [dup]
    if primary is not None:
        primary.merged_reporters = [r for r in primary.merged_reporters or []
                                    if r.get("ticket_id") != dup.ticket_id] or None
        primary.updated_at = now
        events.append(new_event(primary, "unmerged_out", actor, now, text=note, visible=False,
                                data={"ticket": dup.ticket_id, "code": dup.code}))
        tickets.append(primary)
    _commit_pair(tickets, events)
    count("TicketsUnmerged")
    notify.send(dup.phone, notify.unmerged(dup.code), kind="unmerged")
    lifecycle.after_change(dup, _RESTART_KIND.get(restored, "dispatched"))
    return _result(dup, primary, now)


# ------------------------------------------------------------------ the primary's reply
def share_reply(primary: TicketModel) -> int:
    """After the primary's reply is committed: each merged reporter's ticket takes the reply
    (status ``replied``, the primary's unit, text and grade), gets the callback keys, so the
    survey job surveys that citizen too, and its citizen an SMS. Returns how many."""
    shared = 0
    for reporter in primary.merged_reporters or []:
        for _attempt in range(3):
            try:
                shared += _share_one(primary, reporter.get("ticket_id") or "")
                break
            except VersionConflict:
                continue                  # changed meanwhile: read it again
            except Exception as exc:  # noqa: BLE001 - one reporter must not stop the others
                logger.exception("sharing the reply failed", extra={
                    "ticket_id": reporter.get("ticket_id"), "error": repr(exc)})
                count("MergedReplyFailed")
                break
    return shared


def _share_one(primary: TicketModel, ticket_id: str) -> int:
    t = container.tickets.get(ticket_id)
    if t is None or t.status != MERGED or t.merged_into != primary.ticket_id:
        return 0
    now = container.now()
    t.status = REPLIED
    t.unit_id, t.level = primary.unit_id, primary.level
    t.unit_path, t.co_units = list(primary.unit_path or []), list(primary.co_units or [])
    t.replied_at = now
    t.reply_text = primary.reply_text
    t.grade = primary.grade
    t.callback_at = int(now + container.settings.callback_delay_seconds)
    t.callback_shard = deadline_shard(t.ticket_id, container.settings.deadline_shards)
    t.updated_at = now
    event = new_event(t, "replied", SYSTEM, now, text=primary.reply_text,
                      data={"grade": primary.grade, "via": primary.ticket_id,
                            "via_code": primary.code, "public": {"via_code": primary.code}})
    container.tickets.save(t, [event])
    count("MergedReplies")
    notify.send(t.phone, notify.merged_replied(t.code, primary.code), kind="replied")
    return 1
