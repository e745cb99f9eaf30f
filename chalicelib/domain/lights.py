"""Traffic lights (红黄绿灯, seed 002): green on time, yellow close to the deadline, red overdue.

Pure Python, no AWS.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.domain.calendar import WorkCalendar

GREEN, YELLOW, RED = "green", "yellow", "red"

# Yellow when less than this share of the whole allowance (due - start) remains.
YELLOW_SHARE = 0.25
# Yellow when less than one working day (or, without a calendar, 24 hours) remains.
YELLOW_WORKING_DAYS = 1.0
_YELLOW_CLOCK = timedelta(hours=24)


def _require_aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value


def traffic_light(
    now: datetime, start: datetime, due: datetime, calendar: WorkCalendar | None = None
) -> str:
    """The light of a deadline running from ``start`` to ``due``, seen at ``now``.

    - red if ``now > due`` (at ``due`` exactly it is not yet late);
    - yellow if the time remaining is less than 25% of ``due - start``, or less than one
      working day remains (``calendar.working_days_between(now, due) < 1.0``; without a
      calendar: less than 24 hours of clock time);
    - green otherwise.

    All three moments must be timezone-aware (ValueError otherwise).
    """
    now = _require_aware(now, "now")
    start = _require_aware(start, "start")
    due = _require_aware(due, "due")
    if now > due:
        return RED
    remaining = due - now
    if remaining < (due - start) * YELLOW_SHARE:
        return YELLOW
    if calendar is not None:
        if calendar.working_days_between(now, due) < YELLOW_WORKING_DAYS:
            return YELLOW
    elif remaining < _YELLOW_CLOCK:
        return YELLOW
    return GREEN


def light_from_epoch(
    now: float, start: float, due: float, calendar: WorkCalendar | None = None
) -> str:
    """``traffic_light`` with epoch seconds (int or float) instead of datetimes."""

    def to_dt(value: float, name: str) -> datetime:
        if isinstance(value, bool):
            raise TypeError(f"{name} must be epoch seconds, got {value!r}")
        if not isinstance(value, (int, float)):
            try:
                value = float(value)  # e.g. Decimal from DynamoDB
            except (TypeError, ValueError):
                raise TypeError(f"{name} must be epoch seconds, got {value!r}") from None
        return datetime.fromtimestamp(value, tz=UTC)

    return traffic_light(
        to_dt(now, "now"), to_dt(start, "start"), to_dt(due, "due"), calendar=calendar
    )


def ticket_light(now: float, start: float, due: float, *, deadline: float | None = None,
                 missed: bool = False, calendar: WorkCalendar | None = None) -> str:
    """The light of an open ticket: red once *any* deadline of the ticket was missed
    (``missed``: the ticket's overdue flag, set when a sign-in, reply or review deadline passed,
    kept after it climbs to a new unit with fresh deadlines) or its current deadline has passed;
    otherwise the reply deadline's light. It stays red until the ticket is replied (a replied
    ticket is not open and has no light)."""
    if missed or (deadline is not None and now > deadline):
        return RED
    return light_from_epoch(now, start, due, calendar)
