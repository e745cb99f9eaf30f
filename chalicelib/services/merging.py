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
(``changes.change_together``). The SMS follow from the committed entries (``services/outbox.py``:
``merged``, ``unmerged``, a ``replied`` entry with ``via_code``); sharing the primary's reply is
the outbox effect of the primary's ``replied`` entry. Measures count the matter once, as the
primary (``domain.duplicates.counts_once``).
"""

from __future__ import annotations

from typing import Any

from ..adapters.tickets_repo import Ticket
from ..domain import workflow
from ..domain.changes import Step
from ..domain.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationError,
    VersionConflict,
)
from ..domain.ticket import (
    MERGED,
    OPEN_STATUSES,
    REPLIED,
    STATUS_LABELS_ZH,
    SUBMITTED,
    SYSTEM,
    Actor,
    deadline_shard,
)
from ..lazy import lazy
from ..observability import count, logger
from ..wiring import container
from . import changes, views
from .idempotency import run_once

models = lazy("chalicelib.api.models")       # the typed request bodies (pydantic)


def _require_dispatcher(user) -> None:
    if not workflow.sees_all(user):
        raise Forbidden("只有热线中心的派单员或管理员可以并单或撤销并单", code="role_required")


def _ticket_id(value: Any, field: str | None = None) -> str:
    if not isinstance(value, str) or len(value) != 26:
        if field:
            raise ValidationError(f"{field} 应为工单编号", field=field, code="invalid_ticket")
        raise NotFound("工单不存在")
    return value


def _load(user, ticket_id: str) -> Ticket:
    t = container.tickets.get(ticket_id)
    workflow.check_visible(user, t)
    return t


def _actor(user) -> Actor:
    return Actor("staff", user.user, user.unit_id, user.name)


def _status_label(t: Ticket) -> str:
    return STATUS_LABELS_ZH.get(t.status, t.status)


# ------------------------------------------------------------------ merge
def merge(user, ticket_id: str, body: Any, idempotency_key: str | None = None) -> dict:
    """``body``: a ``Merge`` (or the raw body)."""
    _require_dispatcher(user)
    body = models.coerce(models.Merge, body)
    note, version, into = body.note, body.version, body.into
    dup_id = _ticket_id(ticket_id)
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
    actor = _actor(user)
    from_status = dup.status

    def on_duplicate(t: Ticket, now: float) -> list[Step]:
        t.merge_state = {"status": from_status, "primary_code": primary.code, "by": user.user,
                         "at": int(now)}
        t.status = MERGED               # leaves the queues, reminders, the sweep, the candidates
        t.merged_into = primary.ticket_id
        t.merged_at = now
        return [Step("merged", note, {"into": primary.ticket_id, "into_code": primary.code,
                                      "from_status": from_status,
                                      "public": {"into_code": primary.code}})]

    def on_primary(t: Ticket, now: float) -> list[Step]:
        t.merged_reporters = list(t.merged_reporters or []) + [{
            "ticket_id": dup.ticket_id, "code": dup.code, "citizen_id": dup.citizen_id,
            "at": int(now)}]
        return [Step("merged_in", note, {"from": dup.ticket_id, "from_code": dup.code},
                     visible=False)]

    done = changes.change_together([(dup, actor, on_duplicate), (primary, actor, on_primary)],
                                   expected_versions=[version, None])
    count("TicketsMerged")
    logger.info("ticket merged", extra={"ticket_id": dup.ticket_id, "into": primary.ticket_id,
                                        "user": user.user})
    return _result(done[0], primary)


def _result(done: changes.Committed, primary: Ticket | None) -> dict:
    view = views.committed(done, staff=True)
    view["primary"] = views.staff_ticket(primary, done.now) if primary is not None else None
    return view


# ------------------------------------------------------------------ unmerge
def unmerge(user, ticket_id: str, body: Any, idempotency_key: str | None = None) -> dict:
    """``body``: an ``Unmerge`` (or the raw body)."""
    _require_dispatcher(user)
    body = models.coerce(models.Unmerge, body)
    note, version = body.note, body.version
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
    actor = _actor(user)
    state = dict(dup.merge_state or {})
    restored = state.get("status") if state.get("status") in OPEN_STATUSES else SUBMITTED
    primary_id = dup.merged_into

    def on_duplicate(t: Ticket, now: float) -> list[Step]:
        t.status = restored             # its own deadlines are watched again (open keys)
        t.merged_into = None
        t.merged_at = None
        t.merge_state = None
        return [Step("unmerged", note, {"from": primary_id, "status": restored,
                                        "public": {"status": restored}})]

    def on_primary(t: Ticket, now: float) -> list[Step]:
        t.merged_reporters = [r for r in t.merged_reporters or []
                              if r.get("ticket_id") != dup.ticket_id] or None
        return [Step("unmerged_out", note, {"ticket": dup.ticket_id, "code": dup.code},
                     visible=False)]

    parts = [(dup, actor, on_duplicate)]
    if primary is not None:
        parts.append((primary, actor, on_primary))
    done = changes.change_together(parts, expected_versions=[version] + [None] * (len(parts) - 1))
    count("TicketsUnmerged")
    return _result(done[0], primary)


# ------------------------------------------------------------------ the primary's reply
def share_reply(primary: Ticket) -> int:
    """The outbox effect of the primary's ``replied`` entry: each merged reporter's ticket takes
    the reply (status ``replied``, the primary's unit, text and grade) and the callback keys, so
    the survey job surveys that citizen too; its ``replied`` entry sends the citizen the SMS.
    Idempotent: a ticket already replied is left alone. Returns how many were changed."""
    shared = 0
    for reporter in primary.merged_reporters or []:
        t = container.tickets.get(reporter.get("ticket_id") or "")
        if t is None or t.status != MERGED or t.merged_into != primary.ticket_id:
            continue

        def mutate(t: Ticket, now: float) -> list[Step]:
            t.status = REPLIED
            t.unit_id, t.level = primary.unit_id, primary.level
            t.unit_path, t.co_units = list(primary.unit_path or []), list(primary.co_units or [])
            t.replied_at = now
            t.reply_text = primary.reply_text
            t.grade = primary.grade
            t.callback_at = int(now + container.settings.callback_delay_seconds)
            t.callback_shard = deadline_shard(t.ticket_id, container.settings.deadline_shards)
            return [Step("replied", primary.reply_text,
                         {"grade": primary.grade, "via": primary.ticket_id,
                          "via_code": primary.code, "public": {"via_code": primary.code}})]
        changes.change(t, SYSTEM, mutate)
        shared += 1
        count("MergedReplies")
    return shared
