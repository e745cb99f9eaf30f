"""The timeline is the outbox: effects are read from committed entries, once per (entry, effect,
recipient), off the request path, and survive redelivery, outages and a killed consumer."""

from __future__ import annotations

from collections import Counter

import boto3
import pytest

from chalicelib.adapters.eventbus import RecordingBus
from chalicelib.adapters.models import RegistryModel, TicketEventModel, TicketModel
from chalicelib.adapters.sms import RecordingSms
from chalicelib.adapters.streams import StreamReader
from chalicelib.domain.errors import VersionConflict
from chalicelib.jobs.outbox import on_timeline
from chalicelib.services import intake, outbox, staff
from chalicelib.services.staff_auth import StaffUser

HONGQI = "369902001001"
HANDLER = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
CITIZEN = "+8613812345678"
CHAIN = ("u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city")


class Flaky:
    """An SMS provider or event bus that is down for its first ``down`` calls."""

    def __init__(self, inner, down: int):
        self.inner, self.down, self.calls = inner, down, 0

    def send(self, phone, text):
        self.calls += 1
        if self.calls <= self.down:
            raise ConnectionError("provider unavailable")
        return self.inner.send(phone, text)

    def publish_many(self, events, source=None):
        self.calls += 1
        if self.calls <= self.down:
            raise ConnectionError("PutEvents failed")
        return self.inner.publish_many(events)


class Killed(BaseException):
    """The Lambda process dying mid-batch (not an exception the handler could catch)."""


def submit(key: str, phone: str = "13812345678", *,
           text: str = "小区物业不作为，楼道垃圾一周没人清理", category: str = "A1001") -> dict:
    body = {"type": "complaint", "description": text, "region_code": HONGQI, "phone": phone,
            "category": category}
    return intake.submit(body, citizen_id="wx:outbox", channel="wechat", idempotency_key=key)


def unit_phone(stack, unit_id: str) -> str:
    return stack.container.reference.unit(unit_id).duty_phone


def fresh_reader(path=None) -> StreamReader:
    from chalicelib import config
    return StreamReader(boto3.client("dynamodbstreams"), config.settings.timeline_stream_arn,
                        path)


def drain(reader: StreamReader) -> int:
    handled = 0
    while True:
        batch = 0
        for shard, event in reader.batches(100):
            batch += reader.accept(shard, event, on_timeline(event, None))
        if not batch:
            return handled
        handled += batch


@pytest.fixture
def spies(stack):
    """Raw recorders the fixture's outbox does not drain into on read."""
    sms, bus = RecordingSms(), RecordingBus()
    stack.container.override(sms=sms, bus=bus)
    return sms, bus


def test_the_request_path_sends_nothing(stack, spies):
    sms, bus = spies
    t = submit("k-outbox-0001")
    staff.perform(HANDLER, t["id"], "sign", {})
    staff.perform(HANDLER, t["id"], "reply", {"text": "已处理", "grade": "A"})
    assert sms.sent == [] and bus.events == []          # committed, nothing sent yet
    drain(stack.outbox.reader)
    # accepted, signed (issue 15 point 9), replied
    assert [s.phone for s in sms.sent].count(CITIZEN) == 3
    assert [s.phone for s in sms.sent].count(unit_phone(stack, "u-vil-hongqi")) == 1
    assert [d for d, _ in bus.events] == ["TicketSubmitted", "TicketDispatched", "TicketReplied"]
    detail = bus.events[0][1]
    assert detail["ticket_id"] == t["id"] and detail["code"] == t["code"]
    assert detail["status"] == "dispatched" and detail["version"] == 1


def test_every_record_delivered_twice_sends_nothing_twice(stack, spies):
    sms, bus = spies
    t = submit("k-outbox-0002")
    staff.perform(HANDLER, t["id"], "sign", {})
    staff.perform(HANDLER, t["id"], "reply", {"text": "已处理", "grade": "A"})
    first = drain(fresh_reader())
    sent, published = len(sms.sent), len(bus.events)
    # the citizen three times (accepted, signed: issue 15 point 9, replied); the unit's
    # new-ticket SMS to its three duty contacts (issue 15 point 4)
    assert first >= 4 and sent == 6 and published == 3
    assert drain(fresh_reader()) == first                   # every record again
    assert (len(sms.sent), len(bus.events)) == (sent, published)


