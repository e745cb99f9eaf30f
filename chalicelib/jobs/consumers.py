"""EventBridge -> SQS consumers and the reminder schedule. Thin: parse, call a service."""

from __future__ import annotations

import json

from chalice import Blueprint

from ..adapters.topology import SCHEDULES, queue_name, resource_prefix
from ..config import settings
from ..observability import logger
from ..services import overdue, reminders, stats

bp = Blueprint(__name__)
PREFIX = resource_prefix(settings.table_prefix)


def _details(event):
    for record in event:
        envelope = json.loads(record.body)
        yield envelope.get("detail-type"), envelope.get("detail") or {}


@bp.on_sqs_message(queue=queue_name(PREFIX, "overdue"), batch_size=10)
def on_overdue(event):
    for detail_type, detail in _details(event):
        if detail_type == "TicketOverdue":
            overdue.handle_overdue(detail)


@bp.on_sqs_message(queue=queue_name(PREFIX, "escalated"), batch_size=10)
def on_escalated(event):
    for detail_type, detail in _details(event):
        if detail_type == "TicketEscalated":
            overdue.handle_escalated(detail)


@bp.on_sqs_message(queue=queue_name(PREFIX, "lifecycle"), batch_size=10)
def on_lifecycle(event):
    for detail_type, detail in _details(event):
        logger.info("ticket event", extra={"detail_type": detail_type,
                                           "ticket_id": detail.get("ticket_id"),
                                           "status": detail.get("status")})


@bp.schedule(SCHEDULES["reminders"], name="reminders")
def remind(event):
    reminders.run()


@bp.schedule(SCHEDULES["gauges"], name="gauges")
def gauges(event):
    stats.open_ticket_gauges()
