"""WorkCalendar: State Council holidays, make-up days, unknown years, time zones."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from chalicelib.domain.calendar import SHANGHAI, WorkCalendar


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# ---------------------------------------------------------------- 2026 arrangement (package data)
# chinesecalendar 1.11.0, 2026: National Day Oct 1 (Thu) - Oct 7 (Wed) off; make-up working days
# Sun Sep 20 and Sat Oct 10. Mid-Autumn is separate (Fri Sep 25 - Sun Sep 27).


def test_national_day_2026_holidays(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2026, 9, 30))
    for day in range(1, 8):
        assert not cal.is_working_day(date(2026, 10, day)), f"Oct {day} should be off"
    assert cal.is_working_day(date(2026, 10, 8))


def test_make_up_working_weekend_days_2026(cal: WorkCalendar) -> None:
    assert date(2026, 10, 10).weekday() == 5  # Saturday
    assert cal.is_working_day(date(2026, 10, 10))
    assert date(2026, 9, 20).weekday() == 6  # Sunday
    assert cal.is_working_day(date(2026, 9, 20))
    assert not cal.is_working_day(date(2026, 10, 11))  # ordinary Sunday
    assert not cal.is_working_day(date(2026, 9, 19))  # ordinary Saturday


def test_two_working_days_from_eve_of_national_day(cal: WorkCalendar) -> None:
    # Sep 30 (Wed) 10:00 -> day 1 = Oct 8 (Thu), day 2 = Oct 9 (Fri).
    assert cal.add_working_days(sh(2026, 9, 30, 10), 1) == sh(2026, 10, 8, 10)
    assert cal.add_working_days(sh(2026, 9, 30, 10), 2) == sh(2026, 10, 9, 10)


def test_make_up_saturday_counts(cal: WorkCalendar) -> None:
    # Oct 9 (Fri) + 1 -> Sat Oct 10 (make-up working day), + 2 -> Mon Oct 12.
    assert cal.add_working_days(sh(2026, 10, 9, 16), 1) == sh(2026, 10, 10, 16)
    assert cal.add_working_days(sh(2026, 10, 9, 16), 2) == sh(2026, 10, 12, 16)
    # 3 working days from Sep 30: Oct 8, 9, 10.
    assert cal.add_working_days(sh(2026, 9, 30, 10), 3) == sh(2026, 10, 10, 10)


def test_mid_autumn_2026(cal: WorkCalendar) -> None:
    # Thu Sep 24 + 1 -> Mon Sep 28 (Fri Sep 25 is Mid-Autumn).
    assert cal.add_working_days(sh(2026, 9, 24, 9), 1) == sh(2026, 9, 28, 9)


def test_spring_festival_2026(cal: WorkCalendar) -> None:
    # Feb 15-23 off, Sat Feb 14 and Sat Feb 28 working.
    assert cal.is_working_day(date(2026, 2, 14))
    assert not cal.is_working_day(date(2026, 2, 23))
    assert cal.is_working_day(date(2026, 2, 28))
    assert cal.add_working_days(sh(2026, 2, 13, 9), 1) == sh(2026, 2, 14, 9)
    assert cal.add_working_days(sh(2026, 2, 14, 9), 1) == sh(2026, 2, 24, 9)


# ---------------------------------------------------------------- start moments


def test_start_on_holiday_does_not_count_the_start_date(cal: WorkCalendar) -> None:
    # Oct 3 is a holiday; first working day after it is Oct 8.
    assert cal.add_working_days(sh(2026, 10, 3, 14, 5), 1) == sh(2026, 10, 8, 14, 5)


def test_start_on_weekend(cal: WorkCalendar) -> None:
    # Sat Nov 14 2026 -> Mon Nov 16, Tue Nov 17.
    assert cal.add_working_days(sh(2026, 11, 14, 11), 1) == sh(2026, 11, 16, 11)
    assert cal.add_working_days(sh(2026, 11, 14, 11), 2) == sh(2026, 11, 17, 11)


def test_start_on_working_day_start_date_not_counted(cal: WorkCalendar) -> None:
    # Mon Nov 16 09:00 + 1 -> Tue Nov 17 09:00 (not Mon 24:00).
    assert cal.add_working_days(sh(2026, 11, 16, 9), 1) == sh(2026, 11, 17, 9)
    # Fri Nov 20 + 1 -> Mon Nov 23.
    assert cal.add_working_days(sh(2026, 11, 20, 9), 1) == sh(2026, 11, 23, 9)


def test_late_at_night_shanghai(cal: WorkCalendar) -> None:
    # 23:30 on Sep 30 (a working day) -> 23:30 on Oct 8.
    assert cal.add_working_days(sh(2026, 9, 30, 23, 30), 1) == sh(2026, 10, 8, 23, 30)


def test_utc_start_is_converted_to_shanghai(cal: WorkCalendar) -> None:
    # 2026-09-30 15:30Z is 23:30 in Shanghai on Sep 30.
    result = cal.add_working_days(datetime(2026, 9, 30, 15, 30, tzinfo=UTC), 1)
    assert result == sh(2026, 10, 8, 23, 30)
    assert result.tzinfo == SHANGHAI
    assert result.utcoffset() == timedelta(hours=8)
    # 2026-09-30 16:30Z is already Oct 1 00:30 in Shanghai (a holiday): still lands on Oct 8.
    assert cal.add_working_days(datetime(2026, 9, 30, 16, 30, tzinfo=UTC), 1) == sh(
        2026, 10, 8, 0, 30
    )
    # 2026-11-19 16:30Z is Fri Nov 20 00:30 in Shanghai: + 1 -> Mon Nov 23, not Fri Nov 20.
    assert cal.add_working_days(datetime(2026, 11, 19, 16, 30, tzinfo=UTC), 1) == sh(
        2026, 11, 23, 0, 30
    )


def test_other_fixed_offset_zone(cal: WorkCalendar) -> None:
    minus5 = timezone(timedelta(hours=-5))
    # 2026-11-19 20:00 -05:00 = Fri Nov 20 09:00 Shanghai.
    assert cal.add_working_days(datetime(2026, 11, 19, 20, tzinfo=minus5), 1) == sh(2026, 11, 23, 9)


def test_preserves_seconds_and_microseconds(cal: WorkCalendar) -> None:
    start = datetime(2026, 11, 16, 9, 15, 42, 123456, tzinfo=SHANGHAI)
    assert cal.add_working_days(start, 1) == datetime(
        2026, 11, 17, 9, 15, 42, 123456, tzinfo=SHANGHAI
    )


def test_n_zero_returns_start(cal: WorkCalendar) -> None:
    start = datetime(2026, 10, 3, 2, 0, tzinfo=UTC)
    result = cal.add_working_days(start, 0)
    assert result == start
    assert result.tzinfo is not None


def test_naive_start_raises(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 9, 30, 10), 1)
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2026, 9, 30, 10), 0)


def test_negative_n_raises(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(sh(2026, 9, 30, 10), -1)


# ---------------------------------------------------------------- unknown year (2027)


def test_into_2027_does_not_raise_and_notifies_once() -> None:
    seen: list[int] = []
    cal = WorkCalendar(on_unknown_year=seen.append)
    # Tue Dec 29 2026 15:00: Dec 30 (Wed), Dec 31 (Thu), then 2027 Mon-Fri fallback:
    # Jan 1 (Fri) counts (no 2027 data), Jan 4 (Mon), Jan 5 (Tue).
    result = cal.add_working_days(sh(2026, 12, 29, 15), 5)
    assert result == sh(2027, 1, 5, 15)
    assert seen == [2027]
    # More 2027 lookups do not call the callback again.
    cal.add_working_days(sh(2027, 3, 1, 9), 20)
    assert not cal.is_working_day(date(2027, 1, 2))  # Saturday
    assert cal.is_working_day(date(2027, 1, 1))  # Friday: Mon-Fri fallback
    assert seen == [2027]


def test_unknown_year_logs_warning(caplog: pytest.LogCaptureFixture) -> None:
    cal = WorkCalendar()
    with caplog.at_level(logging.WARNING, logger="minyi.calendar"):
        cal.is_working_day(date(2027, 6, 1))
        cal.is_working_day(date(2027, 6, 2))
    warnings = [r for r in caplog.records if r.name == "minyi.calendar"]
    assert len(warnings) == 1
    assert "2027" in warnings[0].getMessage()


def test_known_year_does_not_notify() -> None:
    seen: list[int] = []
    cal = WorkCalendar(on_unknown_year=seen.append)
    cal.add_working_days(sh(2026, 9, 30, 10), 10)
    assert seen == []


def test_failing_callback_does_not_raise() -> None:
    def boom(year: int) -> None:
        raise RuntimeError("notifier down")

    cal = WorkCalendar(on_unknown_year=boom)
    assert cal.add_working_days(sh(2026, 12, 29, 15), 5) == sh(2027, 1, 5, 15)


def test_2027_override_holiday_is_honored() -> None:
    seen: list[int] = []
    cal = WorkCalendar(
        overrides={date(2027, 1, 1): False, date(2027, 1, 4): False}, on_unknown_year=seen.append
    )
    # Dec 30, Dec 31, (Jan 1 off), (Jan 4 off), Jan 5, Jan 6, Jan 7.
    assert cal.add_working_days(sh(2026, 12, 29, 15), 5) == sh(2027, 1, 7, 15)
    assert not cal.is_working_day(date(2027, 1, 4))
    assert seen == [2027]


def test_2027_override_working_weekend_is_honored() -> None:
    cal = WorkCalendar(overrides={date(2027, 1, 9): True})  # Saturday
    assert cal.is_working_day(date(2027, 1, 9))
    # Fri Jan 8 + 1 -> Sat Jan 9.
    assert cal.add_working_days(sh(2027, 1, 8, 10), 1) == sh(2027, 1, 9, 10)


def test_overrides_win_over_package_data() -> None:
    cal = WorkCalendar(overrides={date(2026, 10, 8): False, date(2026, 10, 3): True})
    assert not cal.is_working_day(date(2026, 10, 8))
    assert cal.is_working_day(date(2026, 10, 3))
    assert cal.add_working_days(sh(2026, 9, 30, 10), 1) == sh(2026, 10, 3, 10)
    assert cal.add_working_days(sh(2026, 10, 3, 10), 1) == sh(2026, 10, 9, 10)


def test_callback_once_per_year_per_instance() -> None:
    seen: list[int] = []
    cal = WorkCalendar(on_unknown_year=seen.append)
    cal.is_working_day(date(2027, 5, 5))
    cal.is_working_day(date(2028, 5, 5))
    cal.is_working_day(date(2027, 5, 6))
    cal.is_working_day(date(2003, 5, 6))
    assert seen == [2027, 2028, 2003]
    other: list[int] = []
    WorkCalendar(on_unknown_year=other.append).is_working_day(date(2027, 5, 5))
    assert other == [2027]


# ---------------------------------------------------------------- helpers


def test_next_working_day(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)
    assert cal.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)
    assert cal.next_working_day(date(2026, 11, 16)) == date(2026, 11, 17)


def test_last_working_day_on_or_before(cal: WorkCalendar) -> None:
    assert cal.last_working_day_on_or_before(date(2026, 10, 7)) == date(2026, 9, 30)
    assert cal.last_working_day_on_or_before(date(2026, 10, 8)) == date(2026, 10, 8)
    assert cal.last_working_day_on_or_before(date(2026, 10, 11)) == date(2026, 10, 10)


def test_working_days_between_whole_and_partial(cal: WorkCalendar) -> None:
    # Mon 00:00 -> Wed 00:00 = 2 working days.
    assert cal.working_days_between(sh(2026, 11, 16), sh(2026, 11, 18)) == pytest.approx(2.0)
    # Mon 12:00 -> Mon 18:00 = 0.25.
    assert cal.working_days_between(sh(2026, 11, 16, 12), sh(2026, 11, 16, 18)) == pytest.approx(
        0.25
    )
    # Fri 12:00 -> Mon 12:00 = half of Fri + half of Mon (weekend is free).
    assert cal.working_days_between(sh(2026, 11, 20, 12), sh(2026, 11, 23, 12)) == pytest.approx(
        1.0
    )
    # Weekend only = 0.
    assert cal.working_days_between(sh(2026, 11, 21, 1), sh(2026, 11, 22, 23)) == 0.0
    # Negative when end < start.
    assert cal.working_days_between(sh(2026, 11, 18), sh(2026, 11, 16)) == pytest.approx(-2.0)


def test_working_days_between_over_national_day(cal: WorkCalendar) -> None:
    # Sep 30 10:00 -> Oct 8 10:00: 14h of Sep 30 + 10h of Oct 8.
    assert cal.working_days_between(sh(2026, 9, 30, 10), sh(2026, 10, 8, 10)) == pytest.approx(1.0)
    # Includes the make-up Saturday Oct 10.
    assert cal.working_days_between(sh(2026, 10, 10), sh(2026, 10, 12)) == pytest.approx(1.0)


def test_working_days_between_mixed_zones_and_naive(cal: WorkCalendar) -> None:
    start = datetime(2026, 11, 16, 4, tzinfo=UTC)  # Mon 12:00 Shanghai
    assert cal.working_days_between(start, sh(2026, 11, 16, 18)) == pytest.approx(0.25)
    with pytest.raises(ValueError):
        cal.working_days_between(datetime(2026, 11, 16), sh(2026, 11, 16, 18))


def test_add_and_between_agree(cal: WorkCalendar) -> None:
    start = sh(2026, 11, 16, 10)  # a working day
    for n in range(1, 12):
        due = cal.add_working_days(start, n)
        assert cal.working_days_between(start, due) == pytest.approx(float(n))
