"""statemachines/sweep.asl.json: its definition (placeholders, integrations, AWS's ASL schema for
both STANDARD and EXPRESS) and the mechanics moto executes for real (a sweep that dies is followed
by the next one; a stale step is skipped, not failed; one page limit per shard)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core.exceptions import JsonRESTError
from moto.dynamodb.responses import DynamoHandler
from phones import phone_for

from chalicelib.adapters.asl import STATEMACHINES_DIR, load_definition, placeholders
from chalicelib.adapters.models import TicketEventModel, TicketModel
from chalicelib.services import escalation, intake

REGION = "us-east-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/minyi-sweep"
SUBS = {"TicketsTable": "t", "EventsTable": "e"}
HONGQI = "369902001001"


def submit(key: str) -> str:
    body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "region_code": HONGQI, "phone": phone_for(key), "category": "A1001"}
    return intake.submit(body, citizen_id="wx:asl", channel="wechat", idempotency_key=key)["id"]


def _tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        if state["Type"] == "Map":
            yield from _tasks(state["ItemProcessor"]["States"])


def _all_states(states: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in states.values():
        yield state
        if state["Type"] == "Map":
            yield from _all_states(state["ItemProcessor"]["States"])


# ---------------------------------------------------------------------------- definition


def test_placeholders() -> None:
    assert placeholders("sweep") == {"TicketsTable", "EventsTable"}


def test_load_definition_substitutes_everything() -> None:
    definition = json.loads(load_definition("sweep", {**SUBS, "TicketsTable": 'we"ird'}))
    first = definition["States"]["Shards"]["ItemProcessor"]["States"]["FirstPage"]
    assert first["Parameters"]["TableName"] == 'we"ird'


def test_load_definition_rejects_missing_and_unused_placeholders() -> None:
    with pytest.raises(KeyError, match="EventsTable"):
        load_definition("sweep", {"TicketsTable": "t"})
    with pytest.raises(KeyError, match="QueueUrl"):
        load_definition("sweep", {**SUBS, "QueueUrl": "x"})


def test_only_dynamodb_sdk_tasks_no_waits_no_lambda() -> None:
    definition = json.loads((STATEMACHINES_DIR / "sweep.asl.json").read_text())
    resources = sorted({s["Resource"] for _, s in _tasks(definition["States"])})
    assert resources == ["arn:aws:states:::aws-sdk:dynamodb:query",
                         "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems",
                         "arn:aws:states:::dynamodb:getItem"]     # the due ticket's plan
    assert not [s for s in _all_states(definition["States"]) if s["Type"] == "Wait"]
    apply = dict(_tasks(definition["States"]))["ApplyStep"]
    update = apply["Parameters"]["TransactItems"][0]["Update"]
    assert update["ConditionExpression"] == "#ver = :v AND #dl = :d AND #step = :s"
    # a canceled transaction is someone else's write: never retried, counted as skipped
    assert apply["Retry"][0]["MaxAttempts"] == 0
    assert apply["Catch"][0]["Next"] == "Skipped"
    assert "DynamoDb.TransactionCanceledException" in apply["Catch"][0]["ErrorEquals"]


@pytest.mark.parametrize("machine_type", ["STANDARD", "EXPRESS"])
def test_definition_passes_cfn_lint_for_standard_and_express(machine_type) -> None:
    """moto is lenient; cfn-lint checks the definition against AWS's ASL schema, for the
    STANDARD type the local stack uses and the EXPRESS type infra deploys."""
    cfnlint_api = pytest.importorskip("cfnlint.api")
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Sweep": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "RoleArn": ROLE_ARN, "StateMachineType": machine_type,
            "Definition": json.loads(load_definition("sweep", SUBS))}}},
    }
    matches = cfnlint_api.lint(json.dumps(template),
                               config=cfnlint_api.ManualArgs(regions=[REGION]))
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


# ---------------------------------------------------------------------------- mechanics


def test_a_sweep_that_dies_is_followed_by_the_next(stack, monkeypatch) -> None:
    tid = submit("k-asl-dies-1")
    t = TicketModel.get(tid)
    original = DynamoHandler.transact_write_items

    def broken(self):
        raise JsonRESTError("InternalServerError", "injected", status=500)

    monkeypatch.setattr(DynamoHandler, "transact_write_items", broken)
    arn = escalation.start_sweep(t.deadline_at)
    failed = escalation.report(arn, stack.container.sweeps.wait(arn, timeout=120))
    assert failed.status == "FAILED" and failed.escalated == []
    assert TicketModel.get(tid).version == t.version       # nothing half-written
    monkeypatch.setattr(DynamoHandler, "transact_write_items", original)
    rep = escalation.sweep_now(t.deadline_at + 60)
    assert rep.status == "SUCCEEDED" and rep.escalated == [tid]
    assert [e.kind for e in TicketEventModel.query(tid)].count("escalated") == 1


def test_write_between_query_and_step_makes_it_skipped_not_failed(stack, monkeypatch) -> None:
    """A person's write lands after the sweep read the index and before its transaction: the
    condition fails, the sweep counts the ticket as skipped and succeeds; the write is kept."""
    from chalicelib.services import staff
    from chalicelib.services.staff_auth import StaffUser
    tid = submit("k-asl-stale-1")
    t = TicketModel.get(tid)
    original = DynamoHandler.transact_write_items
    handler = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))

    def person_first(self):
        monkeypatch.setattr(DynamoHandler, "transact_write_items", original)
        staff.perform(handler, tid, "sign", {})          # the person's own transaction
        return original(self)                            # then the sweep's, now stale

    monkeypatch.setattr(DynamoHandler, "transact_write_items", person_first)
    rep = escalation.sweep_now(t.deadline_at)
    assert rep.status == "SUCCEEDED" and rep.skipped == [tid] and rep.escalated == []
    after = TicketModel.get(tid)
    assert after.status == "accepted" and after.unit_id == "u-vil-hongqi"
    assert [e.kind for e in TicketEventModel.query(tid)].count("escalated") == 0


def test_page_limit_bounds_a_sweep_and_the_next_continues(stack, monkeypatch) -> None:
    from chalicelib import config
    monkeypatch.setenv("MINYI_DEADLINE_SHARDS", "1")
    monkeypatch.setenv("MINYI_SWEEP_PAGE_SIZE", "1")
    monkeypatch.setenv("MINYI_SWEEP_MAX_PAGES", "2")
    config.reload()
    ids = [submit(f"k-asl-page-{i}") for i in range(3)]
    due = max(TicketModel.get(i).deadline_at for i in ids)
    first = escalation.sweep_now(due)
    assert first.status == "SUCCEEDED" and len(first.escalated) == 2    # 2 pages of 1
    second = escalation.sweep_now(due)
    assert len(second.escalated) == 1 and set(first.escalated + second.escalated) == set(ids)


def test_the_minute_schedule_starts_one_sweep_with_the_app_clock(stack) -> None:
    """What EventBridge (or the local pump) calls every minute: one execution, now = app clock."""
    import app as app_module
    from scripts.pump import LocalContext, Pump

    tid = submit("k-asl-schedule-1")
    due = TicketModel.get(tid).deadline_at
    stack.clock.t = due
    [entry] = [e for e in Pump(app_module).schedules if e[3] == "escalation_sweep"]
    assert entry[1] == 60.0                                     # rate(1 minute)
    event = {"version": "0", "id": "e-1", "detail-type": "Scheduled Event", "source": "aws.events",
             "account": "123456789012", "time": "2026-11-23T02:00:00Z", "region": REGION,
             "resources": [], "detail": {}}
    arn = entry[2](event, LocalContext())["execution"]
    described = stack.container.sweeps.wait(arn)
    assert json.loads(described["input"])["now"] == int(due)
    assert escalation.report(arn, described).escalated == [tid]
