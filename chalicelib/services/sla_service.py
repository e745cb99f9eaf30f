"""The working-day calendar and SLA policies as configured (package calendar + admin overrides
stored in the registry table), cached briefly per warm Lambda."""

from __future__ import annotations

import datetime as dt
import threading
import time

from ..domain.calendar import SHANGHAI, WorkCalendar
from ..domain.sla import PolicyBook, SlaPolicy
from ..observability import count, logger
from ..wiring import container

_CACHE_SECONDS = 60.0
_lock = threading.Lock()
_cache: dict[str, tuple[float, object]] = {}


def _cached(key: str, build):
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < _CACHE_SECONDS:
            return hit[1]
    value = build()
    with _lock:
        _cache[key] = (now, value)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _unknown_year(year: int) -> None:
    logger.warning("holiday calendar has no data for this year; using weekends + overrides",
                   extra={"year": year})
    count("CalendarYearUnknown", year=str(year))


def calendar() -> WorkCalendar:
    def build():
        return WorkCalendar(container.stored_settings.calendar_overrides(),
                            on_unknown_year=_unknown_year)
    return _cached("calendar", build)


def set_calendar_override(day: dt.date, working: bool, note: str = "") -> None:
    container.stored_settings.set_calendar_override(day, working, note, container.now())
    clear_cache()


def policies() -> PolicyBook:
    def build():
        default = SlaPolicy.default()
        by_jurisdiction = {}
        for jurisdiction, data in container.stored_settings.sla_policies().items():
            policy = SlaPolicy.from_dict(data)
            if jurisdiction == "default":
                default = policy
            else:
                by_jurisdiction[jurisdiction] = policy
        return PolicyBook(default, by_jurisdiction)
    return _cached("policies", build)


def policy_for(region_code: str) -> SlaPolicy:
    """The SLA policy of a place: the most specific jurisdiction along its chain (village,
    township, county, city) that has one, else the default."""
    region = container.reference.region(region_code)
    return policies().for_jurisdiction(list(region.chain) if region else [region_code])


def set_policy(jurisdiction: str, data: dict) -> SlaPolicy:
    policy = SlaPolicy.from_dict(data)
    container.stored_settings.save_sla_policy(jurisdiction, policy.to_dict(), container.now())
    clear_cache()
    return policy


def to_local(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, SHANGHAI)


def iso_local(ts: float | None) -> str | None:
    return None if ts is None else to_local(ts).isoformat(timespec="seconds")
