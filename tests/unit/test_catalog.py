import copy
import json
import re

import pytest

from chalicelib.domain import catalog
from chalicelib.domain.catalog import (
    DATA_DIR,
    Category,
    category_chain,
    load_categories,
    load_demo_city,
    load_routed_examples,
    region_chain,
    unit_ladder,
)

CITY = "369900000000"
HONGQI_COMMUNITY = "369902001001"


@pytest.fixture(scope="module")
def categories():
    return load_categories(DATA_DIR / "categories.json")


@pytest.fixture(scope="module")
def city(categories):
    return load_demo_city(DATA_DIR / "demo_city.json", categories=categories)


@pytest.fixture(scope="module")
def city_doc():
    return json.loads((DATA_DIR / "demo_city.json").read_text(encoding="utf-8"))


def test_data_dir_is_repo_data():
    assert DATA_DIR.name == "data"
    assert (DATA_DIR.parent / "chalicelib").is_dir()


def test_category_tree_size_and_shape(categories):
    majors = [c for c in categories if c.level == 1]
    minors = [c for c in categories if c.level == 2]
    assert len(majors) >= 15
    assert len(minors) >= 80
    # flattened: all majors first, then all minors
    assert categories[: len(majors)] == majors
    assert all(isinstance(c, Category) for c in categories)
    major_codes = {c.code for c in majors}
    assert all(c.parent in major_codes for c in minors)
    assert all(c.code.startswith(c.parent) for c in minors)
    assert len({c.code for c in categories}) == len(categories)
    assert {"城市管理", "市场监管", "物业管理", "水电气暖", "劳动社保"} <= {c.name for c in majors}


def test_every_minor_has_keywords_and_a_type(categories):
    for cat in categories:
        if cat.level == 2:
            assert 4 <= len(cat.keywords) <= 10, cat.code
            assert cat.default_type in catalog.REQUEST_TYPES, cat.code


def test_emergency_categories(categories):
    emergency = {c.name for c in categories if c.emergency}
    assert len(emergency) >= 3
    assert {"燃气泄漏", "地质灾害", "交通事故救援"} <= emergency
    assert all(c.level == 2 for c in categories if c.emergency)


def test_category_chain(categories):
    by_code = {c.code: c for c in categories}
    assert category_chain(by_code, "A0101") == ["A0101", "A01"]
    assert category_chain(by_code, "A01") == ["A01"]
    with pytest.raises(KeyError):
        category_chain(by_code, "Z99")


def _categories_doc():
    return json.loads((DATA_DIR / "categories.json").read_text(encoding="utf-8"))


def test_load_categories_accepts_a_dict_and_the_default():
    assert load_categories(_categories_doc()) == load_categories()


def test_load_categories_rejects_duplicate_codes():
    doc = _categories_doc()
    doc["categories"][1]["children"][0]["code"] = doc["categories"][0]["children"][0]["code"]
    with pytest.raises(ValueError, match="duplicate"):
        load_categories(doc)


def test_load_categories_rejects_wrong_parent_and_missing_keywords():
    doc = _categories_doc()
    doc["categories"][0]["children"][0]["parent"] = "Z99"
    with pytest.raises(ValueError, match="parent"):
        load_categories(doc)
    doc = _categories_doc()
    doc["categories"][0]["children"][0]["keywords"] = []
    with pytest.raises(ValueError, match="keywords"):
        load_categories(doc)


def test_regions(city):
    regions, _, _, _ = city
    assert len(regions) == 15
    levels = [r.level for r in regions]
    assert levels.count("city") == 1
    assert levels.count("county") == 2
    assert levels.count("township") == 4
    assert levels.count("village") == 8
    by_code = {r.code: r for r in regions}
    parent_level = {"county": "city", "township": "county", "village": "township"}
    for region in regions:
        assert re.fullmatch(r"\d{12}", region.code)
        if region.level == "city":
            assert region.parent is None
        else:
            assert by_code[region.parent].level == parent_level[region.level]
    children = {}
    for region in regions:
        children.setdefault(region.parent, []).append(region.code)
    for region in regions:
        if region.level != "village":
            assert len(children[region.code]) == 2, region.name


def test_region_chain(city):
    regions, _, _, _ = city
    by_code = {r.code: r for r in regions}
    chain = region_chain(by_code, HONGQI_COMMUNITY)
    assert chain == [HONGQI_COMMUNITY, "369902001000", "369902000000", CITY]
    assert [by_code[c].level for c in chain] == ["village", "township", "county", "city"]
    assert region_chain(by_code, CITY) == [CITY]
    with pytest.raises(KeyError):
        region_chain(by_code, "000000000000")


