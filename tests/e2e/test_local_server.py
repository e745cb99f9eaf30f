"""The local stack as a client sees it (issue 11, fix 5 and build 2): the gateway's own refusals
in the app's error shape, no webhook secret in the access log, 50 concurrent clients held, and
moto_server's DynamoDB atomic per operation."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.config import LOCAL_SMS_WEBHOOK_SECRETS


def error_of(response) -> dict:
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    return response.json()["error"]


def test_gateway_refusals_answer_in_the_error_shape(client):
    assert error_of(client.get("/v1/staff/queue"))["code"] == "unauthorized"
    bad = client.get("/v1/staff/queue", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 403 and error_of(bad)["code"] == "forbidden"
    for unknown in (client.get("/v1/no/such/route"),
                    client.post("/v1/tickets/x/nope", headers={"Authorization": "Bearer x"})):
        # API Gateway's MISSING_AUTHENTICATION_TOKEN, as infra's gateway response shapes it
        assert unknown.status_code == 403 and error_of(unknown) == {"code": "not_found",
                                                                   "message": "未找到"}


def test_webhook_secret_is_not_in_the_access_log(live, client):
    secret = LOCAL_SMS_WEBHOOK_SECRETS["tencent"]
    r = client.post(f"/v1/webhooks/sms/tencent?token={secret}&x=1", json=[])
    assert r.status_code == 400, r.text          # authenticated, then an empty batch refused
    client.post("/v1/webhooks/sms/tencent?token=wrong-guess-123", json=[])
    log = (live.log_dir / "api.log").read_text(encoding="utf-8", errors="replace")
    assert "/v1/webhooks/sms/tencent?token=***&x=1" in log, log[-2000:]
    assert secret not in log and "wrong-guess-123" not in log


def _raw_get(host: str, port: int, path: str, barrier: threading.Barrier) -> int:
    barrier.wait(timeout=30)
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


def test_fifty_concurrent_clients_none_refused(live):
    """Three bursts of 50 connections opened at once (chalice local's backlog of 5 drops some:
    refused, reset or never answered)."""
    url = urlsplit(live.api)
    n = 50
    for burst in range(3):
        barrier = threading.Barrier(n)
        with ThreadPoolExecutor(max_workers=n) as pool:
            futures = [pool.submit(_raw_get, url.hostname, url.port, "/v1/categories", barrier)
                       for _ in range(n)]
            outcomes = []
            for f in futures:
                try:
                    outcomes.append(f.result(timeout=120))
                except OSError as exc:       # ConnectionRefusedError, ConnectionResetError, ...
                    outcomes.append(type(exc).__name__)
        assert outcomes == [200] * n, (burst, outcomes)


def test_moto_server_dynamodb_is_atomic_under_concurrent_writers(live):
    """Conditional increments from 40 threads: every acknowledged write is in the final value
    (stock moto_server loses some: a failed transaction restores a copy taken before it ran)."""
    ddb = boto3.client("dynamodb", endpoint_url=live.endpoint, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local",
                       config=Config(max_pool_connections=50, retries={"max_attempts": 0}))
    table = "minyi-e2e-atomicity"
    try:
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    except ClientError:
        pass
    keys = [f"item{i}" for i in range(4)]
    for k in keys:
        ddb.put_item(TableName=table, Item={"k": {"S": k}, "v": {"N": "0"}})
    acknowledged = []
    lock = threading.Lock()

    def writer(worker: int) -> None:
        for _ in range(15):
            k = keys[worker % len(keys)]
            current = ddb.get_item(TableName=table, Key={"k": {"S": k}},
                                   ConsistentRead=True)["Item"]["v"]["N"]
            try:
                ddb.transact_write_items(TransactItems=[
                    {"Update": {"TableName": table, "Key": {"k": {"S": k}},
                                "UpdateExpression": "SET v = :n",
                                "ConditionExpression": "v = :c",
                                "ExpressionAttributeValues": {":n": {"N": str(int(current) + 1)},
                                                              ":c": {"N": current}}}},
                    {"Put": {"TableName": table,
                             "Item": {"k": {"S": f"log-{k}-{int(current) + 1}"}},
                             "ConditionExpression": "attribute_not_exists(k)"}}])
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                continue
            with lock:
                acknowledged.append(k)

    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(writer, range(40)))
    for k in keys:
        final = int(ddb.get_item(TableName=table, Key={"k": {"S": k}},
                                 ConsistentRead=True)["Item"]["v"]["N"])
        assert final == acknowledged.count(k), (k, final, acknowledged.count(k))