def test_sms_provider_down_then_up_sends_every_sms_once(stack, spies):
    sms, bus = spies
    flaky = Flaky(sms, down=5)
    stack.container.override(sms=flaky)
    ids = [submit(f"k-outbox-down-{i}", phone=f"1381234000{i}")["id"] for i in range(3)]
    reader = stack.outbox.reader
    for _ in range(5):                   # the stream keeps delivering while the provider is down
        drain(reader)
    assert flaky.calls == 5 and sms.sent == []
    drain(reader)                        # up again: the rest in order
    citizens = [s.phone for s in sms.sent if s.phone.startswith("+861381234000")]
    assert sorted(citizens) == [f"+861381234000{i}" for i in range(3)]      # once each
    assert [s.phone for s in sms.sent].count(unit_phone(stack, "u-vil-hongqi")) == 3
    assert [d for d, _ in bus.events].count("TicketSubmitted") == 3        # not republished
    assert {d["ticket_id"] for _, d in bus.events} == set(ids)


def test_eventbridge_down_then_up_publishes_each_event_once(stack, spies):
    sms, bus = spies
    flaky = Flaky(bus, down=3)
    stack.container.override(bus=flaky)
    t = submit("k-outbox-bus-1")
    reader = stack.outbox.reader
    drain(reader)
    drain(reader)
    assert bus.events == [] and len(sms.sent) == 1      # its SMS went out; the event waits
    drain(reader)
    drain(reader)
    assert [d for d, _ in bus.events] == ["TicketSubmitted", "TicketDispatched"]
    assert all(d["ticket_id"] == t["id"] for _, d in bus.events)
    assert len(sms.sent) == 4           # and the unit's three duty contacts (issue 15 point 4)


def test_nothing_is_sent_for_a_change_that_did_not_commit(stack, spies):
    sms, bus = spies
    t = submit("k-outbox-0003")
    drain(stack.outbox.reader)
    before = (len(sms.sent), len(bus.events))
    with pytest.raises(VersionConflict):
        staff.perform(HANDLER, t["id"], "sign", {"version": 99})
    assert drain(stack.outbox.reader) == 0
    assert (len(sms.sent), len(bus.events)) == before
    assert [e.kind for e in TicketEventModel.query(t["id"])] == ["submitted", "dispatched"]


def test_a_consumer_killed_mid_batch_loses_nothing(stack, spies, tmp_path):
    sms, _bus = spies
    checkpoint = tmp_path / "pump-state.json"
    for i in range(3):
        submit(f"k-outbox-kill-{i}", phone=f"1391234000{i}")

    class DiesOnThirdSend:
        calls = 0

        def send(self, phone, text):
            DiesOnThirdSend.calls += 1
            if DiesOnThirdSend.calls == 3:
                raise Killed()
            return sms.send(phone, text)

    stack.container.override(sms=DiesOnThirdSend())
    with pytest.raises(Killed):
        drain(fresh_reader(checkpoint))
    assert len(sms.sent) == 2
    stack.container.override(sms=sms)          # a new process, from the saved position
    restarted = fresh_reader(checkpoint)
    drain(restarted)                           # the dead consumer's lease is still held
    stack.clock.advance(outbox.LEASE_SECONDS + 1)
    drain(restarted)
    citizens = sorted(s.phone for s in sms.sent if s.phone.startswith("+861391234000"))
    assert citizens == [f"+861391234000{i}" for i in range(3)]
    # nothing lost and nothing twice: each of the unit's duty contacts heard of all three
    # tickets once. The consumer died in the first ticket's dispatch entry, after its first duty
    # contact was told: that SMS was recorded done as it went (services/outbox.py), so only the
    # one under way and the ones after it ran again
    contacts = Counter(s.phone for s in sms.sent if not s.phone.startswith("+861391234000"))
    assert unit_phone(stack, "u-vil-hongqi") in contacts
    assert len(contacts) == 3 and set(contacts.values()) == {3}


