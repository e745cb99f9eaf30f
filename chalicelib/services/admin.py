"""Admin operations, invoked from the cloud console as Lambda functions (thin wrappers in
``jobs/admin.py``): holidays and make-up days, SLA policies, reloading reference data."""

from __future__ import annotations

import datetime as dt

from ..domain.errors import ValidationError
from . import seed, sla_service


def set_calendar_override(event: dict) -> dict:
    """``{"date": "2027-01-01", "working": false, "note": "元旦"}``"""
    if not isinstance(event, dict):
        raise ValidationError("event should be an object")
    try:
        day = dt.date.fromisoformat(str(event.get("date")))
    except ValueError:
        raise ValidationError("date should be YYYY-MM-DD", field="date") from None
    working = event.get("working")
    if not isinstance(working, bool):
        raise ValidationError("working should be true or false", field="working")
    sla_service.set_calendar_override(day, working, str(event.get("note") or ""))
    return {"date": day.isoformat(), "working": working}


def set_sla_policy(event: dict) -> dict:
    """``{"jurisdiction": "default" | <region code> | <unit id>, "policy": {...}}``"""
    if not isinstance(event, dict) or not isinstance(event.get("jurisdiction"), str):
        raise ValidationError("jurisdiction is required", field="jurisdiction")
    try:
        policy = sla_service.set_policy(event["jurisdiction"], event.get("policy") or {})
    except ValueError as exc:
        raise ValidationError(str(exc), field="policy") from None
    return {"jurisdiction": event["jurisdiction"], "policy": policy.to_dict()}


def load_reference(event: dict) -> dict:
    """Reload the shipped catalog and org data (idempotent)."""
    return seed.seed()
