"""The escalation plan: the ladder, the deadlines each level gets, the phases, and the DynamoDB
values the sweep plumbs."""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import pytest

from chalicelib.domain.escalation import (
    CONDITION,
    OPS,
    TicketState,
    build_plan,
    ddb,
    encode,
    parked_shard,
    replanned_after,
    stays_parked,
)

PATH = ("v", "t", "c", "city")
LEVELS = {"v": "village", "t": "township", "c": "county", "city": "city"}
T0 = 1_800_000_000


def deadlines(at):
    return at + 100, at + 500          # (sign-in, reply) for a unit taking over at `at`


def state(status="dispatched", unit="v", path=PATH, sign=T0 + 100, due=T0 + 1000):
    return TicketState("T" * 26, "2611230000016", status, unit, LEVELS.get(unit), path, sign,
                       due, "complaint", "A1001", "wechat", "369902001001", False)


def values(step):
    return step["values"]


def data(step):
    return json.loads(step["entry"]["data"]["S"])


def test_sign_ladder_climbs_to_the_top_then_parks_overdue():
    steps = build_plan(state(), LEVELS, deadlines, "D#3")
    assert [s["kind"] for s in steps] == ["escalated"] * 3 + ["overdue"]
    assert [s["at"] for s in steps] == [T0 + 100, T0 + 200, T0 + 300, T0 + 400]
    hops = [(data(s)["from_unit"], data(s)["to_unit"]) for s in steps]
    assert hops == [("v", "t"), ("t", "c"), ("c", "city"), ("city", None)]
    first = steps[0]
    assert values(first)[":unit"] == {"S": "t"} and values(first)[":lv"] == {"S": "township"}
    assert values(first)[":path"] == {"L": [{"S": "t"}, {"S": "c"}, {"S": "city"}]}
    assert values(first)[":sign"] == {"N": str(T0 + 200)} == values(first)[":next"]
    assert values(first)[":due"] == {"N": str(T0 + 1000)}        # the reply promised is kept
    assert values(first)[":st"] == {"S": "dispatched"}
    assert data(first)["chain"] == list(PATH) and data(first)["missed"] == "sign"
    assert data(first)["snap"]["unit_id"] == "t" and data(first)["snap"]["code"]
    assert values(steps[-1])[":parked"] == {"S": "O#3"}
    assert data(steps[-1])["chain"] == ["city"] and data(steps[-1])["to_unit"] is None


def test_reply_phase_escalation_makes_the_new_unit_sign_first():
    steps = build_plan(state("accepted", "t", PATH[1:]), LEVELS, deadlines, "D#0")
    first = steps[0]
    assert first["at"] == T0 + 1000 and data(first)["missed"] == "reply"
    assert values(first)[":st"] == {"S": "dispatched"}
    assert values(first)[":sign"] == {"N": str(T0 + 1100)} == values(first)[":next"]
    assert values(first)[":due"] == {"N": str(T0 + 1500)}
    assert "REMOVE #signed, #contacted, #cdue" in first["update"]
    # then the sign-in ladder of the new unit
    assert steps[1]["at"] == T0 + 1100 and data(steps[1])["missed"] == "sign"
    assert [s["kind"] for s in steps] == ["escalated", "escalated", "overdue"]


def test_review_queue_climbs_to_the_centers_parent_and_stays_unrouted():
    for status in ("submitted", "returned"):
        steps = build_plan(state(status, "u-center", ("u-center", "gov")), {"gov": "city"},
                           deadlines, "D#1")
        assert [s["kind"] for s in steps] == ["escalated", "overdue"]
        assert data(steps[0])["missed"] == "review"
        assert values(steps[0])[":unit"] == {"S": "gov"}
        assert values(steps[0])[":st"] == {"S": status}


def test_nothing_to_watch():
    for status in ("replied", "closed", "withdrawn", "rejected", "merged", "in_review"):
        assert build_plan(state(status), LEVELS, deadlines, "D#0") == []


