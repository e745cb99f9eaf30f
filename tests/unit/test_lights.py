"""Traffic lights: green on time, yellow close to the deadline, red overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.calendar import SHANGHAI, WorkCalendar
from chalicelib.domain.lights import GREEN, RED, YELLOW, light_from_epoch, traffic_light

US = timedelta(microseconds=1)


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_constants() -> None:
    assert (GREEN, YELLOW, RED) == ("green", "yellow", "red")


# ---------------------------------------------------------------- clock time (no calendar)

START = sh(2026, 11, 16, 10)
DUE = START + timedelta(days=5)  # 25% of the allowance = 30 hours


def test_green_early() -> None:
    assert traffic_light(START, START, DUE) == GREEN
    assert traffic_light(START + timedelta(days=1), START, DUE) == GREEN


def test_yellow_25_percent_boundary() -> None:
    quarter = (DUE - START) / 4
    assert traffic_light(DUE - quarter, START, DUE) == GREEN  # exactly 25% left
    assert traffic_light(DUE - quarter + US, START, DUE) == YELLOW  # just under 25%


def test_yellow_less_than_24_hours_without_calendar() -> None:
    start = sh(2026, 11, 16, 10)
    due = start + timedelta(hours=48)  # 25% = 12h, so only the 24h rule can fire at 23h
    assert traffic_light(due - timedelta(hours=24), start, due) == GREEN
    assert traffic_light(due - timedelta(hours=24) + US, start, due) == YELLOW
    assert traffic_light(due - timedelta(hours=23), start, due) == YELLOW


def test_red_boundary() -> None:
    assert traffic_light(DUE, START, DUE) == YELLOW  # at the deadline: not late yet
    assert traffic_light(DUE + US, START, DUE) == RED
    assert traffic_light(DUE + timedelta(days=30), START, DUE) == RED


def test_mixed_time_zones() -> None:
    now_utc = (DUE - timedelta(hours=2)).astimezone(UTC)
    assert traffic_light(now_utc, START, DUE) == YELLOW
    assert traffic_light((DUE + timedelta(seconds=1)).astimezone(UTC), START, DUE) == RED


def test_naive_raises() -> None:
    with pytest.raises(ValueError):
        traffic_light(datetime(2026, 11, 17), START, DUE)
    with pytest.raises(ValueError):
        traffic_light(START, START, datetime(2026, 11, 21))


def test_degenerate_allowance() -> None:
    # start == due: nothing is left at the deadline and red afterwards; must not crash.
    assert traffic_light(START, START, START) == YELLOW
    assert traffic_light(START + US, START, START) == RED


# ---------------------------------------------------------------- working-day rule

CAL = WorkCalendar()
W_START = sh(2026, 11, 16, 10)  # Monday
W_DUE = CAL.add_working_days(W_START, 5)  # next Monday 10:00


def test_due_is_next_monday() -> None:
    assert sh(2026, 11, 23, 10) == W_DUE


def test_yellow_less_than_one_working_day() -> None:
    # Friday 10:00 -> Monday 10:00 is exactly 1.0 working day (weekend free): green.
    friday = sh(2026, 11, 20, 10)
    assert traffic_light(friday, W_START, W_DUE, CAL) == GREEN
    # A minute later, less than one working day is left: yellow with the calendar...
    assert traffic_light(friday + timedelta(minutes=1), W_START, W_DUE, CAL) == YELLOW
    # ...while clock time still has ~72h left (and > 25% of 7 days): green without it.
    assert traffic_light(friday + timedelta(minutes=1), W_START, W_DUE) == GREEN


def test_weekend_before_monday_deadline_is_yellow() -> None:
    saturday = sh(2026, 11, 21, 10)
    assert traffic_light(saturday, W_START, W_DUE, CAL) == YELLOW
    assert traffic_light(W_DUE + US, W_START, W_DUE, CAL) == RED


def test_green_across_national_day_with_calendar() -> None:
    start = sh(2026, 9, 30, 10)
    due = CAL.add_working_days(start, 5)
    assert due == sh(2026, 10, 13, 10)
    # During the holiday plenty of working time is left.
    assert traffic_light(sh(2026, 10, 5, 10), start, due, CAL) == GREEN
    # One day before the deadline (under 25% of 13 days) it is yellow.
    assert traffic_light(sh(2026, 10, 12, 10), start, due, CAL) == YELLOW


def test_make_up_saturday_counts_in_lights() -> None:
    # Due Mon Oct 12 10:00; at Fri Oct 9 10:00 there are Fri 14h + Sat Oct 10 (make-up) 24h +
    # Mon 10h = 2.0 working days: green. On an ordinary weekend it would be 1.0.
    start = sh(2026, 10, 1, 10)  # 11 days of allowance: 25% = 66h < the 72h left on Friday
    due = sh(2026, 10, 12, 10)
    now = sh(2026, 10, 9, 10)
    assert CAL.working_days_between(now, due) == pytest.approx(2.0)
    assert traffic_light(now, start, due, CAL) == GREEN
    assert traffic_light(sh(2026, 10, 11, 10), start, due, CAL) == YELLOW


# ---------------------------------------------------------------- epoch seconds


def test_light_from_epoch() -> None:
    start = 1_800_000_000
    due = start + 5 * 86400
    assert light_from_epoch(start, start, due) == GREEN
    assert light_from_epoch(due - 30 * 3600, start, due) == GREEN  # exactly 25% left
    assert light_from_epoch(due - 30 * 3600 + 1, start, due) == YELLOW
    assert light_from_epoch(float(due), float(start), float(due)) == YELLOW
    assert light_from_epoch(due + 1, start, due) == RED
    assert light_from_epoch(Decimal(due + 1), Decimal(start), Decimal(due)) == RED


def test_light_from_epoch_with_calendar() -> None:
    friday = sh(2026, 11, 20, 10).timestamp()
    start, due = W_START.timestamp(), W_DUE.timestamp()
    assert light_from_epoch(friday, start, due, CAL) == GREEN
    assert light_from_epoch(friday + 60, start, due, CAL) == YELLOW
    assert light_from_epoch(friday + 60, start, due) == GREEN


def test_light_from_epoch_rejects_garbage() -> None:
    with pytest.raises(TypeError):
        light_from_epoch("soon", 0, 10)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        light_from_epoch(True, 0, 10)  # type: ignore[arg-type]


def test_ticket_light_is_red_once_any_deadline_was_missed() -> None:
    from chalicelib.domain.lights import ticket_light
    start, due = 1_000_000, 1_000_000 + 10 * 86400
    assert ticket_light(start + 60, start, due) == GREEN
    # climbed to a new unit with fresh deadlines after a missed one: still red
    assert ticket_light(start + 60, start, due, deadline=start + 86400, missed=True) == RED
    # the current deadline (e.g. sign-in) has passed although the reply deadline has not
    assert ticket_light(start + 2 * 86400, start, due, deadline=start + 86400) == RED
