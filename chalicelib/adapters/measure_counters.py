"""Measure counters in the registry table, applied once per timeline entry.

Key scheme (registry table): ``pk = "m#<scope>#<YYYY-MM-DD>"``, ``sk = <scope_id>``; each
counter is a top-level number attribute (``received``, ``replied_on_time``...). One Query per
(scope, day) returns that day's counters for every unit (or place, or category): a month's
report for every unit reads units x days items, whatever the number of tickets.

The monitoring pool (工单监测池) is kept next to them: ``pk = "pool#<unit_id>"``,
``sk = <ticket_id>``.

Idempotency: the counter updates of one timeline entry (``ADD`` per item) and its pool changes
are one ``TransactWriteItems`` with a marker ``mapplied#<ticket>#<entry sk>#<counter set>`` in
the ephemeral table, conditioned on its absence. A replayed stream record fails the condition
and changes nothing. Markers live 30 days (a stream keeps records for 24 hours).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ..domain.measures import Key
from . import keys
from .models import EphemeralModel, RegistryModel

MARKER_TTL = 30 * 86400
MAX_TRANSACTION = 100
_ser, _de = TypeSerializer(), TypeDeserializer()


def counter_pk(scope: str, day: str) -> str:
    return keys.measure_counters(scope, day)


def pool_pk(unit_id: str) -> str:
    return keys.pool(unit_id)


def plain(image: dict) -> dict:
    """A stream record's image (DynamoDB JSON) as plain Python values."""
    out = {}
    for name, value in image.items():
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in (
                "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"):
            value = _de.deserialize(value)
        out[name] = _number(value)
    return out


def _number(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_number(v) for v in value]
    return value


class TransactionTooLarge(Exception):
    pass


