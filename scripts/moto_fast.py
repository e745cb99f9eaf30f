"""moto's DynamoDB item encoding made cheap: the one patch both the integration tier (in-process
moto, tests/integration/conftest.py) and the local stack (scripts/moto_server.py) apply.

moto 5 writes every DynamoDB (and DynamoDB Streams) response through its generic, model-driven
serializer. An item attribute is a union of ten members (S, N, B, SS, NS, BS, M, L, NULL, BOOL),
and the serializer tries each member under two spellings for every attribute of every item:
profiled on the integration tier, that walk was the largest single cost of a test. An attribute
value reaches the serializer already in its wire form ({"S": "..."}, bytes for B), so it is written
as it is, with binary values base64-encoded exactly as the serializer encodes them. Everything
else (which members a response has, timestamps, errors) still goes through moto's serializer.

``verify=True`` (env ``MINYI_MOTO_FAST_VERIFY=1``) also runs moto's own walk for every attribute
value and fails on any difference: how tests/unit/test_moto_fast.py and a full integration run
showed the two agree.
"""

from __future__ import annotations

import base64
import copy
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

SERVICES = ("dynamodb", "dynamodbstreams")
_SCALARS = ("S", "N", "NULL", "BOOL")
_SCALAR_SETS = ("SS", "NS")


def _b64(value: str | bytes) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return base64.b64encode(value).strip().decode("utf-8")


def wire(value: dict) -> dict | None:
    """An attribute value in its JSON wire form, or None when it is not one this knows exactly
    (the caller then lets moto's serializer handle it)."""
    if len(value) != 1:
        return None
    (kind, inner), = value.items()
    if inner is None:
        return None
    if kind in _SCALARS:
        return {kind: inner}
    if kind in _SCALAR_SETS:
        return {kind: list(inner)}
    if kind == "B":
        return {"B": _b64(inner)}
    if kind == "BS":
        return {"BS": [_b64(v) for v in inner]}
    if kind == "M":
        out = {}
        for name, member in inner.items():
            encoded = wire(member) if isinstance(member, dict) else None
            if encoded is None:
                return None
            out[name] = encoded
        return {"M": out}
    if kind == "L":
        items = []
        for member in inner:
            encoded = wire(member) if isinstance(member, dict) else None
            if encoded is None:
                return None
            items.append(encoded)
        return {"L": items}
    return None


