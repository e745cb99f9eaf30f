"""The local moto_server keeps its dashboard register to the sent SMS: DynamoDB item versions
are not kept forever (scripts/moto_server.py)."""

from __future__ import annotations

import boto3
from moto import mock_aws
from moto.core.model_instances import model_data

from scripts.moto_server import track_only


def _tracked(service: str) -> int:
    return sum(len(m.instances_tracked) for m in model_data[service].values())


def _writes() -> None:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for i in range(50):
        ddb.put_item(TableName="t", Item={"pk": {"S": "same"}, "n": {"N": str(i)}})
    boto3.client("sns", region_name="us-east-1").publish(PhoneNumber="+8613800000001",
                                                         Message="您的诉求已受理")


def test_only_sns_objects_are_registered_for_the_dashboard():
    undo = track_only()
    try:
        with mock_aws():
            before = _tracked("dynamodb"), _tracked("sns")
            _writes()
            assert _tracked("dynamodb") == before[0]
            assert _tracked("sns") > before[1]
    finally:
        undo()
    with mock_aws():                    # stock moto: every item version stays registered
        before = _tracked("dynamodb")
        _writes()
        assert _tracked("dynamodb") >= before + 50
