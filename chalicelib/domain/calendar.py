"""Working-day calendar for deadlines (pure Python, no AWS).

Working days follow the State Council holiday arrangement as published in the
``chinesecalendar`` package (statutory holidays and the make-up working days, 调休),
plus admin overrides. A year the package does not know yet must never stop the system:
for such a year the calendar falls back to Monday-Friday (plus overrides), logs a warning
and notifies ``on_unknown_year`` once per year.

All wall-clock reasoning happens in Asia/Shanghai (UTC+8, no daylight saving time).
"""

from __future__ import annotations

import logging
import threading
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

logger = logging.getLogger("minyi.calendar")

_ONE_DAY = timedelta(days=1)
_SECONDS_PER_DAY = 86400.0


def require_aware(value: datetime, name: str) -> datetime:
    """``value`` in Asia/Shanghai; TypeError/ValueError for a non-datetime or a naive one."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(SHANGHAI)


def _as_date(d: date) -> date:
    """Accept a date, or a datetime (aware: its Shanghai date; naive: its own date)."""
    if isinstance(d, datetime):
        if d.tzinfo is not None and d.utcoffset() is not None:
            d = d.astimezone(SHANGHAI)
        return d.date()
    if isinstance(d, date):
        return d
    raise TypeError(f"expected a date, got {type(d).__name__}")


def _start_of_day(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=SHANGHAI)


class WorkCalendar:
    """Answers "is this a working day?" and does working-day arithmetic.

    ``overrides`` maps a date to True (working day, e.g. an admin-declared make-up day) or
    False (holiday); overrides win over the package data. ``on_unknown_year(year)`` is
    called at most once per year per instance when the package has no data for that year.
    The calendar never raises because a year is unknown.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        on_unknown_year: Callable[[int], None] | None = None,
    ) -> None:
        self._overrides: dict[date, bool] = {}
        for key, value in (overrides or {}).items():
            self._overrides[_as_date(key)] = bool(value)
        self._on_unknown_year = on_unknown_year
        self._unknown_years: set[int] = set()
        self._cache: dict[date, bool] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ days

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is a working day (overrides first, then the State Council data)."""
        d = _as_date(d)
        cached = self._cache.get(d)
        if cached is not None:
            return cached
        if d in self._overrides:
            result = self._overrides[d]
        else:
            import chinese_calendar  # lazy: only for dates without an override
            try:
                result = bool(chinese_calendar.is_workday(d))
            except NotImplementedError:
                self._note_unknown_year(d.year)
                result = d.weekday() < 5
        self._cache[d] = result
        return result

    def _note_unknown_year(self, year: int) -> None:
        with self._lock:
            if year in self._unknown_years:
                return
            self._unknown_years.add(year)
        logger.warning(
            "no State Council holiday data for %s; using Monday-Friday plus overrides", year
        )
        if self._on_unknown_year is not None:
            try:
                self._on_unknown_year(year)
            except Exception:  # a failing notifier must not stop deadline computation
                logger.exception("on_unknown_year callback failed for %s", year)

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d = _as_date(d) + _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def last_working_day_on_or_before(self, d: date) -> date:
        """``d`` itself if it is a working day, else the closest working day before it."""
        d = _as_date(d)
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    # ------------------------------------------------------------ arithmetic

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Return the moment ``n`` working days after ``start``.

        Rule: "N working days from a moment ends at the same time of day on the Nth working
        day after the start's date". The start's own date never counts, whether or not it is
        a working day. Days and times are those of Asia/Shanghai: ``start`` may be in any
        time zone (naive datetimes raise ValueError) and the result is in Asia/Shanghai.
        ``n == 0`` returns ``start`` (as the same instant); ``n < 0`` raises ValueError.
        """
        local = require_aware(start, "start")
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0:
            return local
        d = local.date()
        for _ in range(n):
            d = self.next_working_day(d)
        return datetime.combine(d, local.time(), tzinfo=SHANGHAI)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working time from ``start`` to ``end``, measured in working days.

        Each working day (Asia/Shanghai calendar day) counts 1.0; a partly covered working day
        counts the covered fraction of its 24 hours; non-working days count 0. Negative if
        ``end`` is before ``start``. Both moments must be timezone-aware.
        """
        a = require_aware(start, "start")
        b = require_aware(end, "end")
        if b < a:
            return -self.working_days_between(b, a)
        total_seconds = 0.0
        d = a.date()
        last = b.date()
        while d <= last:
            if self.is_working_day(d):
                day_start = _start_of_day(d)
                day_end = _start_of_day(d + _ONE_DAY)
                lo = max(a, day_start)
                hi = min(b, day_end)
                if hi > lo:
                    total_seconds += (hi - lo).total_seconds()
            d += _ONE_DAY
        return total_seconds / _SECONDS_PER_DAY
