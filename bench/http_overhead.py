"""HTTP p50 of a citizen submission on the local stack against a bare PynamoDB put on the same
moto_server, in one run.

    .venv/bin/python bench/http_overhead.py [--n 30]

Starts moto_server and ``chalice local`` on free ports (scripts/local_stack.py, no pump),
logs a citizen in, then alternates: ``POST /v1/tickets`` (a categorized submission, its own
Idempotency-Key) and, from this process, ``TicketModel(...).save()`` of a ticket-sized item to
the same table on the same moto_server. Prints both p50s and the ratio. Both go through moto, so
the ratio says how much the request path adds to one DynamoDB write: HTTP in chalice local,
auth, validation, routing, the calls the submission makes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts import local_stack  # noqa: E402

BODY = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
        "region_code": "369902001001", "phone": "13812345678", "category": "A1001"}


def _post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, json.loads(response.read())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="http-overhead-") as tmp:
        stack = local_stack.start_stack(log_dir=Path(tmp), pump=False)
        try:
            os.environ.update(stack.env)
            from chalicelib.adapters.models import TicketModel

            _, login = _post(f"{stack.api}/v1/auth/wechat", {"code": "test-bench"}, {})
            auth = {"Authorization": f"Bearer {login['token']}"}
            _post(f"{stack.api}/v1/tickets", BODY, {**auth, "Idempotency-Key": "k-http-warm"})
            TicketModel("BENCH-WARM", code="0", created_at=0, updated_at=0, type="complaint",
                        region_code=BODY["region_code"], description=BODY["description"],
                        citizen_id="wx:bench", phone="+8613812345678", channel="wechat",
                        status="submitted").save()
            http_ms, put_ms = [], []
            for i in range(args.n):
                t0 = time.perf_counter()
                status, _ = _post(f"{stack.api}/v1/tickets", BODY,
                                  {**auth, "Idempotency-Key": f"k-http-{i:06d}"})
                http_ms.append((time.perf_counter() - t0) * 1000)
                assert status == 201, status
                item = TicketModel(f"BENCH-{i:06d}", code=str(i), created_at=time.time(),
                                   updated_at=time.time(), type="complaint",
                                   region_code=BODY["region_code"],
                                   description=BODY["description"], citizen_id="wx:bench",
                                   phone="+8613812345678", channel="wechat", status="submitted")
                t0 = time.perf_counter()
                item.save()
                put_ms.append((time.perf_counter() - t0) * 1000)
        finally:
            stack.stop()
    p50_http, p50_put = statistics.median(http_ms), statistics.median(put_ms)
    print(json.dumps({"n": args.n, "submission_p50_ms": round(p50_http, 1),
                      "pynamodb_put_p50_ms": round(p50_put, 1),
                      "ratio": round(p50_http / p50_put, 1)}))


if __name__ == "__main__":
    main()
