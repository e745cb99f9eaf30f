"""The one ticket writer and the dashboard gauges, on fakes; and the tier's own guard: no
socket opens here."""

from __future__ import annotations

import socket

import pytest
import pytest_socket

from chalicelib.domain.changes import Step
from chalicelib.domain.errors import VersionConflict
from chalicelib.domain.ticket import DISPATCHED, SYSTEM
from chalicelib.services import changes, stats

from .fakes import parked


@pytest.mark.filterwarnings("ignore:A test tried to use socket")
def test_the_tier_refuses_the_network(world):
    with pytest.raises(pytest_socket.SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def _open(world, ticket_id: str, deadline_at: float, shard: str = "D#0"):
    return world.tickets.add(ticket_id, code=f"C-{ticket_id}", status=DISPATCHED,
                             type="complaint", region_code="369902001001",
                             unit_id="u-gov-zhangshui", deadline_shard=shard,
                             deadline_at=int(deadline_at), created_at=world.now - 86400)


def test_a_change_commits_the_ticket_with_its_entries_at_the_next_version(world):
    _open(world, "t1", world.now + 86400)
    ticket = world.tickets.get("t1")

    def mutate(t, now):
        t.supervised = True
        return [Step("instruction", "请尽快办理", {"note": "x"})]

    done = changes.change(ticket, SYSTEM, mutate, expected_version=1)
    stored = world.tickets.get("t1")
    assert stored.version == 2 and stored.supervised and stored.updated_at == world.now
    [entry] = world.tickets.timeline("t1")
    assert entry.kind == "instruction" and entry.data["snap"]["version"] == 2
    assert done.entries == [entry]


def test_a_change_read_at_a_stale_version_writes_nothing(world):
    _open(world, "t1", world.now + 86400)
    with pytest.raises(VersionConflict):
        changes.change(world.tickets.get("t1"), SYSTEM,
                       lambda t, now: [Step("instruction", None, {})], expected_version=7)
    first, second = world.tickets.get("t1"), world.tickets.get("t1")
    changes.change(first, SYSTEM, lambda t, now: [Step("instruction", None, {})])
    with pytest.raises(VersionConflict):                   # a lost race
        changes.change(second, SYSTEM, lambda t, now: [Step("instruction", None, {})])
    assert world.tickets.writes == 1


def test_the_gauges_count_red_and_yellow_open_tickets(world):
    _open(world, "late", world.now - 60)
    _open(world, "soon", world.now + 3600, shard="D#3")
    _open(world, "later", world.now + 3 * 86400)
    _open(world, "parked", world.now - 86400, shard=parked("D#1"))
    assert stats.open_ticket_gauges() == {"red": 2, "yellow": 1, "overdue": 2}
