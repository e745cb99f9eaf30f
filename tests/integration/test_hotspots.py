"""Hotspots (热点预警): share rules (major > 10%, minor > 5%) with a minimum volume, the surge
of a place x category week, once per period, and the list leaders read."""

from __future__ import annotations

import datetime as dt
import itertools

from measures_support import day

from chalicelib.domain.measures import Key
from chalicelib.services import hotspots, measures
from chalicelib.services.staff_auth import StaffUser

CITY = "369900000000"
HONGQI_TOWNSHIP = "369902001000"
CITY_GOV_PHONE = "+8613907970001"
CITY_LEADER = StaffUser("lead_city_sun", "u-gov-city", frozenset({"leader"}))
TOWNSHIP_LEADER = StaffUser("lead_twp_hongqi_fang", "u-twp-hongqi", frozenset({"leader"}))
SHAHE_LEADER = StaffUser("lead_twp_shahe", "u-twp-shahe", frozenset({"leader"}))


_applied = itertools.count()


def received(day: str, total: int, by_category: dict, placecat: dict | None = None):
    """Counters as the consumer would have written them for one day's submissions, given the
    figures a report reads: categories are stored at the leaves (a major category's figure is
    its own count plus its minors', domain/measures/rollup.py)."""
    major = measures.rules().major
    own = dict(by_category)
    for code, k in by_category.items():
        if major(code) != code and major(code) in own:
            own[major(code)] -= k
    deltas = [(Key("place", CITY, day), "received", total)]
    deltas += [(Key("category", c, day), "received", k) for c, k in own.items() if k]
    deltas += [(Key("placecat", p, day), "received", k) for p, k in (placecat or {}).items()]
    assert measures.store().apply(f"test#{next(_applied)}", deltas, [], 0)


def test_major_above_10_and_minor_above_5_percent_fire_once_per_period(stack):
    # the start Monday: 100 tickets; A10 (a major) 12 = 12%, its minor A1001 6 = 6%,
    # B02 10 = exactly 10% (not above), A0101 5 = exactly 5% (not above)
    received(day(0), 100, {"A10": 12, "A1001": 6, "A01": 9, "A0101": 5, "B02": 10})
    out = hotspots.run_due()
    assert out["raised"] == 4            # A10 and A1001, for the week and for the month
    listed = hotspots.list_hotspots(CITY_LEADER, start=day(0), end=day(0))
    assert sorted((h["granularity"], h["kind"], h["category"]) for h in listed["items"]) == [
        ("month", "major_share", "A10"), ("month", "minor_share", "A1001"),
        ("week", "major_share", "A10"), ("week", "minor_share", "A1001")]
    sms = [t for t in stack.sms.to(CITY_GOV_PHONE) if "热点预警" in t]
    assert len(sms) == 4 and any("12.0%" in t for t in sms)
    assert hotspots.run_due()["raised"] == 0              # once per hotspot and period
    assert len([t for t in stack.sms.to(CITY_GOV_PHONE) if "热点预警" in t]) == 4


def test_small_volume_raises_nothing(stack):
    received(day(0), 3, {"A10": 3, "A1001": 3})       # 100%, but three tickets
    assert hotspots.run_due()["raised"] == 0
    assert not [t for t in stack.sms.sent if "热点预警" in t.text]


def test_a_place_week_far_above_its_usual_weeks(stack):
    pair = f"{HONGQI_TOWNSHIP}|A10"
    monday = dt.date.fromisoformat(day(0))
    for week in range(1, 9):            # the 8 weeks before: 2 a week
        received((monday - dt.timedelta(days=7 * week)).isoformat(), 2, {}, {pair: 2})
    received(day(0), 15, {}, {pair: 15})              # this week: 15 (7.5x)
    # the township's, and its county's: the county's figures sum up what its townships store
    raised = hotspots.run_due()
    assert raised["raised"] == 2
    county = measures.rules().places(HONGQI_TOWNSHIP)[1]
    city = hotspots.list_hotspots(CITY_LEADER, start=day(0), end=day(6))
    assert sorted((h["place"], h["category"]) for h in city["items"]) == [
        (county, "A10"), (HONGQI_TOWNSHIP, "A10")]
    township_phone = next(u.duty_phone for u in hotspots.leaders_of(HONGQI_TOWNSHIP))
    assert [t for t in stack.sms.to(township_phone) if "热点预警" in t]
    mine = hotspots.list_hotspots(TOWNSHIP_LEADER, start=day(0), end=day(6))
    assert [(h["kind"], h["place"], h["category"]) for h in mine["items"]] == [
        ("surge", HONGQI_TOWNSHIP, "A10")]
    other = hotspots.list_hotspots(SHAHE_LEADER, start=day(0), end=day(6))
    assert other["items"] == []
