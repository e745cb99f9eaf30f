"""The fault tier (issue 11 point 5): the e2e tier's local stack (moto_server, the local API, the
pump) with a fault-injecting proxy (tests/faults/proxy.py) between each process and moto, one
proxy port for the API and one for the pump, so a test can make one side's AWS calls fail or
hang; plus the processes themselves, to kill, freeze (SIGSTOP) and restart.

Deadlines are seconds (``DEMO_SLA_SECONDS=2``), so every ticket nobody signs for climbs the whole
ladder (village -> township -> county -> city, then the top-of-ladder ``overdue`` mark) within
seconds: a ticket's final set of SMS and events does not depend on when it was checked.

``reconcile`` is the one check every fault test ends with, after recovery: every acknowledged
ticket has its timeline, its escalation, its SMS and its events, each exactly as a ticket that
met no fault has them (so nothing is missing and nothing was sent twice); exactly one ticket per
idempotency key; nothing at all for a request that was refused."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import boto3
import pytest

from chalicelib.services.staff_auth import issue_dev_token
from scripts.local_stack import BASE_ENV, ROOT, _wait_ready, free_port, start_stack, wait_http
from tests.e2e.conftest import Client, clock_env, eventually
from tests.faults.proxy import FaultProxy

DISPATCHER = {"Authorization": "Bearer " + issue_dev_token("disp_liumin", "u-center",
                                                           ["dispatcher"])}
DESCRIPTION = "小区物业不作为，楼道垃圾一周没人清理"
TIME = re.compile(r"\d{1,2}月\d{1,2}日\d{1,2}:\d{2}")
REMINDER = re.compile(r"(将于|今天到).{0,24}(签收|答复)期限")    # UnitReminder(LastDay)
LADDER_TOP = "overdue"       # the sweep's last entry: the ticket is at the top and overdue
_phones = iter(range(1000, 10000))


def submission(phone: str, **over) -> dict:
    body = {"type": "complaint", "description": DESCRIPTION, "region_code": "369902001001",
            "phone": phone, "category": "A0101"}
    body.update(over)
    return body


def new_phone() -> str:
    return f"1390000{next(_phones):04d}"


def _reminder_lost(entry: dict) -> bool:
    """The reminder job sends once and records a failure for good (services/sms_delivery):
    whether it ran during an SMS outage depends on timing, like the reminder itself."""
    return entry["kind"] == "sms_failed" and str(
        (entry.get("data") or {}).get("template") or "").startswith("unit_reminder")


class Faulty:
    """The stack, its proxy and the processes a fault test acts on."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        moto_port = free_port()
        self.proxy = FaultProxy(f"http://127.0.0.1:{moto_port}")
        self.api_endpoint = self.proxy.listen("api")
        self.pump_endpoint = self.proxy.listen("pump")
        self.stack = start_stack(moto_port, log_dir=log_dir, pump=False, extra_env={
            "DEMO_SLA_SECONDS": "2", "TZ": "UTC", **clock_env(),
            "AWS_ENDPOINT_URL": self.api_endpoint})
        self.pump: subprocess.Popen | None = None
        self.pumps = 0
        self.events_seen: list[dict] = []
        self._events_queue = self._capture_events()
        self.start_pump()
        self.client = Client(self.stack.api, self.stack.endpoint, self.stack)
        self.citizen = self.client.login("faults")
        self._baseline: dict | None = None
        self._baseline_ticket = self.submit_ok(1)[0]     # climbs while the first test runs

    # -- processes --------------------------------------------------------------------------
    @property
    def moto(self) -> subprocess.Popen:
        return self.stack.procs[0]

    @property
    def api(self) -> subprocess.Popen:
        return self.stack.procs[1]

    def start_pump(self, extra_env: dict | None = None) -> None:
        self.pumps += 1
        log = self.log_dir / f"pump-{self.pumps}.log"
        env = {**self.stack.env, "AWS_ENDPOINT_URL": self.pump_endpoint, **(extra_env or {})}
        self.pump = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "pump.py")],
                                     cwd=ROOT, env=env, stdout=open(log, "wb"),
                                     stderr=subprocess.STDOUT)
        self.stack.procs.append(self.pump)
        _wait_ready(log, self.pump)

    def kill(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def restart_api(self) -> None:
        """A new API process on the same port (what Lambda does after a crash: a new one)."""
        log = self.log_dir / f"api-{len(self.stack.procs)}.log"
        api = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "local_api.py"), "--stage", "local",
             "--host", "127.0.0.1", "--port", str(self.stack.api_port)],
            cwd=ROOT, env=self.stack.env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
        self.stack.procs[1] = api
        wait_http(f"{self.stack.api}/v1/categories", timeout=90, proc=api)

    def stop(self) -> None:
        self.proxy.clear()
        for proc in self.stack.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)       # a frozen process cannot stop
        self.stack.stop()
        self.proxy.close()

    # -- the client side ----------------------------------------------------------------------
    def submit(self, phone: str, key: str | None = None, timeout: float = 30, **over):
        return self.client.s.post(f"{self.stack.api}/v1/tickets", timeout=timeout,
                                  headers={**self.citizen,
                                           "Idempotency-Key": key or uuid.uuid4().hex},
                                  json=submission(phone, **over))

    def submit_ok(self, n: int) -> list[dict]:
        """``n`` acknowledged tickets, each with its own phone (one ticket per number)."""
        tickets = []
        for _ in range(n):
            phone = new_phone()
            r = self.submit(phone)
            assert r.status_code == 201, r.text
            tickets.append({**r.json(), "phone": phone})
        return tickets

    def refuse(self) -> str:
        """A request the API refuses (an unknown region): its phone must never appear."""
        phone = new_phone()
        r = self.submit(phone, region_code="110000000000")
        assert r.status_code == 400, r.text
        return phone

    # -- what was stored and sent -------------------------------------------------------------
    def aws(self, service: str):
        return boto3.client(service, endpoint_url=self.stack.endpoint,
                            region_name=BASE_ENV["AWS_DEFAULT_REGION"],
                            aws_access_key_id="local", aws_secret_access_key="local")

    def _capture_events(self) -> str:
        """Every event on the bus also lands on a queue of the test's own (read at the end)."""
        sqs, events = self.aws("sqs"), self.aws("events")
        url = sqs.create_queue(QueueName="faults-events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        bus = self.stack.env["MINYI_EVENT_BUS"]
        events.put_rule(Name="faults-all", EventBusName=bus,
                        EventPattern=json.dumps({"source": ["minyi.tickets"]}))
        events.put_targets(Rule="faults-all", EventBusName=bus,
                           Targets=[{"Id": "faults", "Arn": arn}])
        return url

    def events(self) -> list[dict]:
        sqs = self.aws("sqs")
        while True:
            messages = sqs.receive_message(QueueUrl=self._events_queue, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                return self.events_seen
            for m in messages:
                self.events_seen.append(json.loads(m["Body"]))
            sqs.delete_message_batch(QueueUrl=self._events_queue, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages)])

    def all_sms(self) -> list[tuple[str, str]]:
        with urllib.request.urlopen(f"{self.stack.endpoint}/moto-api/data.json",
                                    timeout=30) as resp:
            data = json.load(resp)
        return [(m["phone_number"], m["message"]) for m in data.get("sns", {}).get("SMS", [])]

    def stored_phones(self) -> Counter:
        """How many tickets the tickets table holds per citizen phone."""
        table = f"{BASE_ENV['MINYI_TABLE_PREFIX']}tickets"
        phones: Counter = Counter()
        for page in self.aws("dynamodb").get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                if "phone" in item and "code" in item:
                    phones[item["phone"]["S"][-11:]] += 1
        return phones

    def view(self, ticket_id: str) -> dict:
        r = self.client.get(f"/v1/staff/tickets/{ticket_id}", headers=DISPATCHER)
        assert r.status_code == 200, r.text
        return r.json()

    def at_top(self, ticket: dict) -> bool:
        return any(e["kind"] == LADDER_TOP for e in self.view(ticket["id"])["timeline"])

    def effects_of(self, ticket: dict) -> tuple[Counter, Counter, list]:
        """(its SMS, normalized: code, phone and times replaced; its events by type; the
        timeline's kinds)."""
        code, phone = ticket["code"], ticket["phone"]
        mine = Counter((p, text) for p, text in self.all_sms() if code in text)
        twice = [sms for sms, n in mine.items() if n > 1]
        assert not twice, f"{code}: sent more than once: {twice}"
        # the reminder job's SMS depend on when it ran while the ticket sat at a level
        sms = Counter((p.replace(phone, "<citizen>"),
                       TIME.sub("<time>", text.replace(code, "<code>")))
                      for p, text in mine.elements() if not REMINDER.search(text))
        events = Counter(e["detail-type"] for e in self.events()
                         if e["detail"].get("ticket_id", e["detail"].get("id")) == ticket["id"])
        kinds = [e["kind"] for e in self.view(ticket["id"])["timeline"]
                 if e["kind"] != "duplicates_found"       # screening: same text, same place
                 and not _reminder_lost(e)]
        return sms, events, kinds

    def baseline(self) -> dict:
        """A ticket that met no fault, once it reached the top of the ladder."""
        if self._baseline is None:
            ticket = self._baseline_ticket
            eventually(lambda: self.at_top(ticket), timeout=180, interval=1)
            self.client.settle(timeout=120)
            sms, events, kinds = self.effects_of(ticket)
            assert "escalated" in kinds and sum(sms.values()) >= 4, (kinds, sms)
            assert events["TicketSubmitted"] == 1, events
            self._baseline = {"sms": sms, "events": events, "kinds": kinds}
        return self._baseline

    def reconcile(self, tickets: list[dict], refused: list[str] = ()) -> None:
        expected = self.baseline()
        eventually(lambda: all(self.at_top(t) for t in tickets), timeout=180, interval=1)
        self.client.settle(timeout=120)
        problems = []
        for ticket in tickets:
            sms, events, kinds = self.effects_of(ticket)
            if kinds != expected["kinds"]:
                problems.append(f"{ticket['code']} timeline {kinds} != {expected['kinds']}")
            if sms != expected["sms"]:
                problems.append(f"{ticket['code']} SMS missing {expected['sms'] - sms}, "
                                f"extra {sms - expected['sms']}")
            if events != expected["events"]:
                problems.append(f"{ticket['code']} events {dict(events)} != "
                                f"{dict(expected['events'])}")
        stored = self.stored_phones()
        for ticket in tickets:
            if stored[ticket["phone"]] != 1:
                problems.append(f"{stored[ticket['phone']]} tickets for {ticket['phone']}")
        sent_to = {p[-11:] for p, _ in self.all_sms()}
        for phone in refused:
            if stored[phone] or phone in sent_to:
                problems.append(f"refused request {phone}: {stored[phone]} tickets, "
                                f"SMS: {phone in sent_to}")
        assert problems == [], "\n".join(problems)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    stack = Faulty(tmp_path_factory.mktemp("fault-logs"))
    try:
        stack.baseline()                 # before any fault, so no fault can shape it
    except BaseException:
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.fixture
def proxy(faulty):
    yield faulty.proxy
    faulty.proxy.clear()


def pump_calls(operation: str, *, sms: bool | None = None, body: bytes | None = None):
    def matches(call) -> bool:
        if call.source != "pump" or call.operation != operation:
            return False
        if sms is not None and (call.form("PhoneNumber") is not None) != sms:
            return False
        return body is None or body in call.body
    return matches


def wait_for(check, timeout: float = 90.0):
    return eventually(check, timeout=timeout, interval=0.1)