def test_every_name_and_value_of_a_step_is_used_and_the_condition_fits():
    """DynamoDB rejects unused expression names/values; the sweep adds :v :d :s :now."""
    for st in (state(), state("accepted", "t", PATH[1:])):
        for step in build_plan(st, LEVELS, deadlines, "D#0"):
            text = step["update"] + " " + CONDITION
            assert all(n in text for n in step["names"])
            assert all(v in text for v in step["values"])
            used = {w.strip(",()") for w in text.split() if w.strip(",()").startswith(":")}
            assert used - set(step["values"]) == {":v", ":d", ":s", ":now"}


def test_a_top_miss_already_marked_stays_parked():
    plan = build_plan(state(unit="city", path=("city",)), LEVELS, deadlines, "D#2")
    assert stays_parked(plan, T0 + 100) and not stays_parked(plan, T0 + 99)
    assert not stays_parked(build_plan(state(), LEVELS, deadlines, "D#2"), T0 + 100)
    assert parked_shard("D#7") == "O#7"


def test_ddb_types_and_encoding():
    assert ddb({"a": [1, "x", True, None]}) == {"M": {"a": {"L": [
        {"N": "1"}, {"S": "x"}, {"BOOL": True}, {"NULL": True}]}}}
    with pytest.raises(TypeError):
        ddb(1.5)
    assert json.loads(encode(build_plan(state(), LEVELS, deadlines, "D#0")))[0]["at"] == T0 + 100


def test_event_schemas_are_valid_and_complete():
    names = {p.stem for p in Path("events").glob("*.json")}
    assert names == {"TicketSubmitted", "TicketDispatched", "TicketOverdue", "TicketEscalated",
                     "TicketReplied", "TicketClosed", "TicketReopened"}
    for name in names:
        schema = json.loads((Path("events") / f"{name}.json").read_text())
        fastjsonschema.compile(schema)
        assert schema["x-detail-type"] == name


def test_the_state_machine_holds_each_kind_s_update_and_names():
    """The stored plan leaves out what every step of a kind shares; the sweep's StepOp state
    supplies it, and its copies are exactly the domain's."""
    asl = json.loads((Path(__file__).resolve().parents[2] / "statemachines" /
                      "sweep.asl.json").read_text(encoding="utf-8"))
    inner = (asl["States"]["Shards"]["ItemProcessor"]["States"]["ApplySteps"]
             ["ItemProcessor"]["States"])
    by_kind = {c["StringEquals"]: inner[c["Next"]]["Result"] for c in inner["StepOp"]["Choices"]}
    assert by_kind == {kind: {"update": u, "names": n} for kind, (u, n) in OPS.items()}
    update = inner["ApplyStep"]["Parameters"]["TransactItems"][0]["Update"]
    assert update["UpdateExpression.$"] == "$.op.update"
    assert update["ExpressionAttributeNames.$"] == "$.op.names"
    kinds = set()
    contact = state("accepted")
    contact = TicketState(**{**contact.__dict__, "contact_due_at": T0 + 50})
    top = state(unit="city", path=("city",))
    for st in (state(), state("accepted", "t", PATH[1:]), contact, top):
        plan = build_plan(st, LEVELS, deadlines, "D#0")
        stored = json.loads(encode(plan))
        assert [s["at"] for s in stored] == [plan[0]["at"]]     # the next step only
        assert all("update" not in s and "names" not in s and s["kind"] in OPS for s in stored)
        kinds |= {s["kind"] for s in stored}
        assert len(encode(plan)) < 0.75 * len(json.dumps(plan[:1], ensure_ascii=False))
    assert kinds == set(OPS)


def test_applying_a_step_removes_it_and_the_outbox_stores_the_next():
    """Only the next step is stored (a ticket handled on time never needs the rest, and every
    change rewrote it): each kind's update removes it, and the sweep's entries after which the
    ticket goes on climbing are the ones the outbox replans."""
    for update, names in OPS.values():
        assert update.endswith("#plan") and " REMOVE " in update and names["#plan"] == "esc_plan"
    assert replanned_after("escalated", {"auto": True})
    assert replanned_after("contact_overdue", {"auto": True})
    assert not replanned_after("overdue", {"auto": True})          # parked: never swept again
    assert not replanned_after("escalated", {"manual": True})      # a person's change replans
    full = build_plan(state(), LEVELS, deadlines, "D#0")
    assert len(full) == 4 and len(json.loads(encode(full))) == 1
