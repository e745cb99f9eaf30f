"""SLA policies, deadline computation and per-jurisdiction policy books."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.calendar import SHANGHAI, WorkCalendar
from chalicelib.domain.sla import (
    TICKET_TYPES,
    Deadlines,
    PolicyBook,
    SlaPolicy,
    clock_start,
    compute_deadlines,
    contact_deadline,
    is_day_deadline,
)


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# ---------------------------------------------------------------- policy


def test_defaults() -> None:
    p = SlaPolicy.default()
    assert dict(p.reply_working_days) == {
        "consult": 2,
        "complaint": 5,
        "help": 5,
        "suggestion": 5,
        "report": 10,
    }
    assert p.sign_working_days == 1
    assert p.contact_minutes == 30
    assert p.emergency_minutes == 30
    assert p.reminder_days_before == (5, 3)
    assert set(TICKET_TYPES) == set(p.reply_working_days)
    assert SlaPolicy() == p


def test_policy_is_immutable() -> None:
    p = SlaPolicy.default()
    with pytest.raises(TypeError):
        p.reply_working_days["consult"] = 99  # type: ignore[index]
    with pytest.raises(AttributeError):
        p.sign_working_days = 3  # type: ignore[misc]
    hash(p)


def test_from_dict_partial_merges_over_defaults() -> None:
    p = SlaPolicy.from_dict({"reply_working_days": {"consult": 3}, "contact_minutes": 15})
    assert p.reply_working_days["consult"] == 3
    assert p.reply_working_days["report"] == 10
    assert p.contact_minutes == 15
    assert p.sign_working_days == 1
    assert SlaPolicy.from_dict({}) == SlaPolicy.default()


def test_chengdu_five_days_for_everything() -> None:
    p = SlaPolicy.from_dict({"reply_working_days": dict.fromkeys(TICKET_TYPES, 5)})
    assert set(p.reply_working_days.values()) == {5}


def test_from_dict_accepts_dynamodb_decimals_and_lists() -> None:
    p = SlaPolicy.from_dict(
        {
            "reply_working_days": {"report": Decimal(7)},
            "sign_working_days": Decimal(2),
            "reminder_days_before": [Decimal(3), Decimal(5)],
        }
    )
    assert p.reply_working_days["report"] == 7
    assert isinstance(p.reply_working_days["report"], int)
    assert p.sign_working_days == 2
    assert isinstance(p.sign_working_days, int)
    assert p.reminder_days_before == (5, 3)


def test_to_dict_round_trip() -> None:
    p = SlaPolicy.from_dict({"reply_working_days": {"help": 4}, "reminder_days_before": [2]})
    d = p.to_dict()
    assert d["reply_working_days"]["help"] == 4
    assert d["reminder_days_before"] == [2]
    assert SlaPolicy.from_dict(d) == p
    assert json.loads(json.dumps(d)) == d


@pytest.mark.parametrize(
    "bad",
    [
        {"reply_working_days": {"gossip": 3}},
        {"reply_working_days": {"consult": 0}},
        {"reply_working_days": {"consult": -2}},
        {"reply_working_days": {"consult": 2.5}},
        {"reply_working_days": {"consult": "2"}},
        {"reply_working_days": {"consult": True}},
        {"reply_working_days": [2, 5]},
        {"sign_working_days": 0},
        {"contact_minutes": -30},
        {"emergency_minutes": 0},
        {"reminder_days_before": [5, 0]},
        {"reminder_days_before": 5},
        {"reminder_days_before": "53"},
        {"no_such_key": 1},
    ],
)
def test_from_dict_validation(bad: dict) -> None:
    with pytest.raises(ValueError):
        SlaPolicy.from_dict(bad)


def test_from_dict_not_a_mapping() -> None:
    with pytest.raises(ValueError):
        SlaPolicy.from_dict([("sign_working_days", 1)])  # type: ignore[arg-type]


def test_constructor_validates_too() -> None:
    with pytest.raises(ValueError):
        SlaPolicy(sign_working_days=0)
    with pytest.raises(ValueError):
        SlaPolicy(reply_working_days={"unknown": 1})


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("ticket_type", "reply_due"),
    [
        ("consult", sh(2026, 11, 18, 17, 30)),  # Mon + 2, at the close
        ("complaint", sh(2026, 11, 23, 17, 30)),  # Mon + 5
        ("help", sh(2026, 11, 23, 17, 30)),
        ("suggestion", sh(2026, 11, 23, 17, 30)),
        ("report", sh(2026, 11, 30, 17, 30)),  # Mon + 10
    ],
)
def test_default_deadlines_per_type(
    cal: WorkCalendar, ticket_type: str, reply_due: datetime
) -> None:
    at = sh(2026, 11, 16, 10)  # Monday, no holidays around
    dl = compute_deadlines(SlaPolicy.default(), cal, ticket_type, False, at)
    assert dl == Deadlines(
        sign_due_at=sh(2026, 11, 17, 17, 30), reply_due_at=reply_due, contact_due_at=None
    )


def test_deadlines_across_national_day(cal: WorkCalendar) -> None:
    dl = compute_deadlines(SlaPolicy.default(), cal, "consult", False, sh(2026, 9, 30, 10))
    assert dl.sign_due_at == sh(2026, 10, 8, 17, 30)
    assert dl.reply_due_at == sh(2026, 10, 9, 17, 30)
    dl = compute_deadlines(SlaPolicy.default(), cal, "complaint", False, sh(2026, 9, 30, 10))
    # Oct 8, 9, 10 (make-up Saturday), 12, 13.
    assert dl.reply_due_at == sh(2026, 10, 13, 17, 30)


def test_deadlines_from_utc(cal: WorkCalendar) -> None:
    at = datetime(2026, 11, 16, 2, tzinfo=UTC)  # Mon 10:00 Shanghai
    dl = compute_deadlines(SlaPolicy.default(), cal, "consult", False, at)
    assert dl.reply_due_at == sh(2026, 11, 18, 17, 30)
    assert dl.reply_due_at.utcoffset() == timedelta(hours=8)


def test_emergency_is_clock_time(cal: WorkCalendar) -> None:
    at = sh(2026, 10, 3, 23, 50)  # a holiday, late at night: the calendar does not matter
    dl = compute_deadlines(SlaPolicy.default(), cal, "help", True, at)
    assert dl.reply_due_at == at + timedelta(minutes=30)
    assert dl.sign_due_at == at + timedelta(minutes=10)
    assert dl.contact_due_at is None


def test_emergency_short_policy(cal: WorkCalendar) -> None:
    p = SlaPolicy.from_dict({"emergency_minutes": 5})
    at = sh(2026, 11, 16, 10)
    dl = compute_deadlines(p, cal, "report", True, at)
    assert dl.sign_due_at == at + timedelta(minutes=5)
    assert dl.reply_due_at == at + timedelta(minutes=5)
    p = SlaPolicy.from_dict({"emergency_minutes": 45})
    dl = compute_deadlines(p, cal, "report", True, at)
    assert dl.sign_due_at == at + timedelta(minutes=10)
    assert dl.reply_due_at == at + timedelta(minutes=45)


def test_demo_seconds(cal: WorkCalendar) -> None:
    at = sh(2026, 10, 3, 12)
    dl = compute_deadlines(SlaPolicy.default(), cal, "report", False, at, demo_sla_seconds=60)
    assert dl.sign_due_at == at + timedelta(seconds=60)
    assert dl.reply_due_at == at + timedelta(seconds=120)


def test_demo_zero_or_none_means_off(cal: WorkCalendar) -> None:
    at = sh(2026, 11, 16, 10)
    normal = compute_deadlines(SlaPolicy.default(), cal, "consult", False, at)
    assert compute_deadlines(SlaPolicy.default(), cal, "consult", False, at, 0) == normal
    assert compute_deadlines(SlaPolicy.default(), cal, "consult", False, at, None) == normal
    with pytest.raises(ValueError):
        compute_deadlines(SlaPolicy.default(), cal, "consult", False, at, -5)


def test_compute_deadlines_rejects_bad_input(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        compute_deadlines(SlaPolicy.default(), cal, "gossip", False, sh(2026, 11, 16, 10))
    with pytest.raises(ValueError):
        compute_deadlines(SlaPolicy.default(), cal, "consult", False, datetime(2026, 11, 16, 10))


def test_compute_deadlines_into_2027_does_not_raise() -> None:
    seen: list[int] = []
    cal = WorkCalendar(on_unknown_year=seen.append)
    dl = compute_deadlines(SlaPolicy.default(), cal, "report", False, sh(2026, 12, 29, 15))
    # Dec 30, 31, Jan 1, 4, 5, 6, 7, 8, 11, 12 (Mon-Fri fallback in 2027).
    assert dl.reply_due_at == sh(2027, 1, 12, 17, 30)
    assert seen == [2027]


def test_contact_deadline() -> None:
    signed = datetime(2026, 11, 16, 1, 45, tzinfo=UTC)
    due = contact_deadline(SlaPolicy.default(), signed)
    assert due == signed + timedelta(minutes=30)
    assert due.utcoffset() == timedelta(hours=8)
    assert contact_deadline(SlaPolicy.from_dict({"contact_minutes": 10}), signed) == (
        signed + timedelta(minutes=10)
    )
    with pytest.raises(ValueError):
        contact_deadline(SlaPolicy.default(), datetime(2026, 11, 16, 9))


# ---------------------------------------------------------------- policy book

CITY = "360700000000"
COUNTY = "360702000000"
TOWNSHIP = "360702001000"
VILLAGE = "360702001001"
CHAIN = [VILLAGE, TOWNSHIP, COUNTY, CITY]


def test_policy_book_default_when_nothing_matches() -> None:
    default = SlaPolicy.default()
    book = PolicyBook(default, {"440300000000": SlaPolicy.from_dict({"sign_working_days": 2})})
    assert book.for_jurisdiction(CHAIN) is default
    assert book.for_jurisdiction([]) is default
    assert PolicyBook(default).for_jurisdiction(CHAIN) is default


def test_policy_book_most_specific_wins() -> None:
    city = SlaPolicy.from_dict({"reply_working_days": {"consult": 5}})
    county = SlaPolicy.from_dict({"reply_working_days": {"consult": 4}})
    township = SlaPolicy.from_dict({"reply_working_days": {"consult": 3}})
    book = PolicyBook(SlaPolicy.default(), {CITY: city, COUNTY: county, TOWNSHIP: township})
    assert book.for_jurisdiction(CHAIN) is township
    assert book.for_jurisdiction([COUNTY, CITY]) is county
    assert book.for_jurisdiction(["360703000000", CITY]) is city
    # Order of the mapping does not matter, only the chain's order.
    book2 = PolicyBook(SlaPolicy.default(), {TOWNSHIP: township, CITY: city, COUNTY: county})
    assert book2.for_jurisdiction(CHAIN) is township


def test_policy_book_code_prefix() -> None:
    city = SlaPolicy.from_dict({"sign_working_days": 3})
    county = SlaPolicy.from_dict({"sign_working_days": 2})
    book = PolicyBook(SlaPolicy.default(), {"3607": city, "360702": county})
    assert book.for_jurisdiction(CHAIN) is county
    assert book.for_jurisdiction(["360703001001", "360703000000"]) is city
    assert book.for_jurisdiction(["440300000000"]) is book.default


def test_policy_book_unit_id_exact_only() -> None:
    unit = SlaPolicy.from_dict({"contact_minutes": 15})
    book = PolicyBook(SlaPolicy.default(), {"unit-water": unit})
    assert book.for_jurisdiction(["unit-water", CITY]) is unit
    assert book.for_jurisdiction(["unit-water-2", CITY]) is book.default
    # A single string is treated as a one-element chain, not as characters.
    assert book.for_jurisdiction("unit-water") is unit


def test_policy_book_rejects_non_policies() -> None:
    with pytest.raises(TypeError):
        PolicyBook(SlaPolicy.default(), {CITY: {"sign_working_days": 2}})  # type: ignore[dict-item]


def test_demo_seconds_shorten_emergencies_too_but_never_lengthen_them(cal: WorkCalendar) -> None:
    at = sh(2026, 10, 3, 12)
    dl = compute_deadlines(SlaPolicy.default(), cal, "help", True, at, demo_sla_seconds=60)
    assert dl.sign_due_at == at + timedelta(seconds=60)
    assert dl.reply_due_at == at + timedelta(seconds=120)
    dl = compute_deadlines(SlaPolicy.default(), cal, "help", True, at, demo_sla_seconds=3600)
    assert dl.sign_due_at == at + timedelta(minutes=10)     # the policy's clock minutes
    assert dl.reply_due_at == at + timedelta(minutes=30)


# ---------------------------------------------------------------- days as the rules count them


def test_five_working_days_end_at_the_close_of_the_fifth(cal: WorkCalendar) -> None:
    """Issue 15 point 13: a complaint at 10:00 on Wednesday 2 December 2026 is answered by the
    close of Wednesday 9 December (3, 4, 7, 8, 9), not at 10:00 that day."""
    dl = compute_deadlines(SlaPolicy.default(), cal, "complaint", False, sh(2026, 12, 2, 10))
    assert dl.reply_due_at == sh(2026, 12, 9, 17, 30)
    assert dl.sign_due_at == sh(2026, 12, 3, 17, 30)


def test_outside_working_hours_counts_from_the_next_opening(cal: WorkCalendar) -> None:
    policy = SlaPolicy.default()
    # 04:01 before opening on a working day: the same day as a 10:00 request
    early = compute_deadlines(policy, cal, "complaint", False, sh(2026, 12, 2, 4, 1))
    assert early.reply_due_at == sh(2026, 12, 9, 17, 30)
    assert early.sign_due_at == sh(2026, 12, 3, 17, 30)
    # 17:30 and later: counting starts on Thursday, so Thursday is not counted
    late = compute_deadlines(policy, cal, "complaint", False, sh(2026, 12, 2, 19, 0))
    assert late.reply_due_at == sh(2026, 12, 10, 17, 30)
    assert late.sign_due_at == sh(2026, 12, 4, 17, 30)
    # a Saturday: counting starts on Monday the 7th
    weekend = compute_deadlines(policy, cal, "complaint", False, sh(2026, 12, 5, 11, 0))
    assert weekend.reply_due_at == sh(2026, 12, 14, 17, 30)
    assert clock_start(policy, cal, sh(2026, 12, 5, 11, 0)) == sh(2026, 12, 7, 8, 30)
    assert clock_start(policy, cal, sh(2026, 12, 2, 17, 29)) == sh(2026, 12, 2, 17, 29)


def test_the_closing_hour_is_configuration(cal: WorkCalendar) -> None:
    policy = SlaPolicy.from_dict({"day_opens": "09:00", "day_closes": "18:00"})
    dl = compute_deadlines(policy, cal, "consult", False, sh(2026, 12, 2, 8, 45))
    assert dl.reply_due_at == sh(2026, 12, 4, 18, 0)
    assert is_day_deadline(policy, dl.reply_due_at)
    assert not is_day_deadline(policy, sh(2026, 12, 4, 17, 30))
    assert SlaPolicy.from_dict(policy.to_dict()) == policy
    for bad in ({"day_closes": "25:00"}, {"day_opens": "8:30"}, {"day_opens": 9},
                {"day_opens": "18:00", "day_closes": "09:00"}):
        with pytest.raises(ValueError):
            SlaPolicy.from_dict(bad)


def test_clock_time_deadlines_stay_in_minutes(cal: WorkCalendar) -> None:
    at = sh(2026, 12, 2, 4, 1)
    dl = compute_deadlines(SlaPolicy.default(), cal, "help", True, at)
    assert dl.reply_due_at == at + timedelta(minutes=30)
    assert contact_deadline(SlaPolicy.default(), at) == at + timedelta(minutes=30)
