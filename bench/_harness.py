"""Shared pieces for the benches in ``bench/``: environment, an in-process moto demo city, an AWS
call counter and timing statistics.

Import this module *before* anything from ``chalicelib``: PynamoDB reads table names from the
environment when the models are imported, and the call counter must be installed before the
first botocore client is created. A bench script looks like::

    import _harness                       # sets the environment, installs the counter
    from _harness import calls, demo_city, format_calls

    with demo_city() as city:             # moto + provision + seed + SNS SMS + fake clock
        from chalicelib.services import intake
        with calls.paused():
            ...set-up that is not measured...
        calls.reset()
        ...the work being measured...
        print(format_calls(calls.counts, per=n, seconds=calls.seconds, errors=calls.errors))

Everything runs in one process against moto (``mock_aws``): nothing leaves the machine and the
credentials are fake. Times measured here are moto's, not DynamoDB's: use them to compare
variants, quote call counts for absolute figures.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# The same environment as tests/conftest.py, but forced (a bench must never reach real AWS).
BENCH_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "MINYI_STAGE": "test",
    "MINYI_TABLE_PREFIX": "minyi-bench-",
    "MINYI_EVENT_BUS": "minyi-bench",
    "MINYI_ATTACHMENTS_BUCKET": "minyi-bench-attachments",
    "MINYI_SMS_MODE": "sns",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
UNSET_ENV = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE",
             "AWS_SHARED_CREDENTIALS_FILE")


def moto_config(execute_state_machines: bool = False) -> dict:
    """moto's settings. The integration tests let moto run state machine executions; a bench
    by default only records StartExecution/StopExecution (the calls are the same either way),
    so moto's executor threads don't compete with the code being timed."""
    return {"stepfunctions": {"execute_state_machine": execute_state_machines},
            "lambda": {"use_docker": False}}


# 2026-11-23 10:00 Asia/Shanghai, a Monday (as in tests/integration/conftest.py)
MONDAY_10AM = 1795399200.0


def setup_env() -> None:
    """The bench environment: any MINYI_*/POWERTOOLS_*/DEMO_* setting of the caller's shell is
    dropped so runs are comparable; moto's Step Functions Wait needs TZ=UTC (as in the tests)."""
    for key in list(os.environ):
        if key.startswith(("MINYI_", "POWERTOOLS_", "DEMO_")) or key in UNSET_ENV:
            del os.environ[key]
    os.environ.update(BENCH_ENV)
    os.environ["TZ"] = "UTC"
    time.tzset()


# --- counting AWS calls ---------------------------------------------------------------------

def _tables(params: dict) -> str:
    """The DynamoDB table(s) a call touches, without the stage prefix, for the report."""
    prefix = os.environ.get("MINYI_TABLE_PREFIX", "")
    names: set[str] = set()
    if "TableName" in params:
        names.add(params["TableName"])
    names.update(params.get("RequestItems", {}) or {})
    for item in params.get("TransactItems", []) or []:
        for action in item.values():
            if isinstance(action, dict) and "TableName" in action:
                names.add(action["TableName"])
    return "+".join(sorted(n.removeprefix(prefix) for n in names))