def test_units(city):
    regions, units, _, _ = city
    by_id = {u.id: u for u in units}
    assert len(by_id) == len(units)
    assert by_id["u-center"].kind == "center"
    assert by_id["u-gov-city"].parent is None
    kinds = {u.kind for u in units}
    assert kinds == {"center", "government", "department", "company"}
    names = {u.name for u in units}
    for dept in (
        "住房和城乡建设局",
        "城市管理局",
        "交通运输局",
        "市场监督管理局",
        "生态环境局",
        "人力资源和社会保障局",
        "教育局",
        "卫生健康委员会",
    ):
        assert "赣南市" + dept in names
    for company in ("供水", "燃气", "供电"):
        assert any(company in u.name and u.kind == "company" for u in units)
    region_codes = {r.code for r in regions}
    for unit in units:
        assert unit.region in region_codes
        assert re.fullmatch(r"\+861[3-9]\d{9}", unit.duty_phone), unit.id
    assert len({u.duty_phone for u in units}) == len(units)
    villages = [u for u in units if u.level == "village"]
    assert len(villages) == 8
    assert all(u.kind == "government" for u in villages)


def test_duty_phones_are_valid_mobile_numbers(city):
    phonenumbers = pytest.importorskip("phonenumbers")
    _, units, _, _ = city
    for unit in units:
        number = phonenumbers.parse(unit.duty_phone)
        assert phonenumbers.is_valid_number(number), unit.duty_phone
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def test_unit_ladder_from_village_reaches_city_government(city):
    _, units, _, _ = city
    by_id = {u.id: u for u in units}
    ladder = unit_ladder(by_id, "u-vil-hongqi")
    assert ladder == ["u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city"]
    assert [by_id[u].level for u in ladder] == ["village", "township", "county", "city"]
    for unit in units:
        if unit.level == "village":
            ladder = unit_ladder(by_id, unit.id)
            assert len(ladder) == 4 and ladder[-1] == "u-gov-city"
            assert (
                by_id[ladder[1]].region
                == region_chain({r.code: r for r in city[0]}, unit.region)[1]
            )


def test_duty_rules_reference_existing_things(city, categories):
    regions, units, rules, _ = city
    unit_ids = {u.id for u in units}
    region_codes = {r.code for r in regions}
    category_codes = {c.code for c in categories}
    assert len(rules) >= 30
    for rule in rules:
        assert rule["category"] in category_codes
        assert rule["region"] in region_codes
        assert rule["lead"] in unit_ids
        assert set(rule["co_units"]) <= unit_ids
    by_level = {r.code: r.level for r in regions}
    levels = {by_level[rule["region"]] for rule in rules}
    assert levels == {"village", "township", "county", "city"}
    assert len({(r["category"], r["region"]) for r in rules}) == len(rules)


def test_staff(city):
    _, units, _, staff = city
    unit_ids = {u.id for u in units}
    by_user = {s["user"]: s for s in staff}
    assert all(s["unit"] in unit_ids for s in staff)
    assert "dispatcher" in by_user["disp_liumin"]["roles"]
    assert by_user["disp_liumin"]["unit"] == "u-center"
    assert "admin" in by_user["admin_zhouping"]["roles"]
    assert by_user["lead_cs_huang"]["unit"] == "u-gov-chongshan"
    assert "leader" in by_user["lead_cs_huang"]["roles"]
    assert by_user["h_vil_hongqi_chen"]["unit"] == "u-vil-hongqi"
    handler_units = {s["unit"] for s in staff if "handler" in s["roles"]}
    assert len(handler_units) >= 2
    assert any(u.startswith("u-vil-") for u in handler_units)


def test_demo_city_rejects_broken_references(city_doc, categories):
    doc = copy.deepcopy(city_doc)
    doc["duty_rules"][0]["lead"] = "u-nowhere"
    with pytest.raises(ValueError, match="unknown unit"):
        load_demo_city(doc)
    doc = copy.deepcopy(city_doc)
    doc["duty_rules"][0]["category"] = "Z99"
    with pytest.raises(ValueError, match="unknown category"):
        load_demo_city(doc, categories=categories)
    doc = copy.deepcopy(city_doc)
    doc["units"][-1]["parent"] = "u-nowhere"
    with pytest.raises(ValueError, match="unknown parent"):
        load_demo_city(doc)
    doc = copy.deepcopy(city_doc)
    doc["regions"][-1]["parent"] = CITY  # a village directly under the city
    with pytest.raises(ValueError, match="cannot sit under"):
        load_demo_city(doc)
    doc = copy.deepcopy(city_doc)
    doc["staff"][0]["roles"] = ["superuser"]
    with pytest.raises(ValueError, match="roles"):
        load_demo_city(doc)


def test_unit_ladder_detects_cycles(city_doc):
    doc = copy.deepcopy(city_doc)
    for unit in doc["units"]:
        if unit["id"] == "u-gov-city":
            unit["parent"] = "u-center"
    with pytest.raises(ValueError, match="cycle"):
        load_demo_city(doc)


def test_routed_examples(categories):
    examples = load_routed_examples()
    minors = {c.code for c in categories if c.level == 2}
    assert 100 <= len(examples) <= 250
    assert all(cat in minors for _, cat in examples)
    assert all(text.strip() for text, _ in examples)
    assert len({cat for _, cat in examples}) >= 80
