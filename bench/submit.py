"""Submit N tickets through the service layer (``intake.submit``) on in-process moto; print the AWS
API calls per submission by operation and the p50/p95/max handler time.

    .venv/bin/python bench/submit.py --n 200                       # categorized (default)
    .venv/bin/python bench/submit.py --n 200 --mode uncategorized
    .venv/bin/python bench/submit.py --n 200 --mode retry
    .venv/bin/python bench/submit.py --n 200 --mode all            # the three + ratios
    .venv/bin/python bench/submit.py --n 50 --text-len 4000        # longest descriptions

Modes:
  categorized    the citizen picks a category: duty-list routing only.
  uncategorized  no category: the text classifier picks one (or the ticket goes to review).
  retry          categorized, and every submission is sent 3 times with the same
                 Idempotency-Key (the client retrying): shows what a replay costs.

Texts are data/routed_examples.json in file order, places cycle through the demo city's
villages, every submission has its own Idempotency-Key: runs are repeatable. Setup (provision,
seed) is not counted; a warm-up (one submission per village, which fills the clients and the
reference caches) is kept out of the figures and printed on its own. SMS go through the real
SNS adapter, so Publish calls are counted.
Results and their explanation: docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter

import _harness  # sets the environment; chalicelib is imported only inside functions
from _harness import (
    REPO,
    calls,
    demo_city,
    format_calls,
    format_timing,
    percentile,
    quiet_stdout,
)

MODES = ("categorized", "uncategorized", "retry")
RETRIES = 3                     # attempts per submission in retry mode (1 + 2 retries)
SECONDS_BETWEEN = 20            # fake-clock time between two submissions
GSIS_ON_CREATE = 4              # by_citizen, by_code, by_unit_deadline, by_deadline


def _examples() -> list[dict]:
    return json.loads((REPO / "data" / "routed_examples.json").read_text(encoding="utf-8"))


def _villages() -> list[str]:
    city = json.loads((REPO / "data" / "demo_city.json").read_text(encoding="utf-8"))
    return [r["code"] for r in city["regions"] if r["level"] == "village"]


def _default_types() -> dict[str, str]:
    cats = json.loads((REPO / "data" / "categories.json").read_text(encoding="utf-8"))
    out = {}

    def walk(items, parent_type=None):
        for c in items if isinstance(items, list) else items.get("categories", []):
            t = c.get("default_type") or parent_type
            if t:
                out[c["code"]] = t
            walk(c.get("children", []), t)
    walk(cats)
    return out


def bodies(mode: str, n: int, *, offset: int = 0, text_len: int = 0) -> list[dict]:
    """Deterministic submissions: example texts in order, villages in turn; with ``text_len``
    each text is repeated up to that many characters (the limit is 4000)."""
    examples, villages, types = _examples(), _villages(), _default_types()
    out = []
    for i in range(offset, offset + n):
        ex = examples[i % len(examples)]
        text = ex["text"]
        if text_len:
            text = (text + "。") * (text_len // (len(text) + 1) + 1)
            text = text[:text_len]
        body = {"type": types.get(ex["category"], "complaint"), "description": text,
                "region_code": villages[i % len(villages)], "phone": f"138{i % 10**8:08d}",
                "name": "测试"}
        if mode != "uncategorized":
            body["category"] = ex["category"]
        out.append(body)
    return out


def run_mode(mode: str, n: int, text_len: int = 0) -> dict:
    """One fresh demo city: warm up, then measure n submissions (3n calls in retry mode)."""
    from chalicelib.services import intake

    with demo_city(sms="sns") as city:
        villages = _villages()
        # Warm-up, kept out of the figures: clients, the categories/units/calendar/SLA caches,
        # every village's region item, the classifier. Texts from the end of the list, so not
        # the measured ones. Its calls are reported on their own (what a cold process reads).
        calls.reset()
        warm = bodies(mode, len(villages), offset=-len(villages), text_len=text_len)
        for j, body in enumerate(warm):
            intake.submit(body, citizen_id=f"wx:warm-{j}", channel="wechat",
                          idempotency_key=f"warm-{mode}-{j:06d}")
            city.clock.advance(SECONDS_BETWEEN)
        warm_calls, warm_errs = Counter(calls.counts), Counter(calls.errors)
        calls.reset()
        errors_before = Counter()

        first_ms: list[float] = []          # handler time per first attempt
        first_app_ms: list[float] = []      # ... minus the time inside AWS calls
        retry_ms: list[float] = []
        retry_app_ms: list[float] = []
        first_calls, first_secs, first_errs = Counter(), Counter(), Counter()
        retry_calls, retry_secs, retry_errs = Counter(), Counter(), Counter()
        outcomes: Counter = Counter()
        rule_keys: set = set()
        attempts = RETRIES if mode == "retry" else 1
        started = time.perf_counter()
        for i, body in enumerate(bodies(mode, n, text_len=text_len)):
            key = f"bench-{mode}-{i:06d}"
            citizen = f"wx:bench-{i % 50:03d}"
            first = None
            for attempt in range(attempts):
                calls_before, secs_before = calls.snapshot()
                t0 = time.perf_counter()
                result = intake.submit(body, citizen_id=citizen, channel="wechat",
                                       idempotency_key=key)
                elapsed = (time.perf_counter() - t0) * 1000
                calls_after, secs_after = calls.snapshot()
                errors_after = Counter(calls.errors)
                errs = errors_after - errors_before
                errors_before = errors_after
                spent = calls_after - calls_before
                secs = Counter({k: v - secs_before.get(k, 0.0) for k, v in secs_after.items()
                                if v - secs_before.get(k, 0.0) > 0})
                aws_ms = sum(secs.values()) * 1000
                if attempt == 0:
                    first = result
                    first_ms.append(elapsed)
                    first_app_ms.append(elapsed - aws_ms)
                    first_calls.update(spent)
                    first_secs.update(secs)
                    first_errs.update(errs)
                else:
                    if result != first:
                        raise AssertionError(f"retry {attempt} of {key} did not replay")
                    retry_ms.append(elapsed)
                    retry_app_ms.append(elapsed - aws_ms)
                    retry_calls.update(spent)
                    retry_secs.update(secs)
                    retry_errs.update(errs)
            outcomes[first["status"]] += 1
            rule_keys.add((first["category"], first["region_code"]))
            city.clock.advance(SECONDS_BETWEEN)
        wall = time.perf_counter() - started
        classify_ms: list[float] = []
        if mode == "uncategorized":     # the classifier's share, timed on its own
            from chalicelib.services import dispatch
            with calls.paused():
                for body in bodies(mode, n, text_len=text_len):
                    t0 = time.perf_counter()
                    dispatch.classifier().suggest(body["description"])
                    classify_ms.append((time.perf_counter() - t0) * 1000)
        sizes = {t: _harness.table_item_sizes(t) for t in ("tickets", "events", "ephemeral")}
        return {"sizes": sizes, "mode": mode, "n": n, "warm_n": len(warm),
                "classify_ms": classify_ms,
                "warm_calls": warm_calls, "warm_errs": warm_errs,
                "first_ms": first_ms, "first_app_ms": first_app_ms,
                "retry_ms": retry_ms, "retry_app_ms": retry_app_ms,
                "first_calls": first_calls, "first_secs": first_secs, "first_errs": first_errs,
                "retry_calls": retry_calls, "retry_secs": retry_secs, "retry_errs": retry_errs,
                "outcomes": outcomes,
                "distinct_routes": len(rule_keys), "wall_s": wall}


def report(r: dict) -> None:
    n = r["n"]
    print(f"\n=== mode={r['mode']}  n={n}  (measured wall time {r['wall_s']:.1f} s) ===")
    mix = ", ".join(f"{k}={v}" for k, v in sorted(r["outcomes"].items()))
    print(f"outcome: {mix}   (dispatched = routed by the duty list; submitted = review queue)")
    print(f"distinct (category, village) pairs: {r['distinct_routes']}")
    label = "first attempts" if r["retry_ms"] else "submissions"
    print(f"\nAWS calls, {label} ({n}):")
    print(format_calls(r["first_calls"], n, seconds=r["first_secs"], errors=r["first_errs"]))
    if r["retry_ms"]:
        k = len(r["retry_ms"])
        print(f"\nAWS calls, retries ({k} = {RETRIES - 1} per submission, same key and body):")
        print(format_calls(r["retry_calls"], k, "per retry", seconds=r["retry_secs"],
                           errors=r["retry_errs"]))
    print(f"\nwarm-up, not in the figures above ({r['warm_n']} submissions, one per village, "
          "cold caches):")
    print(format_calls(r["warm_calls"], r["warm_n"], "per warm-up", errors=r["warm_errs"]))
    report_sizes(r["sizes"])
    print("\nhandler time of intake.submit (on moto: compare, don't quote absolutely):")
    print(format_timing(label, r["first_ms"]))
    print(format_timing(f"{label} minus AWS calls", r["first_app_ms"]))
    if r["classify_ms"]:
        print(format_timing("classifier.suggest alone", r["classify_ms"]))
    if r["retry_ms"]:
        print(format_timing("retries (replayed)", r["retry_ms"]))
        print(format_timing("retries minus AWS calls", r["retry_app_ms"]))
        per_retry = sum(r["retry_calls"].values()) / len(r["retry_ms"])
        per_first = sum(r["first_calls"].values()) / n
        print(f"\nratio: calls per retry / calls per first attempt = {per_retry:.2f} / "
              f"{per_first:.2f} = {per_retry / per_first:.3f}")
        print(f"ratio: p50 retry / p50 first attempt = "
              f"{percentile(r['retry_ms'], 50) / percentile(r['first_ms'], 50):.3f}")


def _kb(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def write_units(sizes: dict) -> float:
    """Estimated on-demand write request units per created ticket (all tickets in the table,
    warm-up included): the transaction bills 2 WRU per KB per item; each of the 4 GSIs a new
    open ticket appears in (ALL projection) 1 per KB; the counter 1; the idempotency record 1
    (PutItem, in progress) + 1 per KB of the stored result (UpdateItem)."""
    tickets, events, records = sizes["tickets"], sizes["events"], sizes["ephemeral"]
    total = sum(2 * _kb(s) + GSIS_ON_CREATE * _kb(s) for s in tickets)
    total += sum(2 * _kb(s) for s in events)
    total += len(tickets)                                   # code counter
    total += sum(1 + _kb(s) for s in records)               # idempotency put + update
    return total / len(tickets)


def report_sizes(sizes: dict) -> None:
    print("\nitem sizes (bytes, DynamoDB rules):", ", ".join(
        f"{t} mean {statistics.mean(v):.0f} max {max(v)}" for t, v in sizes.items() if v))
    print(f"estimated write request units per submission: {write_units(sizes):.1f} "
          f"(formula: bench/submit.py write_units)")


def ratios(results: dict[str, dict]) -> None:
    cat, unc = results.get("categorized"), results.get("uncategorized")
    if not (cat and unc):
        return
    print("\n=== ratios ===")
    for what, field in (("handler time", "first_ms"), ("time minus AWS calls", "first_app_ms")):
        for p in (50, 95):
            a, b = percentile(unc[field], p), percentile(cat[field], p)
            print(f"p{p} {what}, uncategorized / categorized: {a:.2f} / {b:.2f} ms "
                  f"= {a / b:.2f}")
    a = sum(unc["first_calls"].values()) / unc["n"]
    b = sum(cat["first_calls"].values()) / cat["n"]
    print(f"AWS calls per submission uncategorized / categorized: {a:.2f} / {b:.2f}")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO, text=True, capture_output=True,
                              check=False).stdout.strip()
    except OSError:
        return ""


def header(modes, n, text_len=0) -> None:
    commit = _git("rev-parse", "--short", "HEAD") or "?"
    if _git("status", "--porcelain", "--", "chalicelib", "app.py"):
        commit += "+uncommitted-app-changes"
    print(f"bench/submit.py  modes={','.join(modes)}  n={n}  text_len={text_len or 'as is'}  "
          f"date={dt.datetime.now().astimezone().isoformat(timespec='seconds')}  "
          f"commit={commit}  python={platform.python_version()}  "
          f"machine={platform.machine()}/{platform.system()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="submissions to measure")
    parser.add_argument("--mode", choices=MODES + ("all",), default="categorized")
    parser.add_argument("--text-len", type=int, default=0, metavar="CHARS",
                        help="pad every description to this many characters (max 4000)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    if not 0 <= args.text_len <= 4000:
        parser.error("--text-len must be 0..4000")
    modes = MODES if args.mode == "all" else (args.mode,)
    header(modes, args.n, args.text_len)
    results = {}
    with quiet_stdout():          # the app's JSON logs and EMF lines go to /dev/null
        for mode in modes:
            results[mode] = run_mode(mode, args.n, args.text_len)
    for mode in modes:
        report(results[mode])
    ratios(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
