"""Configuration admins change at run time, kept in the registry table: the working-day
calendar's overrides and the holiday notices applied (``calendar_repo``), and the SLA policy of
each jurisdiction (``pk = "sla"``, ``sk`` = jurisdiction or ``default``)."""

from __future__ import annotations

import datetime as dt

from . import calendar_repo, keys
from .models import RegistryModel


class SettingsRepository:
    # --- the calendar ---------------------------------------------------------------------
    def calendar_overrides(self) -> dict[dt.date, bool]:
        return calendar_repo.overrides()

    def set_calendar_override(self, day: dt.date, working: bool, note: str, now: float) -> None:
        calendar_repo.set_override(day, working, note, now)

    def notice_applied(self, year: int) -> bool:
        return calendar_repo.notice_applied(year)

    def record_notice(self, year: int, data: dict, now: float) -> None:
        calendar_repo.record_notice(year, data, now)

    # --- SLA policies ---------------------------------------------------------------------
    def sla_policies(self) -> dict[str, dict]:
        """Every stored policy by jurisdiction (``default``: the city-wide one)."""
        return {item.sk: dict(item.data or {}) for item in RegistryModel.query(keys.SLA)}

    def save_sla_policy(self, jurisdiction: str, data: dict, now: float) -> None:
        RegistryModel(keys.SLA, jurisdiction, data=data, updated_at=now).save()
