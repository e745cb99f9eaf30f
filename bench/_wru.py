"""Write units of DynamoDB writes, computed from the items before and after each write by the
billing rules (moto reports no real consumed capacity). Not a bench: imported by bench/wru.py and
bench/cost.py after ``_harness``.

Rules applied (on-demand; https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/
read-write-operations.html, provisioned-capacity "Write Capacity Units", GSI "Provisioned
Throughput Considerations"):

- a PutItem/UpdateItem/DeleteItem on the table: 1 WRU per started KB of the larger of the item
  before and after the write; a write refused by its condition still costs 1 WRU per KB of the
  item (here: of the item as it stands);
- inside TransactWriteItems: twice that, per item (ConditionCheck: 2 WRU per KB as well);
- each GSI: an index entry put, deleted, or (key change) deleted and put, 1 WRU per started KB of
  the index entry (table keys + index keys + projected attributes); an update that changes
  neither the entry's key nor a projected attribute writes nothing to the index. GSI writes of a
  transaction are not doubled.
"""

from __future__ import annotations

import math
import os
from collections import Counter

from _harness import calls, item_size

KB = 1024


def _units(size: int) -> int:
    return max(1, math.ceil(size / KB))


class Schema:
    """Key schema and GSIs (keys, projection) of every table, from DescribeTable."""

    def __init__(self, client):
        self.tables: dict[str, dict] = {}
        self.client = client

    def of(self, name: str) -> dict:
        if name not in self.tables:
            with calls.paused():
                t = self.client.describe_table(TableName=name)["Table"]
            keys = [k["AttributeName"] for k in t["KeySchema"]]
            gsis = []
            for g in t.get("GlobalSecondaryIndexes", []):
                proj = g["Projection"]
                gsis.append({"name": g["IndexName"],
                             "keys": [k["AttributeName"] for k in g["KeySchema"]],
                             "type": proj["ProjectionType"],
                             "include": proj.get("NonKeyAttributes", [])})
            self.tables[name] = {"keys": keys, "gsis": gsis}
        return self.tables[name]


def index_entry(item: dict | None, gsi: dict, table_keys: list[str]) -> dict | None:
    if not item or any(k not in item for k in gsi["keys"]):
        return None
    if gsi["type"] == "ALL":
        return dict(item)
    names = set(table_keys) | set(gsi["keys"])
    if gsi["type"] == "INCLUDE":
        names |= set(gsi["include"])
    return {k: v for k, v in item.items() if k in names}


def gsi_units(old: dict | None, new: dict | None, gsi: dict, table_keys: list[str]) -> int:
    before, after = index_entry(old, gsi, table_keys), index_entry(new, gsi, table_keys)
    if before is None and after is None:
        return 0
    if before is None:
        return _units(item_size(after))
    if after is None:
        return _units(item_size(before))
    if any(before.get(k) != after.get(k) for k in gsi["keys"]):
        return _units(item_size(before)) + _units(item_size(after))
    if before != after:
        return _units(max(item_size(before), item_size(after)))
    return 0


class WriteMeter:
    """Hooks every DynamoDB client (through ``_harness``'s create_client wrapper) to price its
    writes. ``units`` by (table, "table"|index name); ``reset()`` between operations."""

    WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}

    def __init__(self):
        import boto3
        self.client = boto3.client("dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"])
        self.schema = Schema(self.client)
        self.prefix = os.environ["MINYI_TABLE_PREFIX"]
        self.units: Counter[tuple[str, str]] = Counter()
        self._pending: dict[int, list] = {}
        calls.observers.append(self)

    def reset(self) -> None:
        self.units.clear()

    @property
    def total(self) -> int:
        return sum(self.units.values())

    def _get(self, table: str, key: dict) -> dict | None:
        with calls.paused():
            return self.client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")

    def _targets(self, op: str, params: dict) -> list[tuple[str, dict, int]]:
        """(table, key, base multiplier) of each item the write touches."""
        out = []
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            table = params["TableName"]
            keys = self.schema.of(table)["keys"]
            source = params.get("Item") or params.get("Key") or {}
            out.append((table, {k: source[k] for k in keys}, 1))
        elif op == "TransactWriteItems":
            for entry in params["TransactItems"]:
                (kind, body), = entry.items()
                table = body["TableName"]
                keys = self.schema.of(table)["keys"]
                source = body.get("Item") or body.get("Key") or {}
                out.append((table, {k: source[k] for k in keys}, 2))
        elif op == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                keys = self.schema.of(table)["keys"]
                for r in requests:
                    source = (r.get("PutRequest") or {}).get("Item") or \
                        (r.get("DeleteRequest") or {}).get("Key")
                    out.append((table, {k: source[k] for k in keys}, 1))
        return out

    def price_transaction(self, table: str, old: dict | None, new: dict | None) -> int:
        """The units of one item written inside a transaction by something this meter does not
        see (the sweep state machine's task, run by moto itself): the same rules."""
        schema = self.schema.of(table)
        size = max(item_size(old) if old else 0, item_size(new) if new else 0)
        return 2 * _units(size) + sum(gsi_units(old, new, gsi, schema["keys"])
                                      for gsi in schema["gsis"])

    def before(self, service: str, op: str, params: dict, context: dict) -> None:
        if service != "dynamodb" or op not in self.WRITES:
            return
        targets = self._targets(op, params)
        context["minyi_wru"] = [(t, k, m, self._get(t, k)) for t, k, m in targets]

    def after(self, service: str, op: str, context: dict, failed: bool) -> None:
        for table, key, mult, old in context.pop("minyi_wru", []) or []:
            new = old if failed else self._get(table, key)
            name = table.removeprefix(self.prefix)
            size = max(item_size(old) if old else 0, item_size(new) if new else 0)
            self.units[(name, "table")] += mult * _units(size)
            if failed:
                continue
            schema = self.schema.of(table)
            for gsi in schema["gsis"]:
                u = gsi_units(old, new, gsi, schema["keys"])
                if u:
                    self.units[(name, gsi["name"])] += u