def test_a_restarted_reader_resumes_after_its_last_accepted_batch(stack, spies, tmp_path):
    checkpoint = tmp_path / "pump-state.json"
    submit("k-outbox-resume-1")
    assert drain(fresh_reader(checkpoint)) == 2
    submit("k-outbox-resume-2", phone="13812349999",    # another caller, another matter
           text="小区门口有人占道摆摊卖菜，影响通行", category="A0101")
    assert drain(fresh_reader(checkpoint)) == 2          # only the new ticket's entries
    assert drain(fresh_reader(checkpoint)) == 0


def escalated_entry(stack, t: dict) -> None:
    """An entry as the escalation sweep writes it, for ticket ``t``: missed sign-in at the
    village, climbed to the township, the whole chain told."""
    ticket = TicketModel.get(t["id"])
    TicketEventModel(t["id"], "2099-01-01T00:00:00.000Z#sweep.2", at=stack.clock(),
                     kind="escalated", actor="system", citizen_visible=False, data={
                         "auto": True, "missed": "sign", "from_unit": CHAIN[0],
                         "to_unit": CHAIN[1], "to_level": "township", "chain": list(CHAIN),
                         "sign_due_at": int(stack.clock() + 86400), "due_at": ticket.due_at,
                         "snap": {"code": ticket.code, "status": "dispatched",
                                  "unit_id": CHAIN[1], "level": "township"}}).save()


def test_sweep_escalation_entry_tells_the_chain_once(stack, spies):
    """An entry as the escalation sweep writes it: the overdue SMS to every level of the chain,
    each level's to-supervise list, the new unit told, TicketOverdue + TicketEscalated."""
    sms, bus = spies
    t = submit("k-outbox-esc-1")
    drain(stack.outbox.reader)
    sms.sent.clear()
    bus.events.clear()
    escalated_entry(stack, t)
    drain(stack.outbox.reader)
    drain(fresh_reader())                                   # and everything again
    for unit_id in CHAIN:
        texts = [s.text for s in sms.sent if s.phone == unit_phone(stack, unit_id)]
        assert sum("超过签收期限" in x for x in texts) == 1, unit_id
        assert RegistryModel.get(f"supervise#{unit_id}", t["id"])
    township = [s.text for s in sms.sent if s.phone == unit_phone(stack, CHAIN[1])]
    assert sum("已提级至贵单位" in x for x in township) == 1
    assert sorted(d for d, _ in bus.events) == ["TicketEscalated", "TicketOverdue"]


# ------------------------------------------------------------------ one marker per entry
@pytest.fixture
def marker_calls(monkeypatch):
    """Every DynamoDB call PynamoDB makes on an entry's marker (``fx#...``): (operation,
    outcome)."""
    from pynamodb.connection.base import Connection
    seen: list[tuple[str, str]] = []
    dispatch = Connection.dispatch

    def spy(self, operation, kwargs):
        key = (kwargs.get("Key") or kwargs.get("Item") or {}).get("pk", {}).get("S", "")
        if not key.startswith("fx#"):
            return dispatch(self, operation, kwargs)
        try:
            result = dispatch(self, operation, kwargs)
        except Exception:
            seen.append((operation, "refused"))
            raise
        seen.append((operation, "ok"))
        return result

    monkeypatch.setattr(Connection, "dispatch", spy)
    return seen