class CallCounter:
    """Counts AWS API calls by (service, operation, target) through botocore's event system, and
    the time spent inside them.

    Every botocore client (PynamoDB's own, boto3's, Powertools') is created by
    ``botocore.session.Session.create_client``; :meth:`install` wraps it so each new client gets
    a ``provide-client-params.*.*`` handler (fires once per API call, with the call's
    parameters, before they are validated or sent) and ``after-call``/``after-call-error``
    handlers (the call is over). botocore's own retries of a throttled request are one call
    here; on moto nothing is throttled. The target is the DynamoDB table(s) of the call, or ''
    for other services.

    :attr:`seconds` is the wall time from ``provide-client-params`` to ``after-call``: botocore
    serialising and parsing plus, on moto, moto's own work (which is nothing like DynamoDB's
    latency: moto deep-copies every table a TransactWriteItems touches, so that call gets slower
    as the table grows). Subtract it from a handler's time to get the app's own time.
    """

    _T0 = "minyi_bench_t0"
    _KEY = "minyi_bench_key"

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.seconds: Counter[tuple[str, str, str]] = Counter()
        # calls that came back with an error, by (service, operation, target, error code)
        self.errors: Counter[tuple[str, str, str, str]] = Counter()
        # items DynamoDB read for Query/Scan calls (ScannedCount: before any filter)
        self.items_read: Counter[tuple[str, str, str]] = Counter()
        # DynamoDB items read, by (service, operation, target): what a Query or Scan scanned
        # (ScannedCount: matched by the key condition, before any filter; COUNT queries too),
        # the items a GetItem/BatchGetItem returned
        self.items: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        # objects with before(service, op, params, context) / after(service, op, context,
        # failed): e.g. _wru.WriteMeter, which prices each write
        self.observers: list = []
        # wall seconds the bench itself spent inside measured code: paused sections (set-up,
        # stream reads) and observers (the write meter's item reads); not the app's time
        self.overhead = 0.0
        self._in_observer = False
        self._active = True
        self._installed = False

    def install(self) -> None:
        if self._installed:
            return
        import botocore.session

        original = botocore.session.Session.create_client
        counter = self

        def create_client(session, *args, **kwargs):
            client = original(session, *args, **kwargs)
            events = client.meta.events
            events.register("provide-client-params.*.*", counter._on_call,
                            unique_id="minyi-bench-call-counter")
            events.register("after-call.*.*", counter._on_done,
                            unique_id="minyi-bench-call-done")
            events.register("after-call-error.*.*", counter._on_done,
                            unique_id="minyi-bench-call-error")
            return client

        create_client.__wrapped__ = original  # type: ignore[attr-defined]
        botocore.session.Session.create_client = create_client
        self._installed = True

    def _on_call(self, params, model, context=None, **_kwargs) -> None:
        if not self._active:
            return None
        key = (model.service_model.service_name, model.name, _tables(params))
        with self._lock:
            self.counts[key] += 1
        if context is not None:
            self._observe("before", key[0], key[1], params, context)
        if context is not None:
            context[self._KEY] = key
            context[self._T0] = time.perf_counter()
        return None  # a non-None return would replace the call's parameters

    def _on_done(self, context=None, http_response=None, parsed=None, exception=None,
                 **_kwargs) -> None:
        if not context or self._T0 not in context:
            return
        elapsed = time.perf_counter() - context.pop(self._T0)
        key = context.pop(self._KEY)
        error = None
        if exception is not None:
            error = type(exception).__name__
        elif http_response is not None and http_response.status_code >= 300:
            error = (parsed or {}).get("Error", {}).get("Code") or str(http_response.status_code)
        self._observe("after", key[0], key[1], context, bool(error))
        items = _items_read(parsed) if parsed and not error else 0
        with self._lock:
            self.seconds[key] += elapsed
            if isinstance(parsed, dict) and "ScannedCount" in parsed:
                self.items_read[key] += int(parsed["ScannedCount"])
            self.items[key] += items
            if error:
                self.errors[key + (error,)] += 1

    def _observe(self, hook: str, *args) -> None:
        t0, self._in_observer = time.perf_counter(), True
        try:
            for observer in self.observers:
                getattr(observer, hook)(*args)
        finally:
            self._in_observer = False
            self.overhead += time.perf_counter() - t0

    def reset(self) -> None:
        with self._lock:
            self.overhead = 0.0
            self.items.clear()
            self.counts.clear()
            self.seconds.clear()
            self.errors.clear()
            self.items_read.clear()

    def snapshot(self) -> tuple[Counter, Counter]:
        """(calls, seconds) so far, by (service, operation, target); subtract two snapshots to
        get what happened in between. Errors: :attr:`errors` (reset with :meth:`reset`)."""
        with self._lock:
            return Counter(self.counts), Counter(self.seconds)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Don't count what runs inside (setup, checks between measured calls)."""
        previous, self._active = self._active, False
        t0, counted = time.perf_counter(), previous and not self._in_observer
        try:
            yield
        finally:
            self._active = previous
            if counted:
                self.overhead += time.perf_counter() - t0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _items_read(parsed: dict) -> int:
    if "ScannedCount" in parsed:
        return int(parsed["ScannedCount"])
    if "Item" in parsed:
        return 1
    if "Responses" in parsed and isinstance(parsed["Responses"], dict):
        return sum(len(v) for v in parsed["Responses"].values())
    return 0


calls = CallCounter()


# --- the demo city on moto -------------------------------------------------------------------

class FakeClock:
    def __init__(self, start: float):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class City:
    """What :func:`demo_city` yields."""

    def __init__(self, *, clock, sms, resources, container, calls: CallCounter, seeded: dict):
        self.clock, self.sms, self.resources = clock, sms, resources
        self.container, self.calls, self.seeded = container, calls, seeded
        self._reader = None

    def drain_outbox(self, handled=None) -> int:
        """The timeline stream's consumer (SMS, events, counters, the next escalation step), run
        as Lambda's event source mapping runs it until no record is left; reading the stream is
        not counted (free for a Lambda trigger), the consumer's own calls are. ``handled``: called
        once per batch. Returns the number of batches."""
        from chalicelib.adapters.streams import StreamReader
        from chalicelib.jobs.outbox import on_timeline
        batches = 0
        while True:
            with self.calls.paused():
                if self._reader is None:
                    import boto3
                    settings = self.container.settings
                    self._reader = StreamReader(
                        boto3.client("dynamodbstreams", region_name=settings.region),
                        settings.timeline_stream_arn)
                pending = list(self._reader.batches(100))
            if not pending:
                return batches
            for shard, event in pending:
                response = on_timeline(event, None)
                batches += 1
                if handled is not None:
                    handled()
                with self.calls.paused():
                    self._reader.accept(shard, event, response)


