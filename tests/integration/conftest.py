"""Integration tier: services and adapters against in-process moto, provisioned from the same
definitions the local stack and infra use."""

from __future__ import annotations

import threading

import pytest
from moto import mock_aws

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True},
               "lambda": {"use_docker": False}}


class FakeClock:
    def __init__(self, start: float):
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


_MOTO_WRITE_LOCK = threading.RLock()


@pytest.fixture(scope="session", autouse=True)
def atomic_moto_dynamodb():
    """moto's DynamoDB is not thread-safe: a failed TransactWriteItems restores a deep copy of
    the tables taken before it ran, wiping a concurrent winner's write, and a conditional put is a
    check-then-write without a lock. DynamoDB applies each of these atomically; serialize them so
    the race tests exercise our version checks, not moto's threading."""
    from moto.dynamodb.models import DynamoDBBackend

    originals = {}
    for name in ("transact_write_items", "put_item", "update_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)
        originals[name] = original

        def locked(self, *args, __original=original, **kwargs):
            with _MOTO_WRITE_LOCK:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)
    yield
    for name, original in originals.items():
        setattr(DynamoDBBackend, name, original)


@pytest.fixture
def aws():
    with mock_aws(config=MOTO_CONFIG):
        yield


@pytest.fixture
def stack(aws):
    """Provisioned and seeded demo city, with recorded SMS and a controllable clock."""
    from chalicelib import config
    from chalicelib.adapters.provision import provision
    from chalicelib.adapters.sms import RecordingSms
    from chalicelib.services import dispatch, sla_service
    from chalicelib.services.container import container
    from chalicelib.services.seed import seed

    settings = config.reload()
    container.reset()
    sla_service.clear_cache()
    dispatch.reset_classifier()
    out = provision(settings)
    seed()
    sms = RecordingSms()
    # 2026-11-23 10:00 Asia/Shanghai, a Monday
    clock = FakeClock(1795399200.0)
    container.override(sms=sms, clock=clock)
    for key, value in out.env().items():
        import os
        os.environ[key] = value
    config.reload()

    class Stack:
        pass

    s = Stack()
    s.sms, s.clock, s.resources, s.container = sms, clock, out, container
    yield s
    container.reset()
    sla_service.clear_cache()
    dispatch.reset_classifier()


@pytest.fixture
def no_escalation_timers(stack, monkeypatch):
    """No escalation state machine executions, for tests about something else: the lifecycle
    hooks still run and esc_rev still moves (the escalation tests run the real machine). Also
    needed by tests that set the clock into the past, where every deadline would fire at once."""
    from chalicelib import config
    monkeypatch.setenv("MINYI_ESCALATION_SM_ARN", "")
    config.reload()
