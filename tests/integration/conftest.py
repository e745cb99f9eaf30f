"""Integration tier: services and adapters against in-process moto, provisioned from the same
definitions the local stack and infra use."""

from __future__ import annotations

import pytest
from moto import mock_aws

from tests.clock import clock_start

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True},
               "lambda": {"use_docker": False}}


class FakeClock:
    def __init__(self, start: float):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture(scope="session", autouse=True)
def atomic_moto_dynamodb():
    """moto's DynamoDB serialized per operation, as DynamoDB applies each one atomically: the same
    patch the local stack's moto_server runs (scripts/moto_atomic.py explains why)."""
    from scripts.moto_atomic import patch_dynamodb

    restore = patch_dynamodb()
    yield
    restore()


@pytest.fixture(scope="session", autouse=True)
def fast_moto_items():
    """moto's DynamoDB attribute values written in their wire form, not walked member by member
    through its generic serializer, and a transaction's rollback copy limited to what it can
    change (scripts/moto_fast.py; the local stack runs the same patches).
    MINYI_MOTO_FAST_VERIFY=1 checks every value against moto's own encoding."""
    import os

    from scripts.moto_fast import patch_item_order, patch_serializer, patch_transactions

    if os.environ.get("MINYI_MOTO_STOCK") == "1":       # to measure what they save
        yield
        return
    restore = [patch_serializer(verify=os.environ.get("MINYI_MOTO_FAST_VERIFY") == "1"),
               patch_transactions(), patch_item_order()]
    yield
    for undo in reversed(restore):
        undo()


@pytest.fixture(scope="session", autouse=True)
def read_aws_definitions_once():
    """Each test's ``mock_aws`` starts with a fresh boto3 default session, which re-reads every
    service model from disk, and moto re-parses (with its ANTLR grammar) each state machine it is
    given: together more than half of a test's set-up, the same in every test. Both are read once
    per worker: one botocore loader (it caches what it reads) for every session, and a definition
    moto has accepted is not parsed again to be accepted again (executions still parse it)."""
    import functools
    import os

    import botocore.loaders
    import botocore.session
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    if os.environ.get("MINYI_MOTO_STOCK") == "1":       # to measure what it saves
        yield
        return
    create_loader = botocore.session.create_loader
    botocore.session.create_loader = functools.lru_cache(maxsize=None)(
        botocore.loaders.create_loader)
    validate = StepFunctionsParserBackend.__dict__["_validate_definition"]
    accepted: set[str] = set()

    def validate_once(definition: str):
        if definition not in accepted:
            validate.__func__(definition=definition)
            accepted.add(definition)

    StepFunctionsParserBackend._validate_definition = staticmethod(validate_once)
    yield
    StepFunctionsParserBackend._validate_definition = validate
    botocore.session.create_loader = create_loader


@pytest.fixture(scope="session", autouse=True)
def one_change_path():
    """Every integration test also checks the design's first rule: app code writes a ticket only
    through services/changes.py (which commits it with its timeline entries in one transaction).
    Tests may still write fixtures directly."""
    import sys

    from chalicelib.adapters.models import TicketModel
    from chalicelib.adapters.tickets_repo import TicketRepository

    def app_caller() -> str | None:
        frame = sys._getframe(2)
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if module.startswith("chalicelib."):
                return module
            if module.startswith("tests.") or module.startswith("test_"):
                return None
            frame = frame.f_back
        return None

    patched = []

    def guard(owner, name, allowed: set[str]):
        original = getattr(owner, name)

        def checked(*args, **kwargs):
            caller = app_caller()
            if caller is not None and caller not in allowed:
                raise AssertionError(f"{caller} writes a ticket outside services/changes.py")
            return original(*args, **kwargs)

        setattr(owner, name, checked)
        patched.append((owner, name, original))

    for name in ("save", "update", "delete"):
        guard(TicketModel, name, set())
    for name in ("save", "create", "store_plan"):
        guard(TicketRepository, name, {"chalicelib.services.changes"})
    guard(TicketRepository, "save_all", {"chalicelib.services.changes",
                                         "chalicelib.adapters.tickets_repo"})
    yield
    for owner, name, original in patched:
        setattr(owner, name, original)


@pytest.fixture
def aws():
    with mock_aws(config=MOTO_CONFIG):
        yield


class Outbox:
    """The timeline stream's consumer, run in-process as Lambda's event source mapping would run
    it (scripts/pump.py does the same for the local stack)."""

    def __init__(self):
        import boto3

        from chalicelib import config
        from chalicelib.adapters.streams import StreamReader
        from chalicelib.jobs.outbox import on_timeline
        self.reader = StreamReader(boto3.client("dynamodbstreams"),
                                   config.settings.timeline_stream_arn)
        self.handler = on_timeline
        self._running = False

    def drain(self) -> int:
        if self._running:           # an effect that reads the SMS log while sending
            return 0
        self._running = True
        try:
            handled = 0
            while True:
                batch = 0
                for shard, event in self.reader.batches(100):
                    batch += self.reader.accept(shard, event, self.handler(event, None))
                if not batch:
                    return handled
                handled += batch
        finally:
            self._running = False


class OutboxSms:
    """Recorded SMS, read after the outbox has caught up (in AWS it does within seconds)."""

    def __init__(self, recording, outbox: Outbox):
        self._recording, self._outbox = recording, outbox

    def send(self, phone: str, text: str) -> str:
        return self._recording.send(phone, text)

    @property
    def sent(self):
        self._outbox.drain()
        return self._recording.sent

    def to(self, phone: str) -> list[str]:
        self._outbox.drain()
        return self._recording.to(phone)


@pytest.fixture
def stack(aws):
    """Provisioned and seeded demo city, with recorded SMS and a controllable clock."""
    from chalicelib import config
    from chalicelib.adapters.provision import provision
    from chalicelib.adapters.sms import RecordingSms
    from chalicelib.services import dispatch, sla_service
    from chalicelib.services.seed import seed
    from chalicelib.wiring import container

    settings = config.reload()
    container.reset()
    sla_service.clear_cache()
    dispatch.reset_classifier()
    out = provision(settings)
    seed()
    # 10:00 Asia/Shanghai on a Monday of a normal working week (tests/clock.py)
    clock = FakeClock(clock_start())
    for key, value in out.env().items():
        import os
        os.environ[key] = value
    config.reload()
    outbox = Outbox()
    sms = OutboxSms(RecordingSms(), outbox)
    container.override(sms=sms, clock=clock)

    class Stack:
        pass

    s = Stack()
    s.sms, s.clock, s.resources, s.container = sms, clock, out, container
    s.outbox = outbox
    yield s
    container.reset()
    sla_service.clear_cache()
    dispatch.reset_classifier()


@pytest.fixture
def no_escalation_timers(stack, monkeypatch):
    """No escalation sweep can start, for tests about something else. Nothing escalates unless a
    test runs a sweep (``services/escalation.sweep_now``) anyway; this also stops the schedule
    handler from starting one if a test fires it."""
    from chalicelib import config
    monkeypatch.setenv("MINYI_SWEEP_SM_ARN", "")
    config.reload()


@pytest.fixture
def client(stack):
    """The app's HTTP and Lambda test client (chalice.test) on the moto stack."""
    from chalice.test import Client

    import app as app_module
    with Client(app_module.app) as c:
        yield c