@contextlib.contextmanager
def demo_city(*, sms: str = "sns", start: float = MONDAY_10AM,
              execute_state_machines: bool = False) -> Iterator[City]:
    """moto started, every resource provisioned, the demo city seeded, a fake clock.

    ``sms="sns"`` sends SMS through the real SNS adapter (so Publish calls are counted);
    ``sms="record"`` keeps them in memory (``RecordingSms``). Setup calls are not counted.
    Everything else is what the app builds itself (EventBridge bus, Step Functions timers...).
    """
    from moto import mock_aws

    with mock_aws(config=moto_config(execute_state_machines)):
        with calls.paused():
            import boto3

            from chalicelib import config
            from chalicelib.adapters.provision import provision
            from chalicelib.adapters.sms import RecordingSms, SnsSms
            from chalicelib.services import dispatch, sla_service
            from chalicelib.services.seed import seed
            from chalicelib.wiring import container

            settings = config.reload()
            container.reset()
            sla_service.clear_cache()
            dispatch.reset_classifier()
            out = provision(settings)
            seeded = seed()
            for key, value in out.env().items():
                os.environ[key] = value
            settings = config.reload()
            if sms == "sns":
                sender = SnsSms(boto3.client("sns", region_name=settings.region),
                                settings.sms_sender_id)
            else:
                sender = RecordingSms()
            clock = FakeClock(start)
            container.override(sms=sender, clock=clock)
        city = City(clock=clock, sms=sender, resources=out, container=container, calls=calls,
                    seeded=seeded)
        try:
            yield city
        finally:
            container.reset()
            sla_service.clear_cache()
            dispatch.reset_classifier()


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Send the app's stdout (Powertools JSON logs and EMF metric lines) to /dev/null at the file
    descriptor level, so a bench's own report stays readable. The app still formats and writes
    every line, as it does in Lambda, so that cost stays inside the measured times."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


# --- DynamoDB item sizes ---------------------------------------------------------------------

def _value_size(value: dict) -> int:
    (kind, v), = value.items()
    if kind == "S":
        return len(v.encode("utf-8"))
    if kind == "B":
        return len(v)
    if kind == "N":
        digits = v.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_size(x) for x in v)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + _value_size(x) for k, x in v.items())
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: x}) for x in v)
    raise ValueError(kind)


def item_size(item: dict) -> int:
    """Approximate DynamoDB item size in bytes (attribute names + values, as DynamoDB bills
    them) of a low-level item (``{"name": {"S": "..."}}``)."""
    return sum(len(name.encode("utf-8")) + _value_size(v) for name, v in item.items())


def table_item_sizes(table: str) -> list[int]:
    """Sizes of every item of one of the app's tables (logical name), not counted as calls."""
    import boto3
    with calls.paused():
        client = boto3.client("dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"])
        name = os.environ["MINYI_TABLE_PREFIX"] + table
        sizes: list[int] = []
        for page in client.get_paginator("scan").paginate(TableName=name):
            sizes.extend(item_size(i) for i in page["Items"])
        return sizes


# --- statistics and printing -------------------------------------------------------------------

def percentile(values: Iterable[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def timing(ms: list[float]) -> dict:
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95),
            "max": max(ms) if ms else math.nan}


def format_timing(label: str, ms: list[float]) -> str:
    t = timing(ms)
    return (f"{label:<34} n={t['n']:<5} p50={t['p50']:7.2f} ms  p95={t['p95']:7.2f} ms  "
            f"max={t['max']:7.2f} ms")


def format_calls(counts: Counter, per: int, per_label: str = "per submission",
                 seconds: Counter | None = None, errors: Counter | None = None) -> str:
    """A table: service, operation, target, total calls, calls per unit of work and, given
    ``seconds``, the mean milliseconds per call (botocore + moto); given ``errors``, how many
    of the calls came back with which error code."""
    rows = sorted(counts.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1], kv[0][2]))
    head = f"{'service':<13} {'operation':<19} {'table(s)':<15} {'calls':>6} {per_label:>15}"
    if seconds is not None:
        head += f" {'ms/call':>8}"
    lines = [head, "-" * len(head)]
    for key, n in rows:
        service, op, target = key
        line = f"{service:<13} {op:<19} {target:<15} {n:>6} {n / per:>15.2f}"
        if seconds is not None:
            line += f" {seconds.get(key, 0.0) * 1000 / n:>8.2f}"
        if errors:
            failed = [f"{c} {code}" for (*k, code), c in sorted(errors.items())
                      if tuple(k) == key]
            if failed:
                line += "  errors: " + ", ".join(failed)
        lines.append(line)
    total = sum(counts.values())
    lines.append("-" * len(head))
    lines.append(f"{'total':<13} {'':<19} {'':<15} {total:>6} {total / per:>15.2f}")
    return "\n".join(lines)


setup_env()
calls.install()
