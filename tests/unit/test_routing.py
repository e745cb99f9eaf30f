import pytest

from chalicelib.domain.catalog import (
    category_chain,
    load_categories,
    load_demo_city,
    region_chain,
)
from chalicelib.domain.routing import (
    DutyRule,
    RouteDecision,
    candidate_keys,
    choose_rule,
    route,
    rules_index,
)

VILLAGE, TOWNSHIP, COUNTY, CITY = "v1", "t1", "c1", "city"
REGIONS = [VILLAGE, TOWNSHIP, COUNTY, CITY]
MINOR, MAJOR = "A1001", "A10"
CATS = [MINOR, MAJOR]


def _rules(*rules):
    return {(r.category, r.region): r for r in rules}


def test_candidate_keys_order():
    keys = candidate_keys(CATS, REGIONS)
    assert keys == [
        (MINOR, VILLAGE),
        (MAJOR, VILLAGE),
        (MINOR, TOWNSHIP),
        (MAJOR, TOWNSHIP),
        (MINOR, COUNTY),
        (MAJOR, COUNTY),
        (MINOR, CITY),
        (MAJOR, CITY),
    ]
    assert candidate_keys([], REGIONS) == []
    assert candidate_keys(CATS, []) == []


def test_most_specific_region_wins():
    city = DutyRule(MINOR, CITY, "u-city")
    county = DutyRule(MINOR, COUNTY, "u-county")
    township = DutyRule(MINOR, TOWNSHIP, "u-township")
    village = DutyRule(MINOR, VILLAGE, "u-village")
    assert choose_rule(_rules(city, county, township, village), CATS, REGIONS) is village
    assert choose_rule(_rules(city, county, township), CATS, REGIONS) is township
    assert choose_rule(_rules(city, county), CATS, REGIONS) is county
    assert choose_rule(_rules(city), CATS, REGIONS) is city
    # a ticket from another county's village only sees the city rule
    assert choose_rule(_rules(city, county), CATS, ["v9", "t9", "c9", CITY]) is city


def test_minor_beats_major_in_the_same_region():
    major = DutyRule(MAJOR, COUNTY, "u-major")
    minor = DutyRule(MINOR, COUNTY, "u-minor")
    assert choose_rule(_rules(major, minor), CATS, REGIONS) is minor
    assert choose_rule(_rules(major), CATS, REGIONS) is major


def test_region_specificity_dominates_category_specificity():
    # a village rule for the major category beats a county rule for the minor one
    village_major = DutyRule(MAJOR, VILLAGE, "u-village")
    county_minor = DutyRule(MINOR, COUNTY, "u-county")
    decision = route(_rules(village_major, county_minor), CATS, REGIONS)
    assert decision.unit_id == "u-village"
    assert decision.rule is village_major


def test_route_with_rule():
    rule = DutyRule(MINOR, COUNTY, "u-lead", ("u-co1", "u-lead", "u-co2", "u-co1"))
    decision = route(_rules(rule), CATS, REGIONS)
    assert decision == RouteDecision("u-lead", ("u-co1", "u-co2"), rule, "rule")
    assert not decision.needs_review


def test_no_rule_goes_to_review():
    rule = DutyRule("A0101", CITY, "u-cgj")
    decision = route(_rules(rule), CATS, REGIONS)
    assert decision.unit_id is None
    assert decision.reason == "no_rule"
    assert decision.rule is None and decision.co_units == ()
    assert decision.needs_review
    assert choose_rule({}, CATS, REGIONS) is None


def test_no_category_goes_to_review():
    rule = DutyRule(MINOR, CITY, "u-x")
    decision = route(_rules(rule), [], REGIONS)
    assert decision.unit_id is None
    assert decision.reason == "no_category"


def test_low_confidence_goes_to_review():
    rules = _rules(DutyRule(MINOR, CITY, "u-x"))
    low = route(rules, CATS, REGIONS, confidence=0.3)
    assert low.unit_id is None and low.reason == "low_confidence" and low.needs_review
    assert route(rules, CATS, REGIONS, confidence=0.5).unit_id == "u-x"
    assert route(rules, CATS, REGIONS, confidence=0.9).unit_id == "u-x"
    assert route(rules, CATS, REGIONS, confidence=0.7, threshold=0.8).reason == "low_confidence"
    # None: a person chose the category, which is trusted
    assert route(rules, CATS, REGIONS, confidence=None).unit_id == "u-x"
    assert route(rules, CATS, REGIONS, confidence=0.0, threshold=0.0).unit_id == "u-x"


def test_rules_index():
    index = rules_index(
        [
            {"category": MINOR, "region": CITY, "lead": "u-a", "co_units": ["u-b"]},
            DutyRule(MAJOR, CITY, "u-c"),
        ]
    )
    assert index[(MINOR, CITY)] == DutyRule(MINOR, CITY, "u-a", ("u-b",))
    assert index[(MAJOR, CITY)].lead == "u-c"
    with pytest.raises(ValueError, match="duplicate"):
        rules_index([DutyRule(MINOR, CITY, "u-a"), DutyRule(MINOR, CITY, "u-b")])


@pytest.fixture(scope="module")
def demo():
    categories = load_categories()
    regions, units, rules, _ = load_demo_city(categories=categories)
    return (
        {c.code: c for c in categories},
        {r.code: r for r in regions},
        rules_index(rules),
    )


def _demo_route(demo, category, region, **kwargs):
    cats, regions, rules = demo
    return route(rules, category_chain(cats, category), region_chain(regions, region), **kwargs)


def test_demo_duty_list(demo):
    hongqi_community = "369902001001"  # 红旗社区, 红旗街道, 章水区
    chengdong = "369921100001"  # 城东社区, 城关镇, 崇山县
    meilin = "369921100201"  # 梅林村, 城关镇, 崇山县
    longgang_village = "369921200201"  # 龙岗村, 龙岗乡, 崇山县
    # village rules: property and neighbour disputes close in the community
    assert _demo_route(demo, "A1001", hongqi_community).unit_id == "u-vil-hongqi"
    assert _demo_route(demo, "A1306", meilin).unit_id == "u-vil-meilin"
    # 城东社区's village rule for 物业管理 beats 崇山县's county rule for 物业服务
    assert _demo_route(demo, "A1001", chengdong).unit_id == "u-vil-chengdong"
    assert _demo_route(demo, "A1001", meilin).unit_id == "u-cs-zjj"
    # township rule for 占道经营 in 红旗街道, district rule for the rest of 城市管理
    decision = _demo_route(demo, "A0101", hongqi_community)
    assert decision.unit_id == "u-twp-hongqi" and decision.co_units == ("u-zs-cgj",)
    assert _demo_route(demo, "A0103", "369902101001").unit_id == "u-zs-cgj"
    # city rules: a minor's own unit, else the major's department
    gas = _demo_route(demo, "A0901", meilin)
    assert gas.unit_id == "u-co-gas" and "u-city-yjj" in gas.co_units
    assert _demo_route(demo, "A0301", meilin).unit_id == "u-city-scj"
    # landslide in 龙岗乡: the township leads
    assert _demo_route(demo, "A0902", longgang_village).unit_id == "u-twp-longgang"
    assert _demo_route(demo, "A0902", meilin).unit_id == "u-city-zrzyj"
    # 政策咨询 has no rule anywhere: dispatch review
    assert _demo_route(demo, "A1504", meilin).reason == "no_rule"
    assert _demo_route(demo, "A0101", meilin, confidence=0.2).reason == "low_confidence"
