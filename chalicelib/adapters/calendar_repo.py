"""The calendar's stored state in the registry table: admin overrides (``calendar``) and the
holiday notices applied (``calendar-notice``)."""

from __future__ import annotations

import datetime as dt

from . import keys
from .models import RegistryModel

CALENDAR_PK = keys.CALENDAR
NOTICE_PK = keys.CALENDAR_NOTICE


def overrides() -> dict[dt.date, bool]:
    return {dt.date.fromisoformat(item.sk): bool((item.data or {}).get("working"))
            for item in RegistryModel.query(CALENDAR_PK)}


def set_override(day: dt.date, working: bool, note: str, now: float) -> None:
    RegistryModel(CALENDAR_PK, day.isoformat(), data={"working": working, "note": note},
                  updated_at=now).save()


def notice_applied(year: int) -> bool:
    return any(True for _ in RegistryModel.query(NOTICE_PK, RegistryModel.sk == str(year)))


def record_notice(year: int, data: dict, now: float) -> None:
    RegistryModel(NOTICE_PK, str(year), data=data, updated_at=now).save()
