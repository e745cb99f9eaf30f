"""What every table model shares: the billing mode, the table names from configuration, the
index meta."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from ...config import settings

BILLING = "PAY_PER_REQUEST"
TTL_ATTRIBUTE = "expires_at"


class _Meta:
    region = settings.region
    billing_mode = BILLING


def _meta(table: str) -> type:
    return type("Meta", (_Meta,), {"table_name": settings.table(table)})


def _index_meta(name: str, projection=None) -> type:
    return type("Meta", (), {"index_name": name, "projection": projection or AllProjection(),
                             "billing_mode": BILLING})


def index(name: str, hash_key: str, range_key: str | None = None, *, projection=None,
          range_type: type = NumberAttribute) -> GlobalSecondaryIndex:
    """One index of a table model: ``name`` in DynamoDB, on a string hash key and an optional
    range key (a number unless ``range_type`` says otherwise), projecting everything unless
    ``projection`` says what."""
    attrs = {"Meta": _index_meta(name, projection), "__module__": __name__,
             hash_key: UnicodeAttribute(hash_key=True)}
    if range_key:
        attrs[range_key] = range_type(range_key=True)
    return type(f"{name}_index", (GlobalSecondaryIndex,), attrs)()
