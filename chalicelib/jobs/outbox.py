"""The outbox consumer: the timeline table's stream -> services/outbox.py. Thin.

In AWS the event source mapping (infra) sets bisect-on-error, partial batch responses, retries
and an on-failure destination; locally the pump reads the same stream and calls this handler
exactly as Lambda would (scripts/pump.py).
"""

from __future__ import annotations

from chalice import Blueprint

from ..config import settings
from ..lazy import lazy

outbox = lazy("chalicelib.services.outbox")

bp = Blueprint(__name__)


@bp.on_dynamodb_record(stream_arn=settings.timeline_stream_arn, batch_size=50,
                       starting_position="TRIM_HORIZON", name="outbox")
def on_timeline(event):
    return outbox.handle_records(
        (r.sequence_number, r.event_name, r.new_image) for r in event)