class CounterStore:
    def __init__(self, client):
        self._client = client
        self.items_read = 0          # for the bench: counter items returned by queries
        self.queries = 0

    @property
    def _registry(self) -> str:
        return RegistryModel.Meta.table_name

    @property
    def _ephemeral(self) -> str:
        return EphemeralModel.Meta.table_name

    # ------------------------------------------------------------------ writes
    def apply(self, marker: str, deltas: Iterable[tuple[Key, str, int]], pool: Iterable[tuple],
              now: float) -> bool:
        """Apply one entry's deltas and pool changes once. False if it was applied before."""
        items: list[dict] = [{"Put": {
            "TableName": self._ephemeral,
            "Item": {"pk": {"S": marker}, "expires_at": {"N": str(int(now + MARKER_TTL))}},
            "ConditionExpression": "attribute_not_exists(pk)"}}]
        by_key: dict[Key, dict[str, int]] = {}
        for key, name, delta in deltas:
            fields = by_key.setdefault(key, {})
            fields[name] = fields.get(name, 0) + delta
        for key, fields in by_key.items():
            fields = {k: v for k, v in fields.items() if v}
            if not fields:
                continue
            names = {f"#f{i}": name for i, name in enumerate(fields)}
            values = {f":v{i}": {"N": str(v)} for i, v in enumerate(fields.values())}
            values[":t"] = {"N": str(int(now))}
            adds = ", ".join(f"#f{i} :v{i}" for i in range(len(fields)))
            items.append({"Update": {
                "TableName": self._registry,
                "Key": {"pk": {"S": counter_pk(key.scope, key.day)}, "sk": {"S": key.scope_id}},
                "UpdateExpression": f"SET updated_at = :t ADD {adds}",
                "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}})
        for op, unit_id, ticket_id, data in pool:
            key = {"pk": {"S": pool_pk(unit_id)}, "sk": {"S": ticket_id}}
            if op == "put":
                items.append({"Put": {"TableName": self._registry, "Item": {
                    **key, "data": {"S": _json(data)}, "updated_at": {"N": str(int(now))}}}})
            else:
                items.append({"Delete": {"TableName": self._registry, "Key": key}})
        if len(items) > MAX_TRANSACTION:
            raise TransactionTooLarge(f"{len(items)} items for {marker}")
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = exc.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def replace_day(self, scope: str, day: str, counters: dict[str, dict[str, int]],
                    now: float) -> None:
        """Recompute: the day's items for this scope become exactly ``counters``."""
        pk = counter_pk(scope, day)
        existing = {item["sk"] for item in self._query(pk, count=False)}
        requests = []
        for sk in existing - set(counters):
            requests.append({"DeleteRequest": {"Key": {"pk": {"S": pk}, "sk": {"S": sk}}}})
        for sk, fields in counters.items():
            item = {"pk": {"S": pk}, "sk": {"S": sk}, "updated_at": {"N": str(int(now))}}
            item.update({k: {"N": str(v)} for k, v in fields.items() if v})
            requests.append({"PutRequest": {"Item": item}})
        for i in range(0, len(requests), 25):
            pending = {self._registry: requests[i:i + 25]}
            while pending:
                out = self._client.batch_write_item(RequestItems=pending)
                pending = out.get("UnprocessedItems") or {}

    # ------------------------------------------------------------------ reads
    def _query(self, pk: str, count: bool = True) -> list[dict]:
        kwargs = {"TableName": self._registry, "KeyConditionExpression": "pk = :pk",
                  "ExpressionAttributeValues": {":pk": {"S": pk}}}
        out = []
        while True:
            page = self._client.query(**kwargs)
            if count:
                self.queries += 1
                self.items_read += len(page.get("Items", []))
            out += [plain(item) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def day(self, scope: str, day: str) -> dict[str, dict[str, int]]:
        """Every scope id's counters for one day."""
        out = {}
        for item in self._query(counter_pk(scope, day)):
            sk = item.pop("sk")
            for name in ("pk", "updated_at"):
                item.pop(name, None)
            out[sk] = item
        return out

    def tickets_with_entries_since(self, ts: float) -> set[str]:
        """Recompute: every ticket with a timeline entry at or after ``ts`` (a table scan)."""
        from .models import TicketEventModel
        kwargs = {"TableName": TicketEventModel.Meta.table_name, "ProjectionExpression":
                  "ticket_id", "FilterExpression": "#at >= :ts",
                  "ExpressionAttributeNames": {"#at": "at"},
                  "ExpressionAttributeValues": {":ts": {"N": repr(float(ts))}}}
        out = set()
        while True:
            page = self._client.scan(**kwargs)
            out |= {item["ticket_id"]["S"] for item in page.get("Items", [])}
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def pool(self, unit_id: str) -> list[dict]:
        import json
        return [{"ticket_id": item["sk"], **json.loads(item.get("data") or "{}")}
                for item in self._query(pool_pk(unit_id), count=False)]

    def pool_count(self, unit_id: str) -> int:
        page = self._client.query(
            TableName=self._registry, KeyConditionExpression="pk = :pk", Select="COUNT",
            ExpressionAttributeValues={":pk": {"S": pool_pk(unit_id)}})
        return int(page.get("Count", 0))


class HotspotStore:
    """Hotspots (HotspotDetected): ``pk = "hotspot"``, ``sk = <period>#<kind>#<place>#<category>``;
    the conditional put is what makes each hotspot fire once per period."""

    PK = "hotspot"

    def __init__(self, client):
        self._client = client

    def record(self, sk: str, data: dict, now: float) -> bool:
        try:
            self._client.put_item(
                TableName=RegistryModel.Meta.table_name,
                Item={"pk": {"S": self.PK}, "sk": {"S": sk}, "data": {"S": _json(data)},
                      "updated_at": {"N": str(int(now))}},
                ConditionExpression="attribute_not_exists(sk)")
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise

    def between(self, first: str, last: str) -> list[dict]:
        """Hotspots whose period id sorts in [first, last] (``2026-11``, ``2026-W48``...)."""
        import json
        kwargs = {"TableName": RegistryModel.Meta.table_name,
                  "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
                  "ExpressionAttributeValues": {":pk": {"S": self.PK}, ":a": {"S": first},
                                                ":b": {"S": last + "~"}}}
        out = []
        while True:
            page = self._client.query(**kwargs)
            out += [{"id": i["sk"]["S"], **json.loads(i["data"]["S"])} for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return out
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _json(data) -> str:
    import json
    return json.dumps(data, ensure_ascii=False, sort_keys=True)
