"""Admin functions invoked as the cloud console does: the sample event of events/admin/, through
the Lambda function's own handler (chalice.test's lambda_.invoke)."""

from __future__ import annotations

import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[2] / "events" / "admin"


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def invoke(client, name: str, event: dict | None = None) -> dict:
    """Invoke admin function ``name`` with ``event`` (default: its sample event)."""
    return client.lambda_.invoke(name, sample(name) if event is None else event).payload