def patch_serializer(verify: bool = False) -> Callable[[], None]:
    """Encode DynamoDB attribute values directly; returns the function that undoes it."""
    from moto.core.serialize import BaseJSONSerializer

    original = BaseJSONSerializer._serialize          # inherited from ResponseSerializer

    def _serialize(self, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if (key and shape.name == "AttributeValue" and isinstance(value, dict)
                and self.service_model.service_name in SERVICES):
            encoded = wire(value)
            if encoded is not None:
                name = self.get_serialized_name(shape, key)
                if verify:
                    slow: dict = {}
                    original(self, slow, value, shape, key)
                    if slow.get(name) != encoded:
                        raise AssertionError(f"moto_fast: {encoded!r} != moto's {slow.get(name)!r}")
                serialized[name] = encoded
                return
        original(self, serialized, value, shape, key)

    _serialize.__wrapped__ = original
    BaseJSONSerializer._serialize = _serialize

    def restore() -> None:
        del BaseJSONSerializer._serialize

    return restore


# --- transactions -------------------------------------------------------------------------------
# Before each TransactWriteItems, moto deep-copies every table the transaction names (every item,
# and every record of the table's stream) to restore it if an operation fails: the cost of one
# ticket change grew with everything stored before it (the authorization matrix spent most of its
# time there). The same backup is taken here at the cost of what the transaction can change: the
# table's item index copied one level (the items it does not name are shared, unchanged), deep
# copies of the items it names, and its stream's record list. moto then restores exactly as before.

_backup = threading.local()


def _touched(backend: Any, transact_items: list[dict]) -> dict[str, list[tuple]] | None:
    """Table name -> the (hash, range) keys the transaction names; None if any is unclear (then
    moto's full deep copy is taken, and moto reports the problem)."""
    touched: dict[str, list[tuple]] = {}
    try:
        for entry in transact_items:
            (op_type, op), = entry.items()
            table = backend.get_table(op["TableName"])
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            touched.setdefault(table.name, []).append(backend.get_keys_value(table, key))
    except Exception:       # noqa: BLE001 - moto's own checks report it, on the full copy
        return None
    return touched


def _table_backup(table: Any, keys: list[tuple], memo: dict) -> Any:
    result = copy.copy(table)
    memo[id(table)] = result
    items = defaultdict(dict)
    for hash_key, stored in table.items.items():
        items[hash_key] = dict(stored) if table.range_key_attr is not None else stored
    for hash_key, range_key in keys:
        if table.range_key_attr is None:
            if hash_key in table.items:
                items[hash_key] = copy.deepcopy(table.items[hash_key])
        elif range_key in table.items.get(hash_key, {}):
            items[hash_key][range_key] = copy.deepcopy(table.items[hash_key][range_key])
    result.items = items
    if table.stream_shard is not None:
        shard = copy.copy(table.stream_shard)
        shard.items = list(table.stream_shard.items)
        shard.table = result
        result.stream_shard = shard
    return result


def patch_transactions() -> Callable[[], None]:
    """Back up only what each TransactWriteItems can change; returns the function that undoes it."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items, *args, **kwargs):
        _backup.touched = _touched(self, transact_items)
        try:
            return original(self, transact_items, *args, **kwargs)
        finally:
            _backup.touched = None

    def __deepcopy__(table, memo):
        touched = getattr(_backup, "touched", None)
        if touched is not None and table.name in touched:
            return _table_backup(table, touched[table.name], memo)
        result = copy.copy(table)           # an ordinary deep copy, as without this patch
        memo[id(table)] = result
        for name, value in table.__dict__.items():
            setattr(result, name, copy.deepcopy(value, memo))
        return result

    transact_write_items.__wrapped__ = original
    DynamoDBBackend.transact_write_items = transact_write_items
    Table.__deepcopy__ = __deepcopy__

    def restore() -> None:
        DynamoDBBackend.transact_write_items = original
        del Table.__deepcopy__

    return restore


def _item_order(item: Any) -> Any:
    """The key moto's ``Table.all_items`` sorts by, as plain values: comparing DynamoType
    objects re-derives each value (``cast_value``) at every comparison, which made sorting a
    table the largest cost of a query or scan on a table of a few thousand items."""
    hash_value = item.hash_key.cast_value
    return (hash_value, item.range_key.cast_value) if item.range_key else hash_value


def patch_item_order() -> Callable[[], None]:
    """moto's table reads without sorting the whole table by DynamoType comparisons: returns
    the function that undoes it.

    - ``Table.all_items`` lists the items in the same order, keyed by plain values (every scan
      and index query sorts the whole table through it);
    - a query of the table itself (not an index) with a partition key lists only that
      partition: moto's own code lists every item of the table and keeps the partition's."""
    from moto.dynamodb.models.table import Table

    original_all, original_query = Table.all_items, Table.query

    def all_items(self) -> list:
        items: list = []
        for hash_set in self.items.values():
            if self.range_key_attr:
                items.extend(hash_set.values())
            else:
                items.append(hash_set)
        return sorted(items, key=_item_order)

    def query(self, hash_key, *args, **kwargs):
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None or "all_items" in self.__dict__:
            return original_query(self, hash_key, *args, **kwargs)
        part = self.items[hash_key] if hash_key in self.items else None
        if part is None:
            listed: list = []
        elif self.range_key_attr:
            listed = sorted(part.values(), key=_item_order)
        else:
            listed = [part]
        self.__dict__["all_items"] = lambda: listed
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            del self.__dict__["all_items"]

    all_items.__wrapped__, query.__wrapped__ = original_all, original_query
    Table.all_items, Table.query = all_items, query

    def restore() -> None:
        Table.all_items, Table.query = original_all, original_query

    return restore
