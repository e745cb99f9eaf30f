"""Telling the rest of the system what happened: ticket events on the EventBridge bus.

Events are published after the change is committed. A failed publish is retried a few times,
then logged and counted (``EventPublishFailed``) and the change stands.
"""

from __future__ import annotations

import time

from ..adapters.models import TicketModel
from ..observability import count, logger
from .container import container

DETAIL_TYPES = {
    "submitted": "TicketSubmitted",
    "dispatched": "TicketDispatched",
    "replied": "TicketReplied",
    "closed": "TicketClosed",
    "reopened": "TicketReopened",
}


def detail(ticket: TicketModel, kind: str) -> dict:
    return {
        "event_id": f"{ticket.ticket_id}:{ticket.version}:{kind}",
        "ticket_id": ticket.ticket_id, "code": ticket.code, "status": ticket.status,
        "type": ticket.type, "category": ticket.category, "channel": ticket.channel,
        "region_code": ticket.region_code, "unit_id": ticket.unit_id, "level": ticket.level,
        "version": ticket.version, "revision": int(ticket.esc_rev or 0),
        "due_at": ticket.due_at, "grade": ticket.grade, "at": int(ticket.updated_at or 0),
    }


def on_change(ticket: TicketModel, *kinds: str) -> None:
    """Publish the events of one committed change (one PutEvents for all of them)."""
    batch = [(DETAIL_TYPES[k], detail(ticket, k)) for k in kinds if k in DETAIL_TYPES]
    if not batch:
        return
    for attempt in range(3):
        try:
            container.bus.publish_many(batch)
            return
        except Exception as exc:  # noqa: BLE001 - retried, then counted; the change stands
            if attempt == 2:
                logger.exception("event publish failed", extra={
                    "ticket_id": ticket.ticket_id, "detail_types": [t for t, _ in batch],
                    "error": repr(exc)})
                for detail_type, _ in batch:
                    count("EventPublishFailed", detail_type=detail_type)
                return
            time.sleep(0.2 * (attempt + 1))
