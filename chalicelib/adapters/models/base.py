"""What every table model shares: the billing mode, the table names from configuration, the
index meta."""

from __future__ import annotations

from pynamodb.indexes import (
    AllProjection,
)

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