def test_an_entry_with_many_effects_writes_one_claim_and_one_write_per_effect(
        stack, spies, marker_calls):
    """The sweep's escalation entry has 13 guarded effects (8 SMS: the citizen, each duty
    contact of the chain, the new unit; four to-supervise entries; the events): one claim, then
    one write as each finishes, the last marking the entry done (a marker per effect wrote 26)."""
    sms, bus = spies
    t = submit("k-outbox-fx-1")
    drain(stack.outbox.reader)
    escalated_entry(stack, t)
    marker_calls.clear()
    sms.sent.clear()
    drain(stack.outbox.reader)
    assert len(sms.sent) == 8 and len(bus.events) == 4
    assert marker_calls == [("UpdateItem", "ok")] * 14
    marker_calls.clear()
    drain(fresh_reader())                  # every record again: one refused claim per entry
    assert len(sms.sent) == 8 and len(bus.events) == 4
    assert marker_calls and all(op != "PutItem" for op, _ in marker_calls)
    assert ("UpdateItem", "ok") not in marker_calls


def test_a_failed_effect_alone_runs_again(stack, spies, marker_calls):
    """One duty contact's SMS fails: the record fails, the others were recorded done as they
    went, one more write releases the lease; the redelivery sends that SMS only."""
    sms, bus = spies
    t = submit("k-outbox-fx-2")
    drain(stack.outbox.reader)
    escalated_entry(stack, t)
    sms.sent.clear()
    bus.events.clear()
    broken = unit_phone(stack, CHAIN[2])

    class OneNumberDown:
        def send(self, phone, text):
            if phone == broken:
                raise ConnectionError("provider refused this number")
            return sms.send(phone, text)

    stack.container.override(sms=OneNumberDown())
    marker_calls.clear()
    drain(stack.outbox.reader)
    # the claim, the 12 others recorded done, the release
    assert marker_calls == [("UpdateItem", "ok")] * 13 + [("PutItem", "ok")]
    first = Counter(s.phone for s in sms.sent)
    assert broken not in first and first.total() == 7
    assert sorted(d for d, _ in bus.events) == ["TicketEscalated", "TicketOverdue"]
    stack.container.override(sms=sms)
    drain(stack.outbox.reader)                        # the record again, at once
    again = Counter(s.phone for s in sms.sent) - first
    assert again == Counter({broken: 1})
    assert sorted(d for d, _ in bus.events) == ["TicketEscalated", "TicketOverdue"]
    drain(fresh_reader())
    assert Counter(s.phone for s in sms.sent) - first == Counter({broken: 1})


def test_the_entry_marker_lease_busy_done_and_expired(stack):
    """The adapter on moto: a live lease is busy, a done marker is done, an expired lease is
    claimed again with the effects its holder recorded done, a dead marker's list is not
    trusted."""
    from chalicelib.adapters import markers
    now = stack.clock()
    lease, keep = now + outbox.LEASE_SECONDS, now + outbox.RETAIN_SECONDS

    def claim(key, at):
        return markers.claim_entry(key, now=at, lease_until=at + outbox.LEASE_SECONDS,
                                   expires_at=at + outbox.RETAIN_SECONDS)

    assert claim("fx#t1#e1", now) == markers.EntryClaim("claimed")
    assert claim("fx#t1#e1", now + 1).state == "busy"                  # another consumer's
    assert claim("fx#t1#e1", lease + 1) == markers.EntryClaim("claimed")   # it died
    markers.finish_entry("fx#t1#e1", done={"sms#a", "event#bus"}, complete=False,
                         expires_at=keep)
    assert claim("fx#t1#e1", now + 2) == markers.EntryClaim("claimed",
                                                            frozenset({"sms#a", "event#bus"}))
    markers.finish_entry("fx#t1#e1", done={"sms#a", "event#bus", "sms#b"}, complete=True,
                         expires_at=keep)
    assert claim("fx#t1#e1", now + 3).state == "done"
    assert claim("fx#t1#e1", keep - 1).state == "done"
    assert claim("fx#t1#e1", keep + 1) == markers.EntryClaim("claimed")    # dead, not deleted
    markers.finish_entry("fx#t1#e2", done={"sms#a"}, complete=False, expires_at=keep)
    assert claim("fx#t1#e2", keep + 1) == markers.EntryClaim("claimed")    # its list is dead
    assert claim("fx#t1#e2", keep + 1 + outbox.LEASE_SECONDS + 1) == markers.EntryClaim(
        "claimed")
