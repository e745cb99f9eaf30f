"""PynamoDB models: the one definition of every table, its keys and its indexes.

The local stack (``scripts/local_stack.py``) and the CDK app (``infra/``) both build tables from
``ALL_MODELS`` via :func:`table_specs`, so the two can't drift. Access patterns: docs/data-model.md.
"""

from __future__ import annotations

from pynamodb.models import Model

from .base import (  # noqa: F401 - the one import path of the table models
    BILLING,
    TTL_ATTRIBUTE,
)
from .records import (  # noqa: F401 - the one import path of the table models
    CounterModel,
    EffectsMarkerModel,
    EphemeralModel,
    RegistryModel,
)
from .reference import (  # noqa: F401 - the one import path of the table models
    CategoryModel,
    DutyRuleModel,
    RegionModel,
    UnitModel,
)
from .tickets import (  # noqa: F401 - the one import path of the table models
    CITIZEN_LIST_ATTRIBUTES,
    DEADLINE_INDEX_ATTRIBUTES,
    STAFF_LIST_ATTRIBUTES,
    LocationMap,
    TicketEventModel,
    TicketModel,
)

ALL_MODELS: tuple[type[Model], ...] = (
    TicketModel, TicketEventModel, UnitModel, RegionModel, CategoryModel, DutyRuleModel,
    RegistryModel, EphemeralModel,
)
TTL_TABLES = {EphemeralModel: TTL_ATTRIBUTE}
# The timeline's stream is the outbox (services/outbox.py): new entries only, as written.
STREAM_TABLES = {TicketEventModel: "NEW_IMAGE"}


def _keys(key_schema: list[dict]) -> list[tuple[str, str]]:
    keys = [(k["AttributeName"], k["KeyType"]) for k in key_schema]
    return sorted(keys, key=lambda k: k[1] != "HASH")


def table_specs() -> list[dict]:
    """Each table as a provider-neutral spec: name, key schema, attributes, GSIs, TTL attribute.

    Used by the local provisioner and by infra/ to build the same tables.
    """
    specs = []
    for model in ALL_MODELS:
        schema = model._get_schema()
        gsis = []
        for index in sorted(schema.get("global_secondary_indexes", []),
                            key=lambda i: i["index_name"]):
            gsi = {
                "name": index["index_name"],
                "key_schema": _keys(index["key_schema"]),
                "projection": index["projection"]["ProjectionType"],
            }
            if index["projection"].get("NonKeyAttributes"):
                gsi["non_key_attributes"] = list(index["projection"]["NonKeyAttributes"])
            gsis.append(gsi)
        specs.append({
            "logical": model.__name__.removesuffix("Model"),
            "table_name": model.Meta.table_name,
            "key_schema": _keys(schema["key_schema"]),
            "attributes": {a["AttributeName"]: a["AttributeType"]
                           for a in schema["attribute_definitions"]},
            "gsis": gsis,
            "ttl_attribute": TTL_TABLES.get(model),
            "stream": STREAM_TABLES.get(model),
        })
    return specs
