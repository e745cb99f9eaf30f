"""The State Council's holiday notices of 2025 and 2026, read from their text, against
chinesecalendar's data for those years: every holiday and make-up working day matches."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from chalicelib.domain.holiday_notice import NoticeError, parse

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("year", [2025, 2026])
def test_real_notice_matches_chinesecalendar(year):
    notice = parse((FIXTURES / f"holiday_notice_{year}.txt").read_text(encoding="utf-8"))
    assert notice.year == year
    assert notice.days_off == {d for d in chinese_calendar.holidays if d.year == year}
    assert notice.working_days == {d for d in chinese_calendar.workdays if d.year == year}
    overrides = notice.overrides()
    day = date(year, 1, 1)
    while day.year == year:                                  # every day of the year
        working = overrides.get(day, day.weekday() < 5)
        assert working == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_items_and_names_2026():
    notice = parse((FIXTURES / "holiday_notice_2026.txt").read_text(encoding="utf-8"))
    spring = next(h for h in notice.holidays if h.name == "春节")
    assert spring.days_off[0] == date(2026, 2, 15) and len(spring.days_off) == 9
    assert spring.working_days == (date(2026, 2, 14), date(2026, 2, 28))
    assert [h.name for h in notice.holidays] == ["元旦", "春节", "清明节", "劳动节", "端午节",
                                                "中秋节", "国庆节"]


def test_half_width_excerpt_with_explicit_year_and_cross_year_dates():
    text = ("一、元旦:2018年12月30日至2019年1月1日放假调休,共3天。2018年12月29日(星期六)上班。\n"
            "二、春节:2月4日至10日放假调休,共7天。2月2日(星期六)、2月3日(星期日)上班。")
    notice = parse(text, year=2019)
    assert notice.days_off >= {date(2018, 12, 30), date(2018, 12, 31), date(2019, 1, 1),
                               date(2019, 2, 10)}
    assert notice.working_days == {date(2018, 12, 29), date(2019, 2, 2), date(2019, 2, 3)}


@pytest.mark.parametrize("text", ["", "随便写点什么", "一、元旦：放假，共3天。",
                                  "一、元旦：1月1日至3日放假。1月2日上班。"])
def test_unreadable_notice_is_an_error(text):
    with pytest.raises(NoticeError):
        parse(text, year=2027)


# ------------------------------------------------------------------ the watch and the shift
from chalicelib.domain.calendar import SHANGHAI, WorkCalendar  # noqa: E402
from chalicelib.domain.holiday_notice import next_year_unknown, shift_deadline  # noqa: E402


@pytest.mark.parametrize("today, known_years, alarm", [
    (date(2026, 11, 30), set(), False),          # not December yet
    (date(2026, 12, 1), set(), True),            # December, 2027 unknown
    (date(2026, 12, 31), {2027}, False),         # the notice was applied
    (date(2027, 1, 5), set(), False),            # January: next December's concern
    (date(2027, 12, 15), {2027}, True),          # this year known, next year not
])
def test_next_year_unknown(today, known_years, alarm):
    assert next_year_unknown(today, lambda y: y in known_years) is alarm


def test_shift_keeps_the_working_days_left():
    from datetime import datetime
    old = WorkCalendar({})                                       # 2027: Monday-Friday
    new = WorkCalendar({date(2027, 1, 1): False, date(2027, 1, 9): True})
    today = date(2026, 12, 28)
    due = datetime(2027, 1, 11, 10, 0, tzinfo=SHANGHAI)          # 10 working days (old)
    assert shift_deadline(due, today, old, new) == datetime(2027, 1, 11, 10, 0,
                                                            tzinfo=SHANGHAI)  # -1 +1 = same
    new_off_only = WorkCalendar({date(2027, 1, 1): False})
    assert shift_deadline(due, today, old, new_off_only) == datetime(2027, 1, 12, 10, 0,
                                                                     tzinfo=SHANGHAI)
    before = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)      # no changed day before it
    assert shift_deadline(before, today, old, new_off_only) == before
    past = datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI)
    assert shift_deadline(past, today, old, new_off_only) == past
