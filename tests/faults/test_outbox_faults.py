"""Faults in the outbox's path (the pump, the stream consumer, EventBridge, SNS); after
recovery, ``Faulty.reconcile``: every acknowledged ticket has its timeline, its escalation, its
SMS and its events exactly once, nothing for a refused request. Each test names the mechanism it
guards (docs/reliability.md says how each was checked to fail without it)."""

from __future__ import annotations

import itertools

from chalicelib.services.outbox import LEASE_SECONDS
from tests.e2e.conftest import CLOCK_OFFSET
from tests.faults.conftest import REMINDER, pump_calls, wait_for


def test_put_events_failing(faulty, proxy):
    """EventBridge refuses every PutEvents for a while (the stream stops at the first record,
    in order). Guards: a failed effect fails the record and the stream delivers it again
    (nothing lost), and each effect that already succeeded (the SMS of that record) is marked
    done and not repeated (nothing twice)."""
    rule = proxy.add(pump_calls("PutEvents"))
    tickets = faulty.submit_ok(3)
    refused = [faulty.refuse()]
    wait_for(lambda: rule.hits >= 3)            # the failing record was delivered again
    assert not [e for e in faulty.events() if e["detail"].get("ticket_id") == tickets[0]["id"]]
    proxy.remove(rule)
    faulty.reconcile(tickets, refused)


def test_sms_publish_failing(faulty, proxy):
    """SNS refuses every SMS for a while. Guards: the refused SMS is retried until it goes
    (nothing lost); the events of the same entries, already published, are not repeated."""
    rule = proxy.add(pump_calls("Publish", sms=True))
    tickets = faulty.submit_ok(3)
    refused = [faulty.refuse()]
    wait_for(lambda: rule.hits >= 3)
    assert not [text for _, text in faulty.all_sms() if tickets[0]["code"] in text]
    proxy.remove(rule)
    faulty.reconcile(tickets, refused)


def test_stream_consumer_raising(faulty, proxy):
    """The stream consumer raises on every record (its entries' markers cannot be claimed).
    Guards: a batch that raised is not checkpointed, the pump reads it again (nothing lost,
    stream order kept)."""
    rule = proxy.add(pump_calls("UpdateItem", body=b'"fx#'))
    tickets = faulty.submit_ok(3)
    wait_for(lambda: rule.hits >= 3)
    # nothing from the outbox; the reminder job sends without it (its own markers), whenever
    # the pump's schedule fires while the ticket waits, so its SMS may be there or not
    assert not [text for _, text in faulty.all_sms()
                if tickets[0]["code"] in text and not REMINDER.search(text)]
    proxy.remove(rule)
    faulty.reconcile(tickets)


def test_pump_killed_mid_batch(faulty, proxy):
    """The pump dies in the middle of a batch, while one SMS is on its way to the provider (its
    entry's lease claimed, the earlier effects of the batch done). The restarted pump runs with
    its clock past the dead one's lease (``LEASE_SECONDS``; in AWS the retry waits that long).
    Guards: the saved shard position (records after the crash are read again), the done markers
    (what finished is not repeated: each effect is recorded done as it finishes) and the lease
    expiry (the interrupted SMS is sent, once)."""
    sms_calls = itertools.count()
    is_sms = pump_calls("Publish", sms=True)
    # the third SMS of the batch is held: the first two went and are recorded done
    rule = proxy.add(lambda call: is_sms(call) and next(sms_calls) >= 2, "hold")
    faulty.kill(faulty.pump)                       # a backlog: the batch has several records
    tickets = faulty.submit_ok(3)
    faulty.start_pump()
    wait_for(lambda: rule.held)                    # mid-batch: one SMS held, its lease taken
    faulty.kill(faulty.pump)
    proxy.remove(rule, drop=True)                  # the provider never got it
    held = rule.held[0].form("Message")
    assert held not in {text for _, text in faulty.all_sms()}
    offset = int(CLOCK_OFFSET) + LEASE_SECONDS + 1
    faulty.start_pump({"MINYI_CLOCK_OFFSET_SECONDS": str(offset)})
    faulty.reconcile(tickets)
