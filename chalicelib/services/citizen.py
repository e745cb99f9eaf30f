"""What a citizen does with their own tickets: read, list, add material, withdraw, upload."""

from __future__ import annotations

from ..adapters.tickets_repo import Ticket
from ..domain.changes import Step
from ..domain.errors import InvalidTransition, NotFound, ValidationError
from ..domain.intake import attachment_keys
from ..domain.paging import page_size
from ..domain.ticket import (
    FINAL_STATUSES,
    MAX_ATTACHMENTS,
    WITHDRAWABLE,
    WITHDRAWN,
    Actor,
    new_ticket_id,
)
from ..lazy import lazy
from ..observability import count
from ..wiring import container
from . import changes, views
from .idempotency import run_once
from .intake import upload_prefix

models = lazy("chalicelib.api.models")       # the typed request bodies (pydantic)


def own_ticket(citizen_id: str, ticket_id: str) -> Ticket:
    """The citizen's ticket; someone else's is indistinguishable from a missing one (404)."""
    if not isinstance(ticket_id, str) or len(ticket_id) != 26:
        raise NotFound("工单不存在")
    ticket = container.tickets.get(ticket_id)
    if ticket is None or ticket.citizen_id != citizen_id:
        raise NotFound("工单不存在")
    return ticket


def get_ticket(citizen_id: str, ticket_id: str) -> dict:
    ticket = own_ticket(citizen_id, ticket_id)
    return views.citizen_ticket(ticket, container.now(), container.tickets.timeline(ticket_id))


def list_tickets(citizen_id: str, limit: str | None, cursor: str | None) -> dict:
    size = page_size(limit)
    items, next_cursor = container.tickets.citizen_tickets(citizen_id, size, cursor)
    now = container.now()
    return {"items": [views.citizen_ticket(t, now) for t in items], "cursor": next_cursor}


def add_supplement(citizen_id: str, ticket_id: str, body, idempotency_key: str | None) -> dict:
    """``body``: a ``SupplementBody`` (or the raw body)."""
    body = models.coerce(models.SupplementBody, body)
    text, attachments = body.text or "", body.attachments
    prefix = upload_prefix(citizen_id)
    if any(not key.startswith(prefix) for key in attachments):
        raise ValidationError("附件不属于当前用户", field="attachments", code="invalid_attachment")
    own_ticket(citizen_id, ticket_id)   # 404 before anything is recorded

    def action() -> dict:
        ticket = own_ticket(citizen_id, ticket_id)
        if ticket.status in FINAL_STATUSES:
            raise InvalidTransition("工单已结束，不能再补充材料")
        total = len(ticket.attachments or []) + len(attachments)
        if total > MAX_ATTACHMENTS:
            raise ValidationError(f"每个工单最多 {MAX_ATTACHMENTS} 个附件", field="attachments",
                                  code="too_many_attachments")

        def mutate(t, now):
            t.attachments = list(t.attachments or []) + list(attachments)
            return [Step("supplement", text, {"attachments": list(attachments),
                                              "public": {"attachments": list(attachments)}},
                         channel=t.channel)]
        done = changes.change(ticket, Actor("citizen", citizen_id), mutate)
        count("Supplements")
        return views.committed(done, staff=False)

    return run_once("supplement", citizen_id, idempotency_key,
                    {"ticket": ticket_id, "text": text, "attachments": list(attachments)}, action)


def withdraw(citizen_id: str, ticket_id: str, body) -> dict:
    """``body``: a ``WithdrawBody`` (or the raw body)."""
    reason = models.coerce(models.WithdrawBody, body).reason
    ticket = own_ticket(citizen_id, ticket_id)
    if ticket.status == WITHDRAWN:      # a retried withdraw: already done
        return views.citizen_ticket(ticket, container.now(), container.tickets.timeline(ticket_id))
    if ticket.status not in WITHDRAWABLE:
        raise InvalidTransition("工单已答复或已结束，不能撤回")

    def mutate(t, now):
        t.status = WITHDRAWN
        t.closed_at = now
        return [Step("withdrawn", reason, channel=t.channel)]
    done = changes.change(ticket, Actor("citizen", citizen_id), mutate)
    count("TicketsWithdrawn")
    return views.committed(done, staff=False)


def presign_upload(citizen_id: str, body) -> dict:
    """``body``: an ``AttachmentBody`` (or the raw body): content type and size, checked."""
    body = models.coerce(models.AttachmentBody, body)
    content_type, size = body.content_type, body.size
    extension = models.UPLOAD_TYPES[content_type]
    key = f"{upload_prefix(citizen_id)}{new_ticket_id(container.now())}.{extension}"
    attachment_keys([key])  # the key we hand out must pass our own validation
    upload = container.uploads.presign_put(key, content_type, size)
    return {"key": key, "max_per_ticket": MAX_ATTACHMENTS, **upload}
