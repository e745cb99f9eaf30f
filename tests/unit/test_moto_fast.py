"""The local stack's and the integration tier's moto encode DynamoDB items exactly as stock moto
does, only without its per-member walk (scripts/moto_fast.py)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from scripts import moto_fast

ITEM = {
    "pk": {"S": "ticket#1"},
    "n": {"N": "12.50"},
    "b": {"B": b"\x00\xffbinary"},
    "ss": {"SS": ["甲", "乙"]},
    "ns": {"NS": ["1", "2"]},
    "bs": {"BS": [b"a", b"\x01"]},
    "nul": {"NULL": True},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "m": {"M": {"text": {"S": "路灯不亮"}, "raw": {"B": b"x"},
                "deep": {"L": [{"N": "1"}, {"M": {"k": {"BOOL": False}}}, {"L": []}]}}},
    "empty": {"M": {}},
}


def _responses() -> tuple[dict, list, dict]:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.put_item(TableName="t", Item=ITEM)
    got = ddb.get_item(TableName="t", Key={"pk": ITEM["pk"]})["Item"]
    scanned = ddb.scan(TableName="t")["Items"]
    old = ddb.update_item(TableName="t", Key={"pk": ITEM["pk"]}, UpdateExpression="SET n = :n",
                          ExpressionAttributeValues={":n": {"N": "3"}},
                          ReturnValues="ALL_OLD")["Attributes"]
    return got, scanned, old


def test_items_read_back_the_same_with_and_without_the_patch(monkeypatch):
    with mock_aws():
        stock = _responses()
    encoded = []
    wire = moto_fast.wire
    monkeypatch.setattr(moto_fast, "wire", lambda v: encoded.append(v) or wire(v))
    undo = moto_fast.patch_serializer(verify=True)     # verify: each value also checked by moto
    try:
        with mock_aws():
            fast = _responses()
    finally:
        undo()
    assert fast == stock
    assert fast[0] == ITEM
    assert len(encoded) >= 3 * len(ITEM)    # every attribute of the three responses took the path


def test_the_patch_is_used_and_undone():
    from moto.core.serialize import BaseJSONSerializer
    undo = moto_fast.patch_serializer()
    assert "_serialize" in BaseJSONSerializer.__dict__
    undo()
    assert "_serialize" not in BaseJSONSerializer.__dict__


@pytest.mark.parametrize("value", [{"S": "a", "N": "1"}, {"X": "a"}, {"M": {"k": "raw"}},
                                   {"S": None}])
def test_what_it_does_not_know_is_left_to_moto(value):
    assert moto_fast.wire(value) is None


def _stream_table(ddb) -> str:
    return ddb.create_table(
        TableName="tl", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]["LatestStreamArn"]


def _records(arn: str) -> list:
    streams = boto3.client("dynamodbstreams", region_name="us-east-1")
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return [(r["eventName"], r["dynamodb"]["Keys"]) for r in
            streams.get_records(ShardIterator=it)["Records"]]


def _change(ddb, version: str, entry: str):
    """A ticket change as services/changes.py commits it: the ticket on its version, plus a new
    timeline entry, in one transaction."""
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": "tl", "Key": {"pk": {"S": "t#1"}, "sk": {"S": "ticket"}},
                    "UpdateExpression": "SET v = :next, note = :e",
                    "ConditionExpression": "v = :v",
                    "ExpressionAttributeValues": {":v": {"N": version},
                                                  ":next": {"N": str(int(version) + 1)},
                                                  ":e": {"S": entry}}}},
        {"Put": {"TableName": "tl", "Item": {"pk": {"S": "t#1"}, "sk": {"S": f"e#{entry}"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
    ])


def _history(copies: list):
    """Fifty other tickets, then one change that commits and one that must roll back; also how
    many item copies (``copies`` collects them) the two transactions made."""
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    arn = _stream_table(ddb)
    for i in range(50):
        ddb.put_item(TableName="tl", Item={"pk": {"S": f"t#{i + 2}"}, "sk": {"S": "ticket"},
                                           "v": {"N": "1"}})
    ddb.put_item(TableName="tl", Item={"pk": {"S": "t#1"}, "sk": {"S": "ticket"},
                                       "v": {"N": "1"}})
    copies.clear()
    _change(ddb, "1", "a")                      # commits
    made = len(copies)
    before = ddb.scan(TableName="tl")["Items"], _records(arn)
    copies.clear()
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        _change(ddb, "1", "b")                  # stale version: nothing of it may remain
    made += len(copies)
    after = ddb.scan(TableName="tl")["Items"], _records(arn)
    return before, after, made


def test_a_cancelled_transaction_leaves_items_and_stream_as_they_were(monkeypatch):
    from moto.dynamodb.models.dynamo_type import Item

    copies = []
    deepcopy = Item.__deepcopy__
    monkeypatch.setattr(Item, "__deepcopy__", lambda self, memo: copies.append(1) or
                        deepcopy(self, memo))
    with mock_aws():
        stock_before, stock_after, stock_copies = _history(copies)
    undo = moto_fast.patch_transactions()
    try:
        with mock_aws():
            before, after, made = _history(copies)
    finally:
        undo()
    assert after == before and stock_after == stock_before
    assert sorted(map(str, after[0])) == sorted(map(str, stock_after[0]))
    assert after[1] == stock_after[1]
    assert len([r for r in after[1] if r[0] == "INSERT"]) == 52     # 50 + t#1 + its entry a
    assert "e#b" not in str(after)                                   # nothing of "b" remains
    # stock moto copies all 52 items before each of the two transactions; the patch only the
    # ticket the transactions name (and moto's own copy of an updated item)
    assert stock_copies >= 2 * 52 and made <= 6


@pytest.mark.parametrize("key_type", ["S", "N"])
def test_tables_list_and_query_their_items_as_stock_moto_does(key_type):
    import random

    from moto.dynamodb.models import dynamodb_backends

    rng = random.Random(7)
    values = [str(rng.choice([rng.randint(-999, 999), rng.random() * 100])) if key_type == "N"
              else rng.choice(["a", "B", "甲", "a#1", "a#10", "a#2", ""]) + str(rng.randint(0, 9))
              for _ in range(120)]
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        for name, schema in (("hash", ["pk"]), ("both", ["pk", "sk"])):
            ddb.create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": a, "KeyType": k}
                           for a, k in zip(schema, ("HASH", "RANGE"), strict=False)],
                AttributeDefinitions=[{"AttributeName": a, "AttributeType": key_type}
                                      for a in schema])
            for i, v in enumerate(values):
                other = values[(i * 7) % len(values)]
                ddb.put_item(TableName=name, Item={"pk": {key_type: v}, "sk": {key_type: other}})
        tables = dynamodb_backends["123456789012"]["us-east-1"].tables

        def queries():
            out = []
            for v in (values[0], values[5], "7" if key_type == "N" else "zz"):
                for name, extra in (("hash", {}), ("both", {}), ("both", {"Limit": 1}),
                                    ("both", {"ScanIndexForward": False})):
                    out.append(ddb.query(TableName=name, KeyConditionExpression="pk = :p",
                                         ExpressionAttributeValues={":p": {key_type: v}},
                                         **extra)["Items"])
                out.append(ddb.query(
                    TableName="both", KeyConditionExpression="pk = :p AND sk > :s",
                    ExpressionAttributeValues={":p": {key_type: v}, ":s": {key_type: "0"}}
                )["Items"])
            return out

        stock = {name: [(i.hash_key, i.range_key) for i in t.all_items()]
                 for name, t in tables.items()}
        stock_queries = queries()
        restore = moto_fast.patch_item_order()
        try:
            fast = {name: [(i.hash_key, i.range_key) for i in t.all_items()]
                    for name, t in tables.items()}
            assert queries() == stock_queries and any(stock_queries)
        finally:
            restore()
    for name in stock:
        assert [(h.value, r and r.value) for h, r in fast[name]] == \
            [(h.value, r and r.value) for h, r in stock[name]], name
    assert len(stock["both"]) >= len(stock["hash"]) > 5
