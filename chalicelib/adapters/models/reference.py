"""Reference data: units, regions, categories, the duty list."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.models import Model

from .base import _meta, index


class DutyContact(MapAttribute):
    """One person told at once of a unit's new, late or escalated ticket (seed 004)."""

    phone = UnicodeAttribute()
    role = UnicodeAttribute(null=True)


class UnitModel(Model):
    """A unit that handles tickets (a government office at some level, a department, a
    company), with its place in the hierarchy and the people told of its tickets."""

    Meta = _meta("units")

    unit_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    kind = UnicodeAttribute()                  # center | government | department | company
    level = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute()
    duty_phone = UnicodeAttribute(null=True)
    path = ListAttribute(of=UnicodeAttribute, default=list)   # self, parent, ..., top
    duty_contacts = ListAttribute(of=DutyContact, null=True)  # domain.catalog.duty_phones
    active = BooleanAttribute(default=True)    # deactivated by admin_unit (issue 15)

    by_parent = index("by_parent", "parent_id")


class RegionModel(Model):
    Meta = _meta("regions")

    region_code = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    level = UnicodeAttribute()
    parent_code = UnicodeAttribute(null=True)
    full_name = UnicodeAttribute()
    chain = ListAttribute(of=UnicodeAttribute, default=list)  # self, parent, ..., city

    by_parent = index("by_parent", "parent_code")


class CategoryModel(Model):
    Meta = _meta("categories")

    code = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    parent = UnicodeAttribute(null=True)
    level = NumberAttribute()
    keywords = ListAttribute(of=UnicodeAttribute, default=list)
    emergency = BooleanAttribute(default=False)
    default_type = UnicodeAttribute(null=True)
    position = NumberAttribute(default=0)


class DutyRuleModel(Model):
    Meta = _meta("duty_rules")

    category = UnicodeAttribute(hash_key=True)
    region_code = UnicodeAttribute(range_key=True)
    lead = UnicodeAttribute()
    co_units = ListAttribute(of=UnicodeAttribute, default=list)
