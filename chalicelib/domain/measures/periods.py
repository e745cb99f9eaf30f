"""Report periods (day, week, month) and rankings against the previous period."""

import datetime as dt
from collections.abc import Mapping


def periods(start: dt.date, end: dt.date, granularity: str) -> list[tuple[dt.date, dt.date]]:
    """[start, end] cut into days, ISO weeks (Monday..Sunday) or calendar months; the first and
    last periods are whole periods (they may reach outside [start, end])."""
    out = []
    d = period_start(start, granularity)
    while d <= end:
        nxt = next_period(d, granularity)
        out.append((d, nxt - dt.timedelta(days=1)))
        d = nxt
    return out


def period_start(d: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return d - dt.timedelta(days=d.weekday())
    if granularity == "month":
        return d.replace(day=1)
    return d


def next_period(d: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return d + dt.timedelta(days=7)
    if granularity == "month":
        return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return d + dt.timedelta(days=1)


def previous_period(first: tuple[dt.date, dt.date], granularity: str) -> tuple[dt.date, dt.date]:
    start = first[0] - dt.timedelta(days=1)
    return period_start(start, granularity), start


def rank(values: Mapping[str, float | None], previous: Mapping[str, float | None]) -> dict:
    """Competition ranking (1, 2, 2, 4), highest first; no value, no rank. ``change`` is the
    value minus the previous period's value."""
    ordered = sorted((v, k) for k, v in values.items() if v is not None)
    ordered.sort(key=lambda t: -t[0])
    out = {}
    position = 0
    last = None
    for i, (value, key) in enumerate(ordered, start=1):
        if value != last:
            position, last = i, value
        prev = previous.get(key)
        out[key] = {"rank": position, "value": value,
                    "change": None if prev is None else round(value - prev, 4)}
    for key, value in values.items():
        if value is None:
            out[key] = {"rank": None, "value": None, "change": None}
    return out
