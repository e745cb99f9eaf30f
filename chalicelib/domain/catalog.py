"""Reference data: the category tree, the demo city's regions and units, routed examples.

Everything here is pure Python and works on plain JSON (a path or an already parsed object), so
the same loaders serve the bundled files in ``data/`` and rows read from a database.
Invalid data raises ``ValueError`` with a message naming the offending entry.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DATA_DIR: pathlib.Path = pathlib.Path(__file__).resolve().parents[2] / "data"

CATEGORIES_FILE = "categories.json"
DEMO_CITY_FILE = "demo_city.json"
ROUTED_EXAMPLES_FILE = "routed_examples.json"

REQUEST_TYPES = frozenset({"consult", "complaint", "help", "suggestion", "report"})
REGION_LEVELS: tuple[str, ...] = ("village", "township", "county", "city")  # specific -> general
UNIT_KINDS = frozenset({"center", "government", "department", "company"})
STAFF_ROLES = frozenset({"handler", "dispatcher", "leader", "admin"})


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    parent: str | None
    keywords: tuple[str, ...]
    emergency: bool
    default_type: str | None
    level: int  # 1 major, 2 minor


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # village | township | county | city
    parent: str | None


@dataclass(frozen=True)
class UnitInfo:
    id: str
    name: str
    kind: str  # center | government | department | company
    level: str  # village | township | county | city
    parent: str | None
    region: str
    duty_phone: str | None
    # everyone told at once (seed 004: the village party secretary, the village police officer
    # and the cadre in charge): ({"role": ..., "phone": ...}, ...); empty: the duty phone alone
    duty_contacts: tuple[Mapping[str, str], ...] = ()


def duty_phones(unit: Any) -> tuple[str, ...]:
    """The phones a unit's SMS go to: each duty contact's (in order, once each), else its duty
    phone. ``unit``: anything with ``duty_contacts`` (maps or objects with ``phone``) and/or
    ``duty_phone`` (a UnitInfo, a stored unit)."""
    if unit is None:
        return ()
    phones: list[str] = []
    for contact in getattr(unit, "duty_contacts", None) or ():
        phone = contact.get("phone") if isinstance(contact, Mapping) else getattr(
            contact, "phone", None)
        if phone and phone not in phones:
            phones.append(phone)
    if not phones and getattr(unit, "duty_phone", None):
        phones.append(unit.duty_phone)
    return tuple(phones)


def _duty_contacts(raw: Any, what: str) -> tuple[Mapping[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"{what}: duty_contacts must be a list")
    contacts = []
    for i, contact in enumerate(raw):
        if not isinstance(contact, Mapping) or not isinstance(contact.get("phone"), str) or (
                not contact["phone"]):
            raise ValueError(f"{what}: duty_contacts[{i}] needs a phone")
        role = contact.get("role")
        if role is not None and not isinstance(role, str):
            raise ValueError(f"{what}: duty_contacts[{i}].role must be a string")
        contacts.append({"phone": contact["phone"], **({"role": role} if role else {})})
    return tuple(contacts)


def _read_json(path_or_obj: Any, default_name: str) -> Any:
    """A path (file or directory holding ``default_name``) is read; anything else is returned."""
    if isinstance(path_or_obj, (str, pathlib.Path)):
        path = pathlib.Path(path_or_obj)
        if path.is_dir():
            path = path / default_name
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    return path_or_obj


def _one_of(value, allowed, what: str, name: str, optional: bool = False):
    """``value`` if it is one of ``allowed`` (or absent, when ``optional``)."""
    if (optional and value is None) or value in allowed:
        return value
    raise ValueError(f"{what}: unknown {name} {value!r}")


def _require_str(entry: Mapping[str, Any], key: str, what: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what}: field {key!r} must be a non-empty string, got {value!r}")
    return value


def _keywords(raw: Any, what: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)) or not all(isinstance(k, str) and k.strip() for k in raw):
        raise ValueError(f"{what}: keywords must be a list of non-empty strings")
    return tuple(dict.fromkeys(k.strip() for k in raw))


def load_categories(path_or_dict: Any = None) -> list[Category]:
    """Load the two-level category tree, flattened: all majors first, then all minors.

    ``path_or_dict`` is a path to ``categories.json`` (default: the bundled one) or the parsed
    ``{"version": 1, "categories": [...]}`` object. Validates unique codes, that every minor's
    parent exists, that every minor has keywords and that ``default_type`` is a known type.
    """
    doc = _read_json(
        DATA_DIR / CATEGORIES_FILE if path_or_dict is None else path_or_dict, CATEGORIES_FILE
    )
    if not isinstance(doc, Mapping) or not isinstance(doc.get("categories"), list):
        raise ValueError("categories: expected an object with a 'categories' list")
    majors: list[Category] = []
    minors: list[Category] = []
    seen: set[str] = set()

    def claim(code: str) -> None:
        if code in seen:
            raise ValueError(f"categories: duplicate code {code!r}")
        seen.add(code)

    for major in doc["categories"]:
        code = _require_str(major, "code", "major category")
        what = f"category {code}"
        claim(code)
        majors.append(Category(
            code=code, name=_require_str(major, "name", what), parent=None,
            keywords=_keywords(major.get("keywords"), what),
            emergency=bool(major.get("emergency", False)), default_type=None, level=1))
        for minor in major.get("children") or ():
            mcode = _require_str(minor, "code", f"minor category under {code}")
            mwhat = f"category {mcode}"
            claim(mcode)
            parent = minor.get("parent", code)
            if parent != code:
                raise ValueError(f"{mwhat}: parent {parent!r} does not match major {code!r}")
            keywords = _keywords(minor.get("keywords"), mwhat)
            if not keywords:
                raise ValueError(f"{mwhat}: a minor category needs keywords")
            default_type = _one_of(minor.get("default_type"), REQUEST_TYPES, mwhat,
                                   "default_type", optional=True)
            minors.append(Category(
                code=mcode, name=_require_str(minor, "name", mwhat), parent=code,
                keywords=keywords, emergency=bool(minor.get("emergency", False)),
                default_type=default_type, level=2))
    return majors + minors


def category_chain(categories_by_code: Mapping[str, Category], code: str) -> list[str]:
    """Category then its ancestors, most specific first: ``[minor, major]`` or ``[major]``."""
    chain: list[str] = []
    current: str | None = code
    while current is not None:
        if current in chain:
            raise ValueError(f"category cycle at {current!r}")
        cat = categories_by_code.get(current)
        if cat is None:
            raise KeyError(current)
        chain.append(current)
        current = cat.parent
    return chain


def load_demo_city(
    path_or_dict: Any = None, categories: Iterable[Category] | None = None
) -> tuple[list[Region], list[UnitInfo], list[dict], list[dict]]:
    """Load regions, units, duty rules and staff, validating every reference.

    Regions and units form trees whose levels step down one at a time
    (city -> county -> township -> village); a unit's parent may sit at the same level
    (a city department under the city government). Duty rules must name existing units and
    regions, and existing categories when ``categories`` is given. Staff must belong to an
    existing unit and carry known roles. Duty rules and staff come back as normalized dicts.
    """
    doc = _read_json(
        DATA_DIR / DEMO_CITY_FILE if path_or_dict is None else path_or_dict, DEMO_CITY_FILE
    )
    if not isinstance(doc, Mapping):
        raise ValueError("demo city: expected an object")

    regions: list[Region] = []
    for raw in doc.get("regions") or ():
        code = _require_str(raw, "code", "region")
        level = raw.get("level")
        if level not in REGION_LEVELS:
            raise ValueError(f"region {code}: unknown level {level!r}")
        regions.append(
            Region(
                code=code,
                name=_require_str(raw, "name", f"region {code}"),
                level=level,
                parent=raw.get("parent"),
            )
        )
    regions_by_code = _unique({r.code: r for r in regions}, regions, "region")
    for region in regions:
        if region.parent is None:
            if region.level != "city":
                raise ValueError(f"region {region.code}: only a city may have no parent")
            continue
        parent = regions_by_code.get(region.parent)
        if parent is None:
            raise ValueError(f"region {region.code}: unknown parent {region.parent!r}")
        if REGION_LEVELS.index(parent.level) != REGION_LEVELS.index(region.level) + 1:
            raise ValueError(
                f"region {region.code}: a {region.level} cannot sit under a {parent.level}"
            )

    units: list[UnitInfo] = []
    for raw in doc.get("units") or ():
        uid = _require_str(raw, "id", "unit")
        what = f"unit {uid}"
        kind = _one_of(raw.get("kind"), UNIT_KINDS, what, "kind")
        level = _one_of(raw.get("level"), REGION_LEVELS, what, "level")
        phone = raw.get("duty_phone")
        if phone is not None and not isinstance(phone, str):
            raise ValueError(f"{what}: duty_phone must be a string")
        units.append(
            UnitInfo(
                id=uid,
                name=_require_str(raw, "name", what),
                kind=kind,
                level=level,
                parent=raw.get("parent"),
                region=_require_str(raw, "region", what),
                duty_phone=phone,
                duty_contacts=_duty_contacts(raw.get("duty_contacts"), what),
            )
        )
    units_by_id = _unique({u.id: u for u in units}, units, "unit")
    for unit in units:
        region = regions_by_code.get(unit.region)
        if region is None:
            raise ValueError(f"unit {unit.id}: unknown region {unit.region!r}")
        if region.level != unit.level:
            raise ValueError(f"unit {unit.id}: level {unit.level} but region is a {region.level}")
        if unit.parent is not None:
            parent_unit = units_by_id.get(unit.parent)
            if parent_unit is None:
                raise ValueError(f"unit {unit.id}: unknown parent {unit.parent!r}")
            if REGION_LEVELS.index(parent_unit.level) < REGION_LEVELS.index(unit.level):
                raise ValueError(f"unit {unit.id}: parent {parent_unit.id} is at a lower level")
    for unit in units:
        unit_ladder(units_by_id, unit.id)  # raises on cycles

    category_codes = None if categories is None else {c.code for c in categories}
    rules: list[dict] = []
    seen_keys: set[tuple[str, str]] = set()
    for raw in doc.get("duty_rules") or ():
        cat = _require_str(raw, "category", "duty rule")
        region = _require_str(raw, "region", f"duty rule {cat}")
        what = f"duty rule ({cat}, {region})"
        if (cat, region) in seen_keys:
            raise ValueError(f"{what}: duplicate")
        seen_keys.add((cat, region))
        if category_codes is not None and cat not in category_codes:
            raise ValueError(f"{what}: unknown category")
        if region not in regions_by_code:
            raise ValueError(f"{what}: unknown region")
        lead = _require_str(raw, "lead", what)
        co_units = list(raw.get("co_units") or ())
        for uid in (lead, *co_units):
            if uid not in units_by_id:
                raise ValueError(f"{what}: unknown unit {uid!r}")
        if lead in co_units:
            raise ValueError(f"{what}: the lead unit cannot also be a co-unit")
        rules.append({"category": cat, "region": region, "lead": lead, "co_units": co_units})

    staff: list[dict] = []
    seen_users: set[str] = set()
    for raw in doc.get("staff") or ():
        user = _require_str(raw, "user", "staff")
        what = f"staff {user}"
        if user in seen_users:
            raise ValueError(f"{what}: duplicate user")
        seen_users.add(user)
        unit_id = _require_str(raw, "unit", what)
        if unit_id not in units_by_id:
            raise ValueError(f"{what}: unknown unit {unit_id!r}")
        roles = list(raw.get("roles") or ())
        if not roles or any(role not in STAFF_ROLES for role in roles):
            raise ValueError(f"{what}: roles must be a non-empty subset of {sorted(STAFF_ROLES)}")
        staff.append(
            {"user": user, "name": _require_str(raw, "name", what), "unit": unit_id, "roles": roles}
        )
    return regions, units, rules, staff


def _unique(index: dict, items: list, what: str) -> dict:
    if len(index) != len(items):
        raise ValueError(f"{what}s: duplicate ids")
    return index


def _ancestry(by_id: Mapping[str, Region | UnitInfo], start: str, what: str) -> list[str]:
    """``start`` then its parents up to the top. ``KeyError`` for an unknown id, ``ValueError``
    on a cycle."""
    chain: list[str] = []
    current: str | None = start
    while current is not None:
        if current in chain:
            raise ValueError(f"{what} cycle at {current!r}")
        chain.append(current)
        current = by_id[current].parent
    return chain


def region_chain(regions_by_code: Mapping[str, Region], code: str) -> list[str]:
    """The region then its ancestors, most specific first: ``[village, township, county, city]``.

    Raises ``KeyError`` for an unknown code and ``ValueError`` on a cycle.
    """
    return _ancestry(regions_by_code, code, "region")


def unit_ladder(units_by_id: Mapping[str, UnitInfo], unit_id: str) -> list[str]:
    """The unit then its parents up to the top (the escalation ladder, 自下而上逐级).

    Raises ``KeyError`` for an unknown id and ``ValueError`` on a cycle.
    """
    return _ancestry(units_by_id, unit_id, "unit")


def load_routed_examples(path_or_list: Any = None) -> list[tuple[str, str]]:
    """Past routed tickets as ``(text, category)`` pairs, for training the classifier."""
    rows = _read_json(
        DATA_DIR / ROUTED_EXAMPLES_FILE if path_or_list is None else path_or_list,
        ROUTED_EXAMPLES_FILE,
    )
    if not isinstance(rows, list):
        raise ValueError("routed examples: expected a list")
    out: list[tuple[str, str]] = []
    for i, row in enumerate(rows):
        if isinstance(row, Mapping):
            text, cat = row.get("text"), row.get("category")
        else:
            text, cat = row
        if not isinstance(text, str) or not isinstance(cat, str) or not text or not cat:
            raise ValueError(f"routed example #{i}: needs non-empty text and category")
        out.append((text, cat))
    return out
