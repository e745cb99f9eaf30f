"""Duplicate candidates, repeat matching and what the measures count: the pure rules."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

import h3
import pytest

from chalicelib.domain import duplicates as d

RULES = d.Rules()
NOW = 1795399200.0
LIGHT = d.Point(25.8500, 114.9300)


def moved(p: d.Point, metres: float, bearing_deg: float) -> d.Point:
    """A point ``metres`` from ``p`` on a bearing (small-distance approximation)."""
    dlat = metres * math.cos(math.radians(bearing_deg)) / 111_195
    dlng = metres * math.sin(math.radians(bearing_deg)) / (111_195 * math.cos(math.radians(p.lat)))
    return d.Point(p.lat + dlat, p.lng + dlng)


def report(tid, text, point=LIGHT, category="A0301", region="369902001001", age_days=1):
    return d.Report(tid, category, region, text, NOW - age_days * 86400, point, code=tid)


NEW = report("new", "红旗大道12号路灯不亮了，晚上很黑", age_days=0)


def test_a_light_80m_away_with_similar_text_is_a_candidate():
    other = report("near", "红旗大道路灯坏了不亮，晚上很黑", moved(LIGHT, 80, 40))
    found = d.assess(NEW, other, RULES, NOW)
    assert found is not None
    assert 70 <= found.why["distance_m"] <= 90
    assert found.why["text_similarity"] >= RULES.text_threshold
    assert 0 < found.score <= 1


@pytest.mark.parametrize("other", [
    report("far", "红旗大道路灯坏了不亮，晚上很黑", moved(LIGHT, 2000, 40)),        # 2 km away
    report("cat", "红旗大道路灯坏了不亮，晚上很黑", moved(LIGHT, 80, 40), category="A0101"),
    report("old", "红旗大道路灯坏了不亮，晚上很黑", moved(LIGHT, 80, 40), age_days=31),
    report("txt", "小区门口有人占道摆摊卖菜，影响通行", moved(LIGHT, 80, 40)),
])
def test_far_other_category_old_or_unrelated_is_not(other):
    assert d.assess(NEW, other, RULES, NOW) is None


def test_without_a_location_the_same_village_decides():
    no_place = report("a", "红旗大道路灯坏了不亮，晚上很黑", point=None)
    found = d.assess(NEW, no_place, RULES, NOW)
    assert found is not None and found.why["same_village"] is True
    elsewhere = report("b", "红旗大道路灯坏了不亮，晚上很黑", point=None, region="369902001002")
    assert d.assess(NEW, elsewhere, RULES, NOW) is None


def test_rank_orders_by_score_and_caps():
    others = [report(f"t{i}", "红旗大道路灯坏了不亮，晚上很黑", moved(LIGHT, 40 * i, 90))
              for i in range(1, 9)]
    ranked = d.rank(NEW, others, RULES, NOW)
    assert len(ranked) == RULES.max_candidates
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    assert ranked[0].ticket_id == "t1"


@pytest.mark.parametrize("resolution", [7, 8, 9])
@pytest.mark.parametrize("centre", [(25.85, 114.93), (39.9, 116.4), (45.75, 126.6),
                                    (18.25, 109.5)])
def test_the_k_ring_holds_every_point_within_the_radius(resolution, centre):
    """No neighbour within the radius can sit outside the cells that are queried."""
    rules = d.Rules(h3_resolution=resolution)
    rng = random.Random(resolution)
    for _ in range(300):
        p = moved(d.Point(*centre), rng.uniform(0, 3000), rng.uniform(0, 360))
        q = moved(p, rules.radius_m * rng.uniform(0.9, 0.999), rng.uniform(0, 360))
        assert d.distance_m(p, q) <= rules.radius_m
        assert d.cell(q, resolution) in set(d.neighbour_cells(p, rules))


def test_the_default_resolution_needs_one_ring_of_seven_cells():
    assert len(d.neighbour_cells(LIGHT, RULES)) == 7
    assert h3.get_resolution(d.neighbour_cells(LIGHT, RULES)[0]) == RULES.h3_resolution


def test_same_matter_for_repeats():
    earlier = report("e", "红旗大道12号路灯不亮，晚上很黑")
    assert d.same_matter(NEW, earlier, RULES) is not None
    assert d.same_matter(NEW, report("e2", "红旗大道12号路灯不亮，晚上很黑",
                                     category="A0101"), RULES) is None
    assert d.same_matter(NEW, report("e3", "楼上邻居装修噪音太大，周末一早就开始"), RULES) is None


def test_phone_key_hides_the_number_and_depends_on_the_secret():
    a = d.phone_key("+8613812345678", "s1")
    assert a.startswith("P#") and "13812345678" not in a
    assert a == d.phone_key("+8613812345678", "s1") != d.phone_key("+8613812345678", "s2")


def test_measures_count_a_merged_matter_once_and_spare_units_malicious_callers():
    assert d.counts_once(SimpleNamespace(merged_into=None))
    assert not d.counts_once(SimpleNamespace(merged_into="01PRIMARY"))
    assert d.counts_against_unit(SimpleNamespace(excluded_from_scores=False,
                                                 malicious_caller=False))
    assert not d.counts_against_unit(SimpleNamespace(excluded_from_scores=False,
                                                     malicious_caller=True))
    assert not d.counts_against_unit(SimpleNamespace(excluded_from_scores=True,
                                                     malicious_caller=False))
