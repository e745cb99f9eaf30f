"""The lifecycle audit queue (EventBridge -> SQS): every ticket event, logged. Thin."""

from __future__ import annotations

import json

from chalice import Blueprint

from ..adapters.topology import queue_name, resource_prefix
from ..config import settings
from ..observability import logger

bp = Blueprint(__name__)
PREFIX = resource_prefix(settings.table_prefix)


def _details(event):
    for record in event:
        envelope = json.loads(record.body)
        yield envelope.get("detail-type"), envelope.get("detail") or {}


@bp.on_sqs_message(queue=queue_name(PREFIX, "lifecycle"), batch_size=10)
def on_lifecycle(event):
    for detail_type, detail in _details(event):
        logger.info("ticket event", extra={"detail_type": detail_type,
                                           "ticket_id": detail.get("ticket_id"),
                                           "status": detail.get("status")})
