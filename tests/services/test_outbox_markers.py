"""The outbox's marker per timeline entry, on the markers fake (tests/services/fakes.py): one
claim per entry and one write as each effect finishes (the last marks the entry done), a retry
runs only what failed, a lease another consumer holds is busy, an expired one is claimed again
and skips what its dead holder recorded done."""

from __future__ import annotations

import pytest

from chalicelib.adapters.tickets_repo import new_event
from chalicelib.domain.ticket import Actor
from chalicelib.services import outbox


class Effects:
    """The effects of the entry under test: each call of a guarded one is recorded; the names
    in ``down`` raise."""

    def __init__(self, *names: str, unguarded: tuple[str, ...] = ()):
        self.names, self.unguarded = names, unguarded
        self.ran: list[str] = []
        self.down: set[str] = set()

    def run(self, name: str) -> None:
        if name in self.down:
            raise ConnectionError(f"{name} unavailable")
        self.ran.append(name)

    def __call__(self, _entry) -> list[outbox.Effect]:
        return [outbox.Effect(n, "r", lambda n=n: self.run(n)) for n in self.names] + [
            outbox.Effect(n, "r", lambda n=n: self.run(n), guarded=False)
            for n in self.unguarded]


@pytest.fixture
def entry(world):
    ticket = world.tickets.add("01J0000000000000000000000B", code="2606090000014",
                               created_at=world.now, updated_at=world.now, type="complaint",
                               region_code="369902001001", description="路灯不亮",
                               citizen_id="tel:+8613812345678", phone="+8613812345678",
                               channel="wechat", status="accepted")
    return new_event(ticket, "signed", Actor("staff", "h1", "u-vil-hongqi"), world.now,
                     data={"snap": {"code": ticket.code, "status": "accepted"}})


def marker_writes(world) -> list[str]:
    return [op for op, key in world.markers.writes if key.startswith("fx#")]


def test_an_entry_writes_one_claim_and_one_write_per_effect(world, entry, monkeypatch):
    effects = Effects("sms", "sms-co", "event", "supervise", "partner")
    monkeypatch.setattr(outbox, "effects", effects)
    assert set(outbox.process(entry).values()) == {"sent"}
    assert effects.ran == ["sms", "sms-co", "event", "supervise", "partner"]
    assert marker_writes(world) == ["claim_entry"] + ["record_done"] * 5
    assert set(outbox.process(entry).values()) == {"done"}        # delivered again
    assert len(effects.ran) == 5
    assert marker_writes(world) == ["claim_entry"] + ["record_done"] * 5 + ["claim_entry"]
    # an entry without a guarded effect writes no marker: its effects' own writes apply them
    unguarded = Effects(unguarded=("measures", "learn"))
    monkeypatch.setattr(outbox, "effects", unguarded)
    outbox.process(entry)
    assert unguarded.ran == ["measures", "learn"] and len(marker_writes(world)) == 7


def test_a_retry_runs_only_the_effect_that_failed(world, entry, monkeypatch):
    effects = Effects("sms", "event", "supervise")
    monkeypatch.setattr(outbox, "effects", effects)
    effects.down.add("event")
    with pytest.raises(ConnectionError):
        outbox.process(entry)
    assert effects.ran == ["sms", "supervise"]
    effects.down.clear()
    results = outbox.process(entry)          # at once: the failure released the lease
    assert results == {"sms:r": "done", "event:r": "sent", "supervise:r": "done"}
    assert effects.ran == ["sms", "supervise", "event"]
    assert marker_writes(world) == ["claim_entry", "record_done", "record_done", "finish_entry",
                                    "claim_entry", "record_done"]


def test_a_lease_another_consumer_holds_is_busy_and_an_expired_one_is_claimed(
        world, entry, monkeypatch):
    effects = Effects("sms", "event", unguarded=("measures",))
    monkeypatch.setattr(outbox, "effects", effects)
    key = f"fx#{entry.ticket_id}#{entry.sk}"
    world.markers.claim_entry(key, now=world.now, lease_until=world.now + outbox.LEASE_SECONDS,
                              expires_at=world.now + outbox.RETAIN_SECONDS)  # then it died
    world.advance(outbox.LEASE_SECONDS - 1)
    with pytest.raises(outbox.EffectBusy):
        outbox.process(entry)
    assert effects.ran == []
    world.advance(2)                                     # the dead consumer's lease expired
    assert outbox.process(entry) == {"sms:r": "sent", "event:r": "sent", "measures:r": "sent"}
    assert effects.ran == ["sms", "event", "measures"]


def test_a_consumer_killed_mid_entry_repeats_only_the_effect_under_way(world, entry,
                                                                        monkeypatch):
    """Each effect is recorded done as it finishes: a consumer that dies while the third runs
    leaves the first two done; once its lease expires, the redelivery runs the third (it may
    have gone: at-least-once there) and the ones after it, never the first two."""

    class Killed(BaseException):
        pass

    effects = Effects("sms-a", "sms-b", "sms-c", "event")
    monkeypatch.setattr(outbox, "effects", effects)
    real = effects.run

    def dies_on_c(name):
        if name == "sms-c":
            raise Killed()
        real(name)

    monkeypatch.setattr(effects, "run", dies_on_c)
    with pytest.raises(Killed):
        outbox.process(entry)
    assert effects.ran == ["sms-a", "sms-b"]
    monkeypatch.setattr(effects, "run", real)
    with pytest.raises(outbox.EffectBusy):               # the dead consumer's lease
        outbox.process(entry)
    world.advance(outbox.LEASE_SECONDS + 1)
    assert outbox.process(entry) == {"sms-a:r": "done", "sms-b:r": "done", "sms-c:r": "sent",
                                     "event:r": "sent"}
    assert effects.ran == ["sms-a", "sms-b", "sms-c", "event"]
    assert set(outbox.process(entry).values()) == {"done"}
