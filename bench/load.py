"""Load on the local stack, then a reconciliation of what clients were told against what is stored.

    .venv/bin/python bench/load.py                       # starts its own stack on free ports
    .venv/bin/python bench/load.py --clients 50 --seconds 60 [--api http://127.0.0.1:8000
                                   --moto http://127.0.0.1:5055]

Each of ``--clients`` concurrent clients (asyncio + aiohttp, one connection each) loops until
``--seconds`` are up: a citizen submits a request (sometimes sending it twice with the same
Idempotency-Key, as a retrying phone would), reads it back and lists their tickets; then, as the
staff of the unit the ticket was routed to, signs for it, and replies to every other one.

Afterwards every ticket a client was told about (201 + id) is checked against the stored state,
read from the API (staff view, timeline) and from moto (the tickets table, the SMS sent):
0 lost (told, not stored), 0 duplicated (stored twice for one Idempotency-Key, or stored and never
told), 0 5xx, each ticket's timeline holding every step a client was told succeeded, and its
acceptance SMS sent. Bounded: at most 200 clients and 600 s; only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAX_CLIENTS, MAX_SECONDS = 200, 600
SMS_WAIT_SECONDS = 300          # how long the reconciliation waits for the outbox's SMS
REGION = "369902001001"
CATEGORIES = ["A1001", "A0101"]
DESCRIPTIONS = ["小区物业不作为，楼道垃圾一周没人清理", "小区门口有人占道摆摊卖菜，影响通行",
                "楼下餐馆油烟直排，影响居民生活", "路灯坏了一个多月没人修，晚上出行不安全"]


@dataclass
class Told:
    """What one client was told about one ticket."""
    ticket_id: str
    key: str
    phone: str
    steps: list = field(default_factory=list)       # staff steps acknowledged (2xx)


@dataclass
class Stats:
    latency: dict = field(default_factory=lambda: defaultdict(list))
    status: Counter = field(default_factory=Counter)
    told: dict = field(default_factory=dict)         # ticket id -> Told
    keys: dict = field(default_factory=dict)         # idempotency key -> ticket id
    mismatched_replays: int = 0
    errors: list = field(default_factory=list)


async def timed(stats: Stats, op: str, session, method: str, url: str, **kw):
    """One request; a timeout or a dropped connection is counted (status 0), not raised."""
    start = time.perf_counter()
    try:
        async with session.request(method, url, **kw) as resp:
            body = await resp.read()
    except (TimeoutError, aiohttp.ClientError) as exc:
        stats.status[(op, 0)] += 1
        stats.errors.append((op, type(exc).__name__, b""))
        return None, None
    stats.latency[op].append((time.perf_counter() - start) * 1000)
    stats.status[(op, resp.status)] += 1
    if resp.status >= 500:
        stats.errors.append((op, resp.status, body[:200]))
    return resp.status, (json.loads(body) if body else None)


def staff_headers(tokens: dict, user: str) -> dict:
    return {"Authorization": f"Bearer {tokens[user]}"}


async def client(n: int, api: str, stop_at: float, stats: Stats, tokens: dict,
                 handler_of: dict) -> None:
    phone = f"1380000{n:04d}"
    connector = aiohttp.TCPConnector(limit=1)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as s:
        status, body = await timed(stats, "login", s, "POST", f"{api}/v1/auth/wechat",
                                   json={"code": f"test-load-{n}"})
        citizen = {"Authorization": f"Bearer {body['token']}"}
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            key = f"load-{n:03d}-{i:05d}"
            ticket = {"type": "complaint", "description": DESCRIPTIONS[(n + i) % 4],
                      "region_code": REGION, "phone": phone,
                      "category": CATEGORIES[(n + i) % 2]}
            sends = 2 if i % 5 == 0 else 1              # a retried submission
            ids, attempts = set(), 0
            while attempts < sends + 3 and (attempts < sends or not ids):
                attempts += 1           # no answer (timeout): retry with the same key, as a
                status, body = await timed(stats, "submit", s, "POST", f"{api}/v1/tickets",
                                           json=ticket, headers={**citizen,   # phone would
                                                                 "Idempotency-Key": key})
                if status in (200, 201) and body and body.get("id"):
                    ids.add(body["id"])
            if not ids:
                continue
            if len(ids) > 1:
                stats.mismatched_replays += 1
            ticket_id = ids.pop()
            stats.keys[key] = ticket_id
            stats.told[ticket_id] = Told(ticket_id, key, "+86" + phone)
            await timed(stats, "read", s, "GET", f"{api}/v1/tickets/{ticket_id}", headers=citizen)
            await timed(stats, "list", s, "GET", f"{api}/v1/me/tickets?limit=5", headers=citizen)
            status, view = await timed(stats, "staff_read", s, "GET",
                                       f"{api}/v1/staff/tickets/{ticket_id}",
                                       headers=staff_headers(tokens, "disp_liumin"))
            user = handler_of.get((view or {}).get("unit_id"))
            if status != 200 or user is None or view.get("status") != "dispatched":
                continue
            headers = staff_headers(tokens, user)
            status, _ = await timed(stats, "sign", s, "POST",
                                    f"{api}/v1/staff/tickets/{ticket_id}/sign", json={},
                                    headers=headers)
            if status == 200:
                stats.told[ticket_id].steps.append("signed")
                if i % 2 == 0:
                    status, _ = await timed(stats, "reply", s, "POST",
                                            f"{api}/v1/staff/tickets/{ticket_id}/reply",
                                            json={"text": "已处理完毕", "grade": "A"},
                                            headers=headers)
                    if status == 200:
                        stats.told[ticket_id].steps.append("replied")


def stored_tickets(moto: str, prefix: str) -> list[dict]:
    """Every ticket of the load's citizens, straight from moto's tickets table."""
    import boto3

    ddb = boto3.client("dynamodb", endpoint_url=moto, region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    items, kwargs = [], {"TableName": f"{prefix}tickets"}
    while True:
        page = ddb.scan(**kwargs, FilterExpression="begins_with(citizen_id, :c)",
                        ExpressionAttributeValues={":c": {"S": "wx:load-"}})
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sms_by_phone(moto: str) -> dict[str, list[str]]:
    with urllib.request.urlopen(f"{moto}/moto-api/data.json", timeout=60) as resp:
        data = json.load(resp)
    out = defaultdict(list)
    for m in data.get("sns", {}).get("SMS", []):
        out[m["phone_number"]].append(m["message"])
    return out


async def reconcile(api: str, moto: str, stats: Stats, tokens: dict, prefix: str) -> dict:
    stored = {i["ticket_id"]["S"]: i for i in stored_tickets(moto, prefix)}
    told = stats.told
    lost = sorted(set(told) - set(stored))
    untold = sorted(set(stored) - set(told))            # stored, no client was told: a dup
    missing_steps, codes = [], {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=8)) as s:
        sem = asyncio.Semaphore(8)

        async def check(t: Told):
            async with sem, s.get(f"{api}/v1/staff/tickets/{t.ticket_id}",
                                  headers=staff_headers(tokens, "disp_liumin")) as r:
                view = await r.json()
            kinds = [e["kind"] for e in view.get("timeline", [])]
            if "submitted" not in kinds or any(k not in kinds for k in t.steps):
                missing_steps.append((t.ticket_id, t.steps, kinds))
            codes[t.ticket_id] = view.get("code", "?")

        await asyncio.gather(*(check(t) for t in told.values() if t.ticket_id in stored))
    # the SMS are the outbox's (the pump reads the timeline stream): give it time to catch up
    waited, started = 0.0, time.monotonic()
    while True:
        sms = sms_by_phone(moto)
        missing_sms = [tid for tid, code in codes.items()
                       if not any(code in m for m in sms.get(told[tid].phone, []))]
        waited = time.monotonic() - started
        if not missing_sms or waited > SMS_WAIT_SECONDS:
            break
        await asyncio.sleep(2)
    return {"told": len(told), "stored": len(stored), "lost": len(lost),
            "sms_caught_up_after_s": round(waited, 1),
            "duplicated": len(untold) + stats.mismatched_replays,
            "without_their_steps_in_the_timeline": len(missing_steps),
            "without_their_sms": len(missing_sms), "examples": {
                "lost": lost[:3], "untold": untold[:3], "steps": missing_steps[:3],
                "sms": missing_sms[:3]}}


def summary(stats: Stats, seconds: float, clients: int) -> dict:
    def pct(values, p):
        return round(statistics.quantiles(values, n=100, method="inclusive")[p - 1], 1) \
            if len(values) > 1 else (round(values[0], 1) if values else None)
    requests = sum(stats.status.values())
    return {
        "clients": clients, "seconds": round(seconds, 1), "requests": requests,
        "no_answer": sum(n for (_, st), n in stats.status.items() if st == 0),
        "requests_per_s": round(requests / seconds, 1),
        "tickets_per_s": round(len(stats.told) / seconds, 2),
        "5xx": sum(n for (_, st), n in stats.status.items() if st >= 500),
        "status": {f"{op} {st}": n for (op, st), n in sorted(stats.status.items())},
        "latency_ms": {op: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95)}
                       for op, v in sorted(stats.latency.items())},
    }


def local_only(url: str) -> str:
    parts = urlsplit(url)
    if parts.hostname != "127.0.0.1" or parts.scheme != "http":
        raise SystemExit(f"{url}: the load runs against the local stack on 127.0.0.1 only")
    return url.rstrip("/")


async def run(args, api: str, moto: str, prefix: str) -> dict:
    from scripts.local_stack import BASE_ENV
    os.environ.update({k: v for k, v in BASE_ENV.items() if k not in os.environ})
    from chalicelib.services import staff_auth
    from chalicelib.services.seed import demo_staff

    staff = demo_staff()
    handler_of = {}
    for person in staff:
        if "handler" in person["roles"]:
            handler_of.setdefault(person["unit"], person["user"])
    tokens = {p["user"]: staff_auth.dev_token_for(p["user"]) for p in staff
              if p["user"] == "disp_liumin" or p["user"] in handler_of.values()}
    stats = Stats()
    start = time.monotonic()
    stop_at = start + args.seconds
    await asyncio.gather(*(client(n, api, stop_at, stats, tokens, handler_of)
                           for n in range(args.clients)))
    elapsed = time.monotonic() - start
    report = summary(stats, elapsed, args.clients)
    report["reconciliation"] = await reconcile(api, moto, stats, tokens, prefix)
    report["errors"] = [list(map(str, e)) for e in stats.errors[:5]]
    return report


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--api", help="a running local API (default: start a stack)")
    parser.add_argument("--moto", help="its moto_server (with --api)")
    parser.add_argument("--prefix", default="minyi-local-", help="the stack's table prefix")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS or not 1 <= args.seconds <= MAX_SECONDS:
        raise SystemExit(f"--clients 1..{MAX_CLIENTS}, --seconds 1..{MAX_SECONDS}")
    stack = None
    if args.api:
        if not args.moto:
            raise SystemExit("--api needs --moto (to read what is stored)")
        api, moto = local_only(args.api), local_only(args.moto)
    else:
        from scripts.local_stack import start_stack
        stack = start_stack(log_dir=ROOT / ".local" / "load-logs")
        api, moto = stack.api, stack.endpoint
    try:
        report = asyncio.run(run(args, api, moto, args.prefix))
    finally:
        if stack is not None:
            stack.stop()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    rec = report["reconciliation"]
    bad = report["5xx"] or rec["lost"] or rec["duplicated"] or \
        rec["without_their_steps_in_the_timeline"] or rec["without_their_sms"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
