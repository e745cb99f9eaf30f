"""The test clock's start: explicit, configurable, never today's date by accident.

``MINYI_TEST_CLOCK_START`` (an ISO date such as ``2025-12-02``) picks the week the integration and
e2e tiers live in; unset, it is the real date. Either way the clock starts at 10:00 Asia/Shanghai
on the first Monday on or after that date such that this week's and next week's Monday-Friday
are all working days (so tests
that assume "a normal working week" hold in any year, including years chinesecalendar does not
know yet). Tests about particular holidays (National Day, 2027) set their own fixed dates.

CI runs the tiers once with the start a year in the past and once a year in the future.
"""

from __future__ import annotations

import datetime as dt
import os

from chalicelib.domain.calendar import SHANGHAI

ENV = "MINYI_TEST_CLOCK_START"


def _normal_week(monday: dt.date) -> bool:
    from chalicelib.domain.calendar import WorkCalendar
    cal = WorkCalendar()
    return all(cal.is_working_day(monday + dt.timedelta(days=i))
               for i in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11))


def start_date(raw: str | None = None) -> dt.date:
    raw = os.environ.get(ENV, "") if raw is None else raw
    day = dt.date.fromisoformat(raw.strip()[:10]) if raw.strip() else dt.date.today()
    day += dt.timedelta(days=(7 - day.weekday()) % 7)          # the next Monday (or today)
    while not _normal_week(day):
        day += dt.timedelta(days=7)
    return day


def clock_start(raw: str | None = None) -> float:
    """Epoch seconds of 10:00 Asia/Shanghai on the start Monday."""
    return dt.datetime.combine(start_date(raw), dt.time(10, 0), tzinfo=SHANGHAI).timestamp()
