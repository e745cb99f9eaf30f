"""Load reference data (regions, units, categories, duty list) into the tables.

The demo city ships in ``data/``; a real city loads its own files through the same function
(an admin Lambda, or ``scripts/local_stack.py seed``). Loading is idempotent: items are put.
"""

from __future__ import annotations

import datetime as dt

from ..domain.catalog import DATA_DIR, load_categories, load_demo_city, region_chain, unit_ladder
from ..wiring import container
from . import sla_service

# A year the holiday package does not know yet falls back to weekends; the demo city declares
# the fixed-date New Year holiday of 2027 so its first deadlines of the year are right.
DEMO_OVERRIDES = {dt.date(2027, 1, 1): False}


def seed(categories_path=None, city_path=None, overrides=DEMO_OVERRIDES) -> dict:
    categories = load_categories(categories_path or DATA_DIR / "categories.json")
    regions, units, rules, staff = load_demo_city(city_path or DATA_DIR / "demo_city.json")
    regions_by_code = {r.code: r for r in regions}
    units_by_id = {u.id: u for u in units}
    container.reference.load(
        categories=[dict(code=c.code, name=c.name, parent=c.parent, level=c.level,
                         keywords=list(c.keywords), emergency=c.emergency,
                         default_type=c.default_type, position=position)
                    for position, c in enumerate(categories)],
        regions=[_region(regions_by_code, r) for r in regions],
        units=[dict(unit_id=u.id, name=u.name, kind=u.kind, level=u.level, parent_id=u.parent,
                    region_code=u.region, duty_phone=u.duty_phone,
                    duty_contacts=[dict(c) for c in u.duty_contacts] or None,
                    path=unit_ladder(units_by_id, u.id)) for u in units],
        duty_rules=[dict(category=rule["category"], region_code=rule["region"],
                         lead=rule["lead"], co_units=list(rule.get("co_units") or []))
                    for rule in rules])
    for day, working in (overrides or {}).items():
        sla_service.set_calendar_override(day, working, note="demo seed")
    container.reference.clear()
    return {"categories": len(categories), "regions": len(regions), "units": len(units),
            "duty_rules": len(rules), "staff": len(staff)}


def _region(regions_by_code: dict, r) -> dict:
    chain = region_chain(regions_by_code, r.code)
    full = "".join(regions_by_code[c].name for c in reversed(chain))
    return dict(region_code=r.code, name=r.name, level=r.level, parent_code=r.parent,
                full_name=full, chain=chain)


def demo_staff() -> list[dict]:
    return load_demo_city(DATA_DIR / "demo_city.json")[3]
