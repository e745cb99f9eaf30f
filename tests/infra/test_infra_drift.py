"""The infra checks catch drift: break a synthesized template (or the code's definitions) the
way a stale stack would be broken, and the check that guards it must report it."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from infra_checks import (
    check_alarms,
    check_queues,
    check_rules,
    check_state_machines,
    check_tables,
    check_topics,
    resources,
)

from chalicelib.adapters import topology
from infra import definitions

STAGE = "dev"


@pytest.fixture
def template(synth):
    return copy.deepcopy(synth.templates[STAGE])


@pytest.fixture
def stage(synth):
    return synth.stage(STAGE)


def _find(template, kind, prop, value):
    for logical, props in resources(template, kind).items():
        if props.get(prop) == value:
            return logical, template["Resources"][logical]["Properties"]
    raise AssertionError(f"no {kind} with {prop}={value}")


def test_the_unbroken_template_passes(template, stage):
    for check in (check_tables, check_queues, check_rules, check_topics,
                  check_state_machines, check_alarms):
        assert check(template, stage) == []


def test_a_missing_table_is_caught(template, stage):
    logical, _ = _find(template, "AWS::DynamoDB::Table", "TableName", f"{stage.prefix}units")
    del template["Resources"][logical]
    assert any("table missing" in p for p in check_tables(template, stage))


def test_a_dropped_index_is_caught(template, stage):
    _, props = _find(template, "AWS::DynamoDB::Table", "TableName", f"{stage.prefix}tickets")
    props["GlobalSecondaryIndexes"] = [g for g in props["GlobalSecondaryIndexes"]
                                       if g["IndexName"] != "by_code"]
    assert any("index missing: by_code" in p for p in check_tables(template, stage))


def test_a_changed_index_key_is_caught(template, stage):
    _, props = _find(template, "AWS::DynamoDB::Table", "TableName", f"{stage.prefix}tickets")
    gsi = next(g for g in props["GlobalSecondaryIndexes"] if g["IndexName"] == "by_deadline")
    gsi["KeySchema"][1]["AttributeName"] = "due_at"
    assert any("by_deadline: key schema" in p for p in check_tables(template, stage))


def test_a_lost_ttl_is_caught(template, stage):
    _, props = _find(template, "AWS::DynamoDB::Table", "TableName", f"{stage.prefix}ephemeral")
    del props["TimeToLiveSpecification"]
    assert any("TTL" in p for p in check_tables(template, stage))


def test_a_model_gaining_an_index_is_caught(template, stage, monkeypatch):
    """The other direction: the code changes and the (old) template no longer matches."""
    original = definitions.tables

    def with_new_index():
        tables = original()
        ticket = next(t for t in tables if t.short == "tickets")
        changed = dataclasses.replace(ticket, gsis=ticket.gsis + (
            {"name": "by_caller", "key_schema": [("phone", "HASH")], "projection": "ALL"},))
        return [changed if t is ticket else t for t in tables]

    monkeypatch.setattr(definitions, "tables", with_new_index)
    assert any("index missing: by_caller" in p for p in check_tables(template, stage))


def test_a_renamed_queue_is_caught(template, stage):
    _, props = _find(template, "AWS::SQS::Queue", "QueueName", f"{stage.prefix}lifecycle")
    props["QueueName"] = f"{stage.prefix}lifecycle-v2"
    problems = check_queues(template, stage)
    assert any("queue missing" in p for p in problems)
    assert any("not in the code's definitions" in p for p in problems)


def test_a_lost_redrive_is_caught(template, stage):
    _, props = _find(template, "AWS::SQS::Queue", "QueueName", f"{stage.prefix}lifecycle")
    del props["RedrivePolicy"]
    assert any("dead-letter" in p for p in check_queues(template, stage))


def test_a_new_queue_in_topology_is_caught(template, stage, monkeypatch):
    monkeypatch.setattr(topology, "QUEUES", topology.QUEUES + (
        topology.QueueSpec("surveys", ("TicketReplied",)),))
    assert any("surveys" in p for p in check_queues(template, stage))
    assert any("rule missing" in p for p in check_rules(template, stage))
    assert any("dlq-depth" in p for p in check_alarms(template, stage))


def test_a_rule_routing_other_events_is_caught(template, stage):
    _, props = _find(template, "AWS::Events::Rule", "Name", f"{stage.prefix}lifecycle")
    props["EventPattern"]["detail-type"].remove("TicketClosed")
    assert any("event pattern" in p for p in check_rules(template, stage))


def test_an_edited_state_machine_is_caught(template, stage):
    _, props = _find(template, "AWS::StepFunctions::StateMachine", "StateMachineName",
                     f"{stage.prefix}sweep")
    definition = json.loads(props["DefinitionString"])
    definition["States"]["Shards"]["MaxConcurrency"] = 40
    props["DefinitionString"] = json.dumps(definition)
    problems = check_state_machines(template, stage)
    assert any("DefinitionString is not" in p for p in problems)
    assert any("deployed definition differs" in p for p in problems)


def test_a_miswired_substitution_is_caught(template, stage):
    _, props = _find(template, "AWS::StepFunctions::StateMachine", "StateMachineName",
                     f"{stage.prefix}sweep")
    props["DefinitionSubstitutions"]["TicketsTable"] = props["DefinitionSubstitutions"][
        "EventsTable"]
    assert any("substitutions" in p for p in check_state_machines(template, stage))


def test_a_broader_state_machine_role_is_caught(template, stage):
    logical, props = _find(template, "AWS::StepFunctions::StateMachine", "StateMachineName",
                           f"{stage.prefix}sweep")
    role = props["RoleArn"]["Fn::GetAtt"][0]
    policy = next(p for p in resources(template, "AWS::IAM::Policy").values()
                  if {"Ref": role} in p["Roles"])
    policy["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Action": "dynamodb:DeleteItem",
         "Resource": {"Fn::GetAtt": ["AnyTable", "Arn"]}})
    assert any("role grants" in p for p in check_state_machines(template, stage))


def test_a_missing_alarm_is_caught(template, stage):
    logical, _ = _find(template, "AWS::CloudWatch::Alarm", "AlarmName",
                       f"{stage.prefix}sweep-failed")
    del template["Resources"][logical]
    assert any("alarm missing" in p for p in check_alarms(template, stage))


def test_a_missing_topic_is_caught(template, stage):
    logical, _ = _find(template, "AWS::SNS::Topic", "TopicName", f"{stage.prefix}inbound-sms")
    del template["Resources"][logical]
    assert any("topic missing" in p for p in check_topics(template, stage))


def _machine_with(monkeypatch, task: dict) -> None:
    definition = {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True, **task}}}
    monkeypatch.setattr(definitions, "asl_text", lambda name: json.dumps(definition))


def test_an_integration_infra_cannot_scope_stops_the_synth(monkeypatch):
    _machine_with(monkeypatch, {"Resource": "arn:aws:states:::lambda:invoke",
                                "Parameters": {"FunctionName": "${Fn}"}})
    with pytest.raises(ValueError, match="lambda:invoke"):
        definitions.task_permissions("sweep", {"Fn": "function:x"})


def test_a_hard_coded_target_stops_the_synth(monkeypatch):
    _machine_with(monkeypatch, {"Resource": "arn:aws:states:::dynamodb:getItem",
                                "Parameters": {"TableName": "minyi-prod-tickets"}})
    with pytest.raises(ValueError, match="placeholder"):
        definitions.task_permissions("sweep", {"TicketsTable": "table:tickets"})
