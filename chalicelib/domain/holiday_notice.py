"""The State Council's annual holiday notice (国务院办公厅关于XXXX年部分节假日安排的通知), read
from its text in the standard form (pure Python).

Each numbered item names a holiday and says, in one sentence, which days are off, then (if any)
which weekend days are worked instead::

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。...
    一、元旦：1月1日（周三）放假1天，不调休。
    一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。

Parenthesised remarks (weekday, lunar date) are ignored; a date without a month takes the
previous date's month, a date without a year the notice's year. Half-width punctuation is read
the same as full-width. A notice that yields no item, or an item whose days cannot be read, is an
error: a misread notice must never silently become the calendar.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .calendar import SHANGHAI, WorkCalendar

_NUMERALS = "一二三四五六七八九十"
_ITEM = re.compile(rf"^\s*[{_NUMERALS}]+、\s*([^：:]{{1,20}})[：:](.+)$")
_YEAR = re.compile(r"关于(\d{4})年部分节假日安排|现将(\d{4})年")
_REMARK = re.compile(r"[（(][^）)]*[）)]")
_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日")
_RANGE_SEP = re.compile(r"至|—|-|~|～")


class NoticeError(ValueError):
    """The text is not a holiday notice this reader understands."""


@dataclass(frozen=True)
class Holiday:
    name: str
    days_off: tuple[date, ...]
    working_days: tuple[date, ...]      # make-up working days (调休上班)


@dataclass(frozen=True)
class HolidayNotice:
    year: int
    holidays: tuple[Holiday, ...] = field(default_factory=tuple)

    @property
    def days_off(self) -> frozenset[date]:
        return frozenset(d for h in self.holidays for d in h.days_off)

    @property
    def working_days(self) -> frozenset[date]:
        return frozenset(d for h in self.holidays for d in h.working_days)

    def overrides(self) -> dict[date, bool]:
        """What the notice decides, as calendar overrides: False off, True make-up working."""
        return {**{d: False for d in self.days_off}, **{d: True for d in self.working_days}}


def _dates(sentence: str, year: int) -> list[tuple[date, int]]:
    """The dates in a sentence with their end positions; missing month/year carried over."""
    found, month, current_year = [], None, year
    for m in _DATE.finditer(sentence):
        if m.group(1):
            current_year = int(m.group(1))
        if m.group(2):
            month = int(m.group(2))
        if month is None:
            raise NoticeError(f"日期缺少月份：{sentence}")
        try:
            found.append((date(current_year, month, int(m.group(3))), m.start(), m.end()))
        except ValueError:
            raise NoticeError(f"无效日期：{m.group(0)}") from None
    return found


def _days_off(sentence: str, year: int) -> list[date]:
    dates = _dates(sentence, year)
    if not dates:
        raise NoticeError(f"没有读到放假日期：{sentence}")
    days: list[date] = []
    i = 0
    while i < len(dates):
        start, _, end_pos = dates[i]
        if i + 1 < len(dates) and _RANGE_SEP.match(sentence[end_pos:dates[i + 1][1]].strip()):
            end = dates[i + 1][0]
            if end < start or (end - start).days > 31:
                raise NoticeError(f"放假起止日期有误：{sentence}")
            days += [start + timedelta(days=k) for k in range((end - start).days + 1)]
            i += 2
        else:
            days.append(start)
            i += 1
    return days


def parse(text: str, year: int | None = None) -> HolidayNotice:
    """Read a notice; ``year`` when the text does not say it (an excerpt of the items)."""
    if not isinstance(text, str) or not text.strip():
        raise NoticeError("通知内容为空")
    text = unicodedata.normalize("NFKC", text)       # full-width digits and punctuation
    if year is None:
        m = _YEAR.search(text)
        if not m:
            raise NoticeError("没有读到年份：请提供 year")
        year = int(m.group(1) or m.group(2))
    holidays = []
    for line in text.splitlines():
        item = _ITEM.match(line)
        if not item:
            continue
        name, body = item.group(1).strip(), _REMARK.sub("", item.group(2))
        off, working = [], []
        for sentence in re.split(r"[。；;]", body):
            if "上班" in sentence:
                working += [d for d, _, _ in _dates(sentence, year)]
            elif "放假" in sentence or "休息" in sentence:
                off += _days_off(sentence, year)
        if not off:
            raise NoticeError(f"「{name}」没有读到放假日期")
        holidays.append(Holiday(name, tuple(sorted(set(off))), tuple(sorted(set(working)))))
    if not holidays:
        raise NoticeError("没有读到任何节假日条目（应为“一、元旦：1月1日放假……”的格式）")
    clash = {d for h in holidays for d in h.days_off} & {d for h in holidays
                                                          for d in h.working_days}
    if clash:
        raise NoticeError("同一天既放假又上班：" + "、".join(sorted(map(str, clash))))
    return HolidayNotice(year, tuple(holidays))


# ------------------------------------------------------------------ what a notice changes
def next_year_unknown(today: date, known: Callable[[int], bool], from_month: int = 12) -> bool:
    """The alarm's condition: from ``from_month`` (December) on, next year's holidays are not
    known (neither in the package nor from an applied notice). The State Council publishes the
    notice in November; deadlines computed into an unknown year count Monday-Friday."""
    return today.month >= from_month and not known(today.year + 1)


def shift_deadline(deadline: datetime, today: date, old: WorkCalendar,
                   new: WorkCalendar) -> datetime:
    """A working-day deadline under a changed calendar: the working days left from ``today`` stay
    the same (a unit keeps the time it had, counted on the new calendar), the time of day too.
    A deadline today or past, or with no changed day before it, does not move."""
    local = deadline.astimezone(SHANGHAI)
    if local.date() <= today:
        return deadline
    left, d = 0, today
    while d < local.date():
        d += timedelta(days=1)
        if old.is_working_day(d):
            left += 1
    if left == 0:
        return deadline
    moved = today
    for _ in range(left):
        moved = new.next_working_day(moved)
    if moved == local.date():
        return deadline
    return datetime.combine(moved, local.time(), tzinfo=SHANGHAI)
