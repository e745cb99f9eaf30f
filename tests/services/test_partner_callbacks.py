"""Partner callbacks on fakes (issue 15 point 1): one attempt from the outbox, then retries by
the schedule with backoff (1, 2, 4 ... minutes), stuck after the last attempt, reported, and
retried on an admin's request; a partner that is down never fails the outbox's effect."""

from __future__ import annotations

import json
from unittest.mock import patch

import pytest

from chalicelib import config
from chalicelib.adapters.partner_http import RecordingCallbacks
from chalicelib.adapters.tickets_repo import new_event
from chalicelib.domain import partners as rules
from chalicelib.domain.ticket import Actor
from chalicelib.services import outbox, partners
from chalicelib.wiring import container

URL = "https://callback.example.cn/steps"
KEY = "renmin-hmac-key-0123456789abcdef"


class FakeRegistry:
    def __init__(self):
        self.items: dict[tuple[str, str], dict] = {}

    def get(self, kind, item_id):
        found = self.items.get((kind, item_id))
        return dict(found) if found is not None else None

    def put(self, kind, item_id, data, now, *, new=False):
        self.items[(kind, item_id)] = dict(data)

    def all(self, kind):
        return sorted((k[1], dict(v)) for k, v in self.items.items() if k[0] == kind)

    def delete(self, kind, item_id):
        self.items.pop((kind, item_id), None)


class FakeSecrets:
    def json(self, secret_id):
        assert secret_id == "minyi/test/partner/renmin"
        return {"hmac_key": KEY}


@pytest.fixture
def calls(world, monkeypatch):
    monkeypatch.setenv("MINYI_PARTNER_MAX_ATTEMPTS", "3")
    config.reload()
    recording = RecordingCallbacks()
    container.override(registry=FakeRegistry(), secrets=FakeSecrets(), partner_http=recording)
    partners.register({"source": "renmin", "name": "人民网留言板", "callback_url": URL,
                       "secret_id": "minyi/test/partner/renmin"})
    yield recording
    monkeypatch.delenv("MINYI_PARTNER_MAX_ATTEMPTS")
    config.reload()


def signed_step(world, kind="signed"):
    ticket = world.tickets.add("01J0000000000000000000000A", code="2606090000013",
                               created_at=world.now, updated_at=world.now, type="complaint",
                               region_code="369902001001", description="路灯不亮",
                               citizen_id="tel:+8613812345678", phone="+8613812345678",
                               channel="partner", status="accepted", partner_source="renmin",
                               partner_ref="RM-1")
    entry = new_event(ticket, kind, Actor("staff", "h1", "u-vil-hongqi"), world.now,
                      data={"snap": {"code": ticket.code, "status": "accepted", "version": 2,
                                     "partner_source": "renmin"}})
    return entry


def process(entry) -> dict:
    """The outbox's partner effect of one entry, once per entry and partner (its other
    effects are other tests' business)."""
    only = [f for f in outbox.effects(outbox.Entry(entry)) if f.name == "partner"]
    with patch.object(outbox, "effects", lambda _entry: only):
        return outbox.process(entry)


def deliveries() -> list[dict]:
    return [record for _, record in container.registry.all(partners.DELIVERIES)]


def test_delivered_at_once_signed_with_the_partners_key(world, calls):
    results = process(signed_step(world))
    assert results["partner:renmin"] == "sent"
    (call,) = calls.sent
    body = json.loads(call["body"])
    assert (body["source_id"], body["step"]["kind"], body["version"]) == ("RM-1", "signed", 2)
    rules.verify(KEY, call["headers"]["X-Minyi-Timestamp"], call["headers"]["X-Minyi-Signature"],
                 "POST", "/steps", call["body"])
    assert deliveries() == []


def test_retried_with_backoff_then_stuck_then_retried_by_the_admin(world, calls):
    calls.down.add(URL)
    entry = signed_step(world)
    assert process(entry)["partner:renmin"] == "sent"     # the outbox moves on
    assert process(entry)["partner:renmin"] == "done"     # once per entry and partner
    assert [(d["attempts"], d["next_at"] - world.now) for d in deliveries()] == [(1, 60)]
    assert partners.retry_due() == {}                          # not due yet
    world.advance(60)
    assert partners.retry_due() == {"pending": 1}
    assert [(d["attempts"], d["next_at"] - world.now) for d in deliveries()] == [(2, 120)]
    world.advance(120)
    assert partners.retry_due() == {"stuck": 1}
    world.advance(86400)
    assert partners.retry_due() == {}                          # stuck stays put
    report = partners.deliveries_report()
    assert (report["stuck"], report["pending"]) == (1, 0)
    assert calls.attempts == 3 and calls.sent == []
    calls.down.clear()
    report = partners.deliveries_report({"retry_stuck": True})
    assert report["retried"] == {"delivered": 1} and report["items"] == []
    assert len(calls.sent) == 1


def test_staff_only_steps_and_other_tickets_are_not_called_back(world, calls):
    entry = signed_step(world, kind="survey_sent")
    assert "partner:renmin" not in process(entry)
    entry = signed_step(world)
    entry.data = {"snap": {"code": "2606090000013", "status": "accepted"}}   # not a partner's
    assert "partner:renmin" not in process(entry)
