"""The escalation plan: the ladder, the deadlines each level gets, the phases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import fastjsonschema

from chalicelib.domain.escalation import Rung, TicketSnapshot, build_plan, execution_name

RUNGS = [Rung("v", "village", ("v", "t", "c", "city")), Rung("t", "township", ("t", "c", "city")),
         Rung("c", "county", ("c", "city")), Rung("city", "city", ("city",))]
T0 = 1_800_000_000


def plus(seconds):
    return lambda t: t + seconds


def test_sign_ladder_climbs_to_the_top_then_overdue():
    ticket = TicketSnapshot("T" * 26, "dispatched", "v", 4, T0 + 100, T0 + 1000)
    plan = build_plan(ticket, RUNGS, plus(100), plus(500))
    assert plan["revision"] == 4 and plan["ticket_id"] == "T" * 26
    steps = plan["steps"]
    assert [(s["from_unit"], s["to_unit"]) for s in steps] == [
        ("v", "t"), ("t", "c"), ("c", "city"), ("city", None)]
    assert [s["at_epoch"] for s in steps] == [T0 + 100, T0 + 200, T0 + 300, T0 + 400]
    assert steps[0]["at"] == dt.datetime.fromtimestamp(T0 + 100, dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert all(s["kind"] == "sign" and s["open_statuses"] == ["dispatched"] for s in steps)
    assert steps[0]["to_level"] == "township" and steps[0]["to_unit_path"] == ["t", "c", "city"]
    assert steps[0]["new_sign_due_at"] == T0 + 200 == steps[0]["new_deadline_at"]
    assert steps[0]["new_due_at"] == T0 + 1000          # the reply deadline is kept


def test_reply_ladder_after_sign_in():
    ticket = TicketSnapshot("T" * 26, "accepted", "t", 5, T0 + 100, T0 + 1000)
    steps = build_plan(ticket, RUNGS[1:], plus(100), plus(500))["steps"]
    assert [(s["from_unit"], s["to_unit"]) for s in steps] == [
        ("t", "c"), ("c", "city"), ("city", None)]
    assert steps[0]["at_epoch"] == T0 + 1000 and steps[0]["new_due_at"] == T0 + 1500
    assert steps[1]["at_epoch"] == T0 + 1500
    assert all(s["open_statuses"] == ["dispatched", "accepted"] for s in steps)


def test_nothing_to_watch():
    for status in ("replied", "closed", "withdrawn", "rejected", "merged"):
        ticket = TicketSnapshot("T" * 26, status, "v", 1, T0, T0)
        assert build_plan(ticket, RUNGS, plus(1), plus(1)) is None


def test_review_queue_is_flagged_overdue_but_never_climbs():
    for status in ("submitted", "returned"):
        ticket = TicketSnapshot("T" * 26, status, "u-center", 2, T0 + 50, T0 + 900)
        plan = build_plan(ticket, [Rung("u-center", "city", ("u-center", "gov"))], plus(1),
                          plus(1))
        assert plan["revision"] == 2 and len(plan["steps"]) == 1
        step = plan["steps"][0]
        assert step["to_unit"] is None and step["at_epoch"] == T0 + 50
        assert step["open_statuses"] == ["submitted", "returned"]


def test_execution_names_are_unique_per_revision():
    assert execution_name("T" * 26, 3) != execution_name("T" * 26, 4)


def test_event_schemas_are_valid_and_complete():
    names = {p.stem for p in Path("events").glob("*.json")}
    assert names == {"TicketSubmitted", "TicketDispatched", "TicketOverdue", "TicketEscalated",
                     "TicketReplied", "TicketClosed", "TicketReopened"}
    for name in names:
        schema = json.loads((Path("events") / f"{name}.json").read_text())
        fastjsonschema.compile(schema)
        assert schema["x-detail-type"] == name
