"""E2E tier: a real moto_server and `chalice local` (and the pump) as processes on free ports,
spoken to over HTTP, exactly as `make run` starts them."""

from __future__ import annotations

import json
import os
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import requests

from chalicelib import config
from chalicelib.wiring import container
from scripts.local_stack import start_stack
from tests.clock import clock_start

# The app under test lives in the test clock's week (tests/clock.py), not today's; so does
# this process (the staff tokens it signs are checked against the app's clock).
CLOCK_OFFSET = str(int(clock_start() - time.time()))
os.environ["MINYI_CLOCK_OFFSET_SECONDS"] = CLOCK_OFFSET
config.reload()
container.reset()


# Every wait below is a ceiling, left as soon as its condition holds: it only decides how long a
# failing test takes. A CI machine busy with other tiers runs the pump and the Wait states several
# times slower than a quiet one (a clean-clone run at load 10 missed 30 s ceilings), so ceilings
# are generous: each timeout a test names is multiplied by this.
PATIENCE = 4.0


def clock_env() -> dict:
    return {"MINYI_CLOCK_OFFSET_SECONDS": CLOCK_OFFSET}


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    stack = start_stack(log_dir=tmp_path_factory.mktemp("logs"),
                        extra_env={"MINYI_PUMP_SCHEDULE_SCALE": "0.01", **clock_env()})
    yield stack
    stack.stop()


class Client:
    def __init__(self, base: str, moto: str, stack=None):
        self.base = base
        self.moto = moto
        self.stack = stack
        self.s = requests.Session()

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the pump's outbox has handled every committed timeline entry: the SMS
        and events of what the test did have gone out (in AWS: within seconds)."""
        try:
            eventually(self.stack.outbox_caught_up, timeout=timeout, interval=0.2)
        except AssertionError:
            state = Path(self.stack.env["MINYI_PUMP_STATE"])
            saved = state.with_name(f"{state.stem}-outbox.json")
            position = saved.read_text() if saved.exists() else "no position saved"
            raise AssertionError(f"the pump's outbox is behind ({position}); "
                                 f"see {state.parent}/pump.log") from None

    def login(self, openid: str) -> dict:
        r = self.s.post(f"{self.base}/v1/auth/wechat", json={"code": f"test-{openid}"})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def post(self, path, headers=None, **kw):
        return self.s.post(f"{self.base}{path}", headers=headers or {}, timeout=30, **kw)

    def get(self, path, headers=None, **kw):
        return self.s.get(f"{self.base}{path}", headers=headers or {}, timeout=30, **kw)

    def sms_to(self, phone: str) -> list[str]:
        if self.stack is not None:
            self.settle()
        with urllib.request.urlopen(f"{self.moto}/moto-api/data.json", timeout=30) as resp:
            data = json.load(resp)
        return [m["message"] for m in data.get("sns", {}).get("SMS", [])
                if m["phone_number"] == phone]


@pytest.fixture
def client(live):
    return Client(live.api, live.endpoint, live)


@pytest.fixture
def key():
    return f"e2e-{uuid.uuid4().hex}"


def eventually(check, timeout: float = 20.0, interval: float = 0.3):
    deadline = time.monotonic() + timeout * PATIENCE
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met in {timeout * PATIENCE}s (last: {last!r})")
