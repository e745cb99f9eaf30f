"""AWS API calls on the request path, per submission and per staff action, and what the outbox
(the timeline stream's consumer) then does per entry, off the request path.

    .venv/bin/python bench/actions.py --n 50

For n tickets (categorized, so routed at once): submit, then sign, contact and reply as the
village handler, each without an Idempotency-Key. The calls each operation makes are counted
through botocore (setup and a warm-up that fills the reference caches are not counted). Then the
outbox drains the stream, counted apart. Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
from collections import Counter

import _harness  # noqa: F401 - first: sets the environment, installs the call counter
from _harness import calls, demo_city, format_calls, quiet_stdout

ACTIONS = (("sign", {}), ("contact", {"outcome": "reached", "note": "已电话联系"}),
           ("reply", {"text": "已协调物业清理完毕", "grade": "A"}))


def run(n: int) -> dict:
    import boto3

    from chalicelib import config
    from chalicelib.adapters.streams import StreamReader
    from chalicelib.jobs.outbox import on_timeline
    from chalicelib.services import intake, staff
    from chalicelib.services.staff_auth import StaffUser

    handler = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
    body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": "369902001001", "phone": "13812345678", "category": "A1001"}
    out = {}
    with demo_city(sms="sns") as city:
        reader = StreamReader(boto3.client("dynamodbstreams"),
                              config.settings.timeline_stream_arn)

        def drain() -> int:
            handled = 0
            for shard, event in reader.batches(100):
                handled += reader.accept(shard, event, on_timeline(event, None))
            return handled

        with calls.paused():             # warm-up: clients, reference caches, the calendar
            t = intake.submit(body, citizen_id="wx:warm", channel="wechat",
                              idempotency_key="warm-000001")
            for action, payload in ACTIONS:
                staff.perform(handler, t["id"], action, dict(payload))
            while drain():
                pass
        per_op: dict[str, Counter] = {}
        ids = []
        calls.reset()
        for i in range(n):
            ids.append(intake.submit(body, citizen_id=f"wx:b{i}", channel="wechat",
                                     idempotency_key=f"bench-{i:08d}")["id"])
            city.clock.advance(20)
        per_op["submit"] = Counter(calls.counts)
        for action, payload in ACTIONS:
            calls.reset()
            for tid in ids:
                staff.perform(handler, tid, action, dict(payload))
            per_op[action] = Counter(calls.counts)
        calls.reset()
        entries = 0
        while True:
            got = drain()
            if not got:
                break
            entries += got
        per_op["outbox"] = Counter(calls.counts)
        out["entries"] = entries
    out["per_op"] = per_op
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=50)
    args = parser.parse_args()
    with quiet_stdout():
        result = run(args.n)
    print(f"AWS calls on the request path, {args.n} tickets (no Idempotency-Key on actions)\n")
    for op in ("submit", *(a for a, _ in ACTIONS)):
        counts = result["per_op"][op]
        print(f"== {op}: {sum(counts.values()) / args.n:.2f} calls per operation")
        print(format_calls(counts, args.n, per_label="per operation"))
        print()
    counts = result["per_op"]["outbox"]
    print(f"== outbox (off the request path): {result['entries']} timeline entries, "
          f"{sum(counts.values()) / max(1, result['entries']):.2f} calls per entry")
    print(format_calls(counts, max(1, result["entries"]), per_label="per entry"))


if __name__ == "__main__":
    main()
