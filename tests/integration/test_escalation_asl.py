"""statemachines/escalation.asl.json, executed for real by moto's Step Functions interpreter.

Each test starts one execution whose Wait deadlines are 1-3 s away (moto sleeps in real time),
then inspects the tickets table, the timeline table, the EventBridge bus (through a rule that
forwards to an SQS queue) and the alert topic (through an SQS subscription).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core.exceptions import JsonRESTError
from moto.dynamodb.responses import DynamoHandler

from chalicelib.adapters.asl import STATEMACHINES_DIR, load_definition, placeholders

REGION = "us-east-1"
TICKETS = "minyi-tickets-test"
EVENTS = "minyi-events-test"
BUS = "minyi-test"
ROLE_ARN = "arn:aws:iam::123456789012:role/minyi-escalation"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
REV = 3
CCF = "DynamoDB.ConditionalCheckFailedException"

pytestmark = pytest.mark.integration
slow = pytest.mark.slow  # real Step Functions waits (1-3 s each)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    # moto's Wait compares the UTC `at` with the naive *local* clock: run in UTC (a developer
    # machine in Asia/Shanghai would otherwise see every deadline as 8 h past).
    saved_tz = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved_tz is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved_tz
    time.tzset()


@dataclass
class Cloud:
    ddb: Any
    sqs: Any
    sfn: Any
    events_queue: str
    alerts_queue: str
    topic_arn: str

    def create_machine(self, name: str = "escalation", **overrides: str) -> str:
        subs = {
            "TicketsTable": TICKETS,
            "EventsTable": EVENTS,
            "EventBusName": BUS,
            "AlertTopicArn": self.topic_arn,
            **overrides,
        }
        definition = load_definition("escalation", subs)
        arn = self.sfn.create_state_machine(
            name=name, definition=definition, roleArn=ROLE_ARN, type="STANDARD"
        )["stateMachineArn"]
        return arn

    def ticket(self, ticket_id: str) -> dict[str, Any]:
        item = self.ddb.get_item(
            TableName=TICKETS, Key={"ticket_id": {"S": ticket_id}}, ConsistentRead=True
        )["Item"]
        return item

    def timeline(self, ticket_id: str) -> list[dict[str, Any]]:
        return self.ddb.query(
            TableName=EVENTS,
            KeyConditionExpression="ticket_id = :t",
            ExpressionAttributeValues={":t": {"S": ticket_id}},
        )["Items"]

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        bodies = []
        while True:
            msgs = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not msgs:
                return bodies
            for m in msgs:
                bodies.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture
def cloud(aws_env: None) -> Iterator[Cloud]:
    with mock_aws(config=MOTO_CONFIG):
        ddb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        sfn = boto3.client("stepfunctions", region_name=REGION)

        ddb.create_table(
            TableName=TICKETS,
            KeySchema=[{"AttributeName": "ticket_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "ticket_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.create_table(
            TableName=EVENTS,
            KeySchema=[
                {"AttributeName": "ticket_id", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "ticket_id", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )

        events_queue = sqs.create_queue(QueueName="minyi-test-events")["QueueUrl"]
        events_queue_arn = sqs.get_queue_attributes(
            QueueUrl=events_queue, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        events.create_event_bus(Name=BUS)
        events.put_rule(
            Name="escalation-to-sqs",
            EventBusName=BUS,
            EventPattern=json.dumps({"source": ["minyi.escalation"]}),
        )
        events.put_targets(
            Rule="escalation-to-sqs",
            EventBusName=BUS,
            Targets=[{"Id": "q", "Arn": events_queue_arn}],
        )

        alerts_queue = sqs.create_queue(QueueName="minyi-test-alerts")["QueueUrl"]
        alerts_queue_arn = sqs.get_queue_attributes(
            QueueUrl=alerts_queue, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        topic_arn = sns.create_topic(Name="minyi-test-alerts")["TopicArn"]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=alerts_queue_arn,
            Attributes={"RawMessageDelivery": "true"},
        )

        yield Cloud(ddb, sqs, sfn, events_queue, alerts_queue, topic_arn)


# ---------------------------------------------------------------------------- helpers


def due(seconds_from_now: int, base: float | None = None) -> int:
    """A whole-second deadline (epoch seconds) a few seconds from now."""
    return int(base if base is not None else time.time()) + seconds_from_now


def iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_ticket(cloud: Cloud, ticket_id: str, **overrides: dict[str, Any]) -> None:
    item: dict[str, Any] = {
        "ticket_id": {"S": ticket_id},
        "version": {"N": "1"},
        "status": {"S": "dispatched"},
        "unit_id": {"S": "u-v1"},
        "open_unit": {"S": "u-v1"},
        "level": {"S": "village"},
        "unit_path": {"L": [{"S": "u-v1"}, {"S": "u-t1"}, {"S": "u-c1"}, {"S": "u-city"}]},
        "sign_due_at": {"N": "1763800000"},
        "due_at": {"N": "1763900000"},
        "deadline_at": {"N": "1763800000"},
        "overdue": {"BOOL": False},
        "esc_rev": {"N": str(REV)},
        "subject": {"S": "路灯不亮"},
    }
    item.update(overrides)
    cloud.ddb.put_item(TableName=TICKETS, Item=item)


def sign_step(at: int, from_unit: str, to_unit: str, to_level: str, path: list[str], n: int):
    return {
        "at": iso(at),
        "at_epoch": at,
        "kind": "sign",
        "open_statuses": ["dispatched"],
        "from_unit": from_unit,
        "to_unit": to_unit,
        "to_level": to_level,
        "to_unit_path": path,
        "new_sign_due_at": 1763870400 + n,
        "new_due_at": 1764000000 + n,
        "new_deadline_at": 1763870400 + n,
    }


def reply_step(at: int, from_unit: str) -> dict[str, Any]:
    return {
        "at": iso(at),
        "at_epoch": at,
        "kind": "reply",
        "open_statuses": ["dispatched", "accepted"],
        "from_unit": from_unit,
        "to_unit": None,
        "to_level": None,
        "to_unit_path": [],
        "new_sign_due_at": None,
        "new_due_at": 1764100000,
        "new_deadline_at": None,
    }


def three_step_plan(ticket_id: str, first: int = 2) -> dict[str, Any]:
    now = time.time()
    return {
        "ticket_id": ticket_id,
        "revision": REV,
        "steps": [
            sign_step(due(first, now), "u-v1", "u-t1", "township", ["u-t1", "u-c1", "u-city"], 1),
            sign_step(due(first + 1, now), "u-t1", "u-c1", "county", ["u-c1", "u-city"], 2),
            reply_step(due(first + 2, now), "u-c1"),
        ],
    }


def start(cloud: Cloud, machine: str, plan: dict[str, Any]) -> str:
    return cloud.sfn.start_execution(
        stateMachineArn=machine,
        name=f"{plan['ticket_id']}-r{plan['revision']}",
        input=json.dumps(plan),
    )["executionArn"]


def wait_done(cloud: Cloud, execution_arn: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        desc = cloud.sfn.describe_execution(executionArn=execution_arn)
        if desc["status"] != "RUNNING":
            return desc
        time.sleep(0.1)
    raise AssertionError(f"execution still running after {timeout}s: {execution_arn}")


def history(cloud: Cloud, execution_arn: str) -> list[dict[str, Any]]:
    return cloud.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


def entered_states(cloud: Cloud, execution_arn: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in history(cloud, execution_arn)
        if "stateEnteredEventDetails" in e
    ]


def task_errors(cloud: Cloud, execution_arn: str) -> list[str]:
    return [
        e["taskFailedEventDetails"]["error"]
        for e in history(cloud, execution_arn)
        if "taskFailedEventDetails" in e
    ]


def ticket_model_reads(ticket: dict[str, Any], timeline: list[dict[str, Any]]) -> bool:
    """The app's PynamoDB models deserialize what the machine wrote (types match)."""
    models = pytest.importorskip("chalicelib.adapters.models")
    model = models.TicketModel.from_raw_data(ticket)
    assert model.unit_id == ticket["unit_id"]["S"]
    assert model.overdue is True
    assert [e["to_unit"] for e in model.escalations] == [
        e["M"]["to_unit"]["S"] for e in ticket["escalations"]["L"]
    ]
    for item in timeline:
        event = models.TicketEventModel.from_raw_data(item)
        assert event.kind == "escalated"
        assert event.at == int(item["at"]["N"])
        assert event.data["public"]["to_level"] == item["to_level"]["S"]
    return True


def person_write(ddb: Any, ticket_id: str, read: dict[str, Any], **changes: Any) -> None:
    """What the app does (PynamoDB save): put the whole item it read, version-checked."""
    item = copy.deepcopy(read)
    item.update(changes)
    item["version"] = {"N": str(int(read["version"]["N"]) + 1)}
    ddb.put_item(
        TableName=TICKETS,
        Item=item,
        ConditionExpression="version = :v",
        ExpressionAttributeValues={":v": read["version"]},
    )


@pytest.fixture
def after_ticket_read(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[Callable[[], None]], None]:
    """Run a callback once, right after the state machine's next getItem on the tickets table
    has been answered: the person's write then lands between the machine's read and its
    conditional update."""

    def install(callback: Callable[[], None]) -> None:
        original = DynamoHandler.get_item
        fired = threading.Event()

        def get_item(self: DynamoHandler):  # type: ignore[no-untyped-def]
            result = original(self)
            is_machine_read = (
                self.body.get("TableName") == TICKETS and "ProjectionExpression" in self.body
            )
            if is_machine_read and not fired.is_set():
                fired.set()
                result = copy.deepcopy(result)
                callback()
            return result

        monkeypatch.setattr(DynamoHandler, "get_item", get_item)

    return install


class InternalServerError(JsonRESTError):
    code = 500

    def __init__(self) -> None:
        super().__init__("InternalServerError", "the write may or may not have happened")


@pytest.fixture
def lose_first_response(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[str, Callable[[dict[str, Any]], bool]], None]:
    """The first matching DynamoDB write is applied, but answered with a 500."""

    def install(operation: str, matches: Callable[[dict[str, Any]], bool]) -> None:
        original = getattr(DynamoHandler, operation)
        fired = threading.Event()

        def handler(self: DynamoHandler):  # type: ignore[no-untyped-def]
            result = original(self)
            if matches(self.body) and not fired.is_set():
                fired.set()
                raise InternalServerError()
            return result

        monkeypatch.setattr(DynamoHandler, operation, handler)

    return install


# ---------------------------------------------------------------------------- tests


@slow
def test_nobody_acts_escalates_up_the_ladder(cloud: Cloud) -> None:
    machine = cloud.create_machine()
    tid = "01JTESTNOBODYACTS00000000"
    seed_ticket(cloud, tid)
    plan = three_step_plan(tid)

    desc = wait_done(cloud, start(cloud, machine, plan))

    assert desc["status"] == "SUCCEEDED", desc
    ticket = cloud.ticket(tid)
    assert ticket["unit_id"] == {"S": "u-c1"}
    assert ticket["open_unit"] == {"S": "u-c1"}
    assert ticket["level"] == {"S": "county"}
    assert ticket["unit_path"] == {"L": [{"S": "u-c1"}, {"S": "u-city"}]}
    assert ticket["overdue"] == {"BOOL": True}
    assert ticket["sign_due_at"] == {"N": "1763870402"}
    assert ticket["due_at"] == {"N": "1764000002"}
    assert ticket["deadline_at"] == {"N": "1763870402"}
    assert ticket["subject"] == {"S": "路灯不亮"}  # untouched
    assert "escalated_at" in ticket
    # two escalations (version +2) and the top-of-ladder overdue flag (version +1)
    assert ticket["version"] == {"N": "4"}
    escalations = [e["M"] for e in ticket["escalations"]["L"]]
    assert [(e["from_unit"]["S"], e["to_unit"]["S"], e["to_level"]["S"]) for e in escalations] == [
        ("u-v1", "u-t1", "township"),
        ("u-t1", "u-c1", "county"),
    ]
    assert escalations[0]["kind"] == {"S": "sign"}
    assert escalations[0]["at"] == {"S": plan["steps"][0]["at"]}

    timeline = cloud.timeline(tid)
    assert len(timeline) == 2
    assert {i["sk"]["S"].split("#")[1] for i in timeline} == {"esc-3-0", "esc-3-1"}
    for item in timeline:
        assert item["kind"] == {"S": "escalated"}
        assert item["actor"] == {"S": "system"}
        assert item["citizen_visible"] == {"BOOL": True}
    by_step = {json.loads(i["data"]["S"])["step"]: i for i in timeline}
    second = by_step[1]
    assert second["from_unit"] == {"S": "u-t1"}
    assert second["to_unit"] == {"S": "u-c1"}
    assert second["to_level"] == {"S": "county"}
    assert second["at"] == {"N": str(plan["steps"][1]["at_epoch"])}
    assert json.loads(second["data"]["S"]) == {
        "from_unit": "u-t1",
        "to_unit": "u-c1",
        "to_level": "county",
        "step_kind": "sign",
        "missed_at": plan["steps"][1]["at"],
        "due_at": 1764000002,
        "revision": REV,
        "step": 1,
        "execution": f"{tid}-r{REV}",
        "public": {"to_level": "county"},
    }
    # the timeline key and escalated_at come from the same stamp
    assert second["sk"]["S"].startswith(ticket["escalated_at"]["S"] + "#")
    assert ticket_model_reads(ticket, timeline)

    events = cloud.drain(cloud.events_queue)
    seen = sorted((e["detail"]["step"], e["detail-type"]) for e in events)
    assert seen == [
        (0, "TicketEscalated"),
        (0, "TicketOverdue"),
        (1, "TicketEscalated"),
        (1, "TicketOverdue"),
        (2, "TicketOverdue"),
    ]
    for e in events:
        assert e["source"] == "minyi.escalation"
        assert e["detail"]["ticket_id"] == tid
        assert e["detail"]["revision"] == REV
    step1 = next(e["detail"] for e in events if e["detail"]["step"] == 1)
    assert step1["from_unit"] == "u-t1"
    assert step1["to_unit"] == "u-c1"
    assert step1["to_level"] == "county"
    assert step1["kind"] == "sign"
    assert step1["due_at"] == 1764000002
    top = next(e["detail"] for e in events if e["detail"]["step"] == 2)
    assert top["kind"] == "reply"
    assert top["to_unit"] is None
    assert top["to_level"] is None
    assert top["due_at"] == 1764100000


@slow
def test_replied_before_deadline_is_not_escalated(cloud: Cloud) -> None:
    machine = cloud.create_machine()
    tid = "01JTESTREPLIED0000000000"
    seed_ticket(cloud, tid)
    plan = three_step_plan(tid, first=3)
    execution = start(cloud, machine, plan)

    person_write(cloud.ddb, tid, cloud.ticket(tid), status={"S": "replied"})
    desc = wait_done(cloud, execution)

    assert desc["status"] == "SUCCEEDED", desc
    ticket = cloud.ticket(tid)
    assert ticket["status"] == {"S": "replied"}
    assert ticket["unit_id"] == {"S": "u-v1"}
    assert ticket["overdue"] == {"BOOL": False}
    assert ticket["version"] == {"N": "2"}
    assert "escalations" not in ticket
    assert cloud.timeline(tid) == []
    assert cloud.drain(cloud.events_queue) == []
    states = entered_states(cloud, execution)
    assert states[-1] == "AlreadyHandled"
    assert "Escalate" not in states


@slow
def test_new_plan_revision_makes_old_execution_a_no_op(cloud: Cloud) -> None:
    machine = cloud.create_machine()
    tid = "01JTESTRESTARTED00000000"
    seed_ticket(cloud, tid)
    plan = three_step_plan(tid, first=3)
    execution = start(cloud, machine, plan)

    # the app re-planned (e.g. an approved extension): esc_rev moved on to 4
    person_write(cloud.ddb, tid, cloud.ticket(tid), esc_rev={"N": str(REV + 1)})
    desc = wait_done(cloud, execution)

    assert desc["status"] == "SUCCEEDED", desc
    ticket = cloud.ticket(tid)
    assert ticket["unit_id"] == {"S": "u-v1"}
    assert ticket["overdue"] == {"BOOL": False}
    assert ticket["version"] == {"N": "2"}
    assert "escalations" not in ticket
    assert cloud.timeline(tid) == []
    assert cloud.drain(cloud.events_queue) == []
    assert entered_states(cloud, execution)[-1] == "AlreadyHandled"


def one_step_plan(ticket_id: str, first: int = 1) -> dict[str, Any]:
    return {
        "ticket_id": ticket_id,
        "revision": REV,
        "steps": [sign_step(due(first), "u-v1", "u-t1", "township", ["u-t1", "u-c1"], 1)],
    }


@slow
def test_race_stale_person_write_fails_after_escalation(cloud: Cloud) -> None:
    machine = cloud.create_machine()
    tid = "01JTESTRACEPERSONLATE000"
    seed_ticket(cloud, tid)
    read_before = cloud.ticket(tid)  # a handler opened the ticket (version 1)

    desc = wait_done(cloud, start(cloud, machine, one_step_plan(tid)))
    assert desc["status"] == "SUCCEEDED", desc

    # ...and signs for it after the escalation: the version check refuses the stale write,
    # so the escalation is not silently overwritten; the app re-reads and sees the new unit.
    with pytest.raises(cloud.ddb.exceptions.ConditionalCheckFailedException):
        person_write(cloud.ddb, tid, read_before, status={"S": "accepted"})
    ticket = cloud.ticket(tid)
    assert ticket["unit_id"] == {"S": "u-t1"}
    assert ticket["status"] == {"S": "dispatched"}
    assert ticket["version"] == {"N": "2"}
    assert len(ticket["escalations"]["L"]) == 1


@slow
def test_race_person_write_first_makes_escalation_a_no_op(
    cloud: Cloud, after_ticket_read: Callable[[Callable[[], None]], None]
) -> None:
    machine = cloud.create_machine()
    tid = "01JTESTRACEPERSONFIRST00"
    seed_ticket(cloud, tid)
    read_before = cloud.ticket(tid)
    # The handler signs for the ticket between the machine's getItem and its updateItem.
    after_ticket_read(lambda: person_write(cloud.ddb, tid, read_before, status={"S": "accepted"}))

    execution = start(cloud, machine, one_step_plan(tid))
    desc = wait_done(cloud, execution)

    assert desc["status"] == "SUCCEEDED", desc
    ticket = cloud.ticket(tid)
    assert ticket["status"] == {"S": "accepted"}  # the person's write survived
    assert ticket["unit_id"] == {"S": "u-v1"}
    assert ticket["level"] == {"S": "village"}
    assert ticket["overdue"] == {"BOOL": False}
    assert ticket["version"] == {"N": "2"}
    assert "escalations" not in ticket
    assert cloud.timeline(tid) == []
    assert cloud.drain(cloud.events_queue) == []
    # the conditional update failed once, was not retried, and the re-read saw the signature
    assert task_errors(cloud, execution) == [CCF]
    states = entered_states(cloud, execution)
    assert states.count("Escalate") == 1
    assert states.count("GetTicket") == 2
    assert states[-1] == "AlreadyHandled"


@slow
def test_race_unrelated_person_write_is_kept_and_escalation_still_happens(
    cloud: Cloud, after_ticket_read: Callable[[Callable[[], None]], None]
) -> None:
    machine = cloud.create_machine()
    tid = "01JTESTRACEUNRELATED0000"
    seed_ticket(cloud, tid)
    read_before = cloud.ticket(tid)
    # A supervisor adds a note (version 1 -> 2) while the machine is between read and update.
    after_ticket_read(lambda: person_write(cloud.ddb, tid, read_before, note={"S": "请尽快处理"}))

    execution = start(cloud, machine, one_step_plan(tid))
    desc = wait_done(cloud, execution)

    assert desc["status"] == "SUCCEEDED", desc
    ticket = cloud.ticket(tid)
    assert ticket["note"] == {"S": "请尽快处理"}
    assert ticket["unit_id"] == {"S": "u-t1"}
    assert ticket["version"] == {"N": "3"}
    assert len(ticket["escalations"]["L"]) == 1
    assert len(cloud.timeline(tid)) == 1
    assert task_errors(cloud, execution) == [CCF]
    assert entered_states(cloud, execution).count("Escalate") == 2


@slow
def test_lost_response_of_our_own_escalation_is_recognised(
    cloud: Cloud, lose_first_response: Callable[[str, Callable[[dict[str, Any]], bool]], None]
) -> None:
    lose_first_response("update_item", lambda body: "escalations" in body["UpdateExpression"])
    machine = cloud.create_machine()
    tid = "01JTESTLOSTRESPONSE00000"
    seed_ticket(cloud, tid)

    execution = start(cloud, machine, one_step_plan(tid))
    desc = wait_done(cloud, execution)

    assert desc["status"] == "SUCCEEDED", desc
    # attempt 1 applied but "failed"; the retry then failed its condition (version moved);
    # the re-read found escalated_at == our stamp and finished the step instead of stopping.
    assert task_errors(cloud, execution) == ["DynamoDB.InternalServerError", CCF]
    assert "WasItOurWrite" in entered_states(cloud, execution)
    ticket = cloud.ticket(tid)
    assert ticket["unit_id"] == {"S": "u-t1"}
    assert ticket["version"] == {"N": "2"}
    assert len(ticket["escalations"]["L"]) == 1
    assert len(cloud.timeline(tid)) == 1
    types = sorted(e["detail-type"] for e in cloud.drain(cloud.events_queue))
    assert types == ["TicketEscalated", "TicketOverdue"]


@slow
def test_retried_timeline_put_is_a_no_op(
    cloud: Cloud, lose_first_response: Callable[[str, Callable[[dict[str, Any]], bool]], None]
) -> None:
    lose_first_response("put_item", lambda body: body["TableName"] == EVENTS)
    machine = cloud.create_machine()
    tid = "01JTESTTIMELINERETRY0000"
    seed_ticket(cloud, tid)

    execution = start(cloud, machine, one_step_plan(tid))
    desc = wait_done(cloud, execution)

    assert desc["status"] == "SUCCEEDED", desc
    assert task_errors(cloud, execution) == ["DynamoDB.InternalServerError", CCF]
    assert len(cloud.timeline(tid)) == 1
    assert cloud.ticket(tid)["version"] == {"N": "2"}
    assert len(cloud.drain(cloud.events_queue)) == 2


@slow
def test_failure_records_error_on_ticket_and_alerts(cloud: Cloud) -> None:
    machine = cloud.create_machine(EventsTable="no-such-table")
    tid = "01JTESTNOEVENTSTABLE0000"
    seed_ticket(cloud, tid)

    execution = start(cloud, machine, one_step_plan(tid))
    desc = wait_done(cloud, execution, timeout=40)

    assert desc["status"] == "FAILED", desc
    assert desc["error"] == "Escalation.Failed"
    ticket = cloud.ticket(tid)
    error = ticket["escalation_error"]["S"]
    assert error.startswith("DynamoDB.ResourceNotFoundException: ")
    assert error.endswith(f"(revision {REV}, step 0, execution {tid}-r{REV})")
    assert "escalation_failed_at" in ticket
    models = pytest.importorskip("chalicelib.adapters.models")
    assert models.TicketModel.from_raw_data(ticket).escalation_error == error
    # the escalation itself was written before the timeline put failed
    assert ticket["unit_id"] == {"S": "u-t1"}
    assert ticket["version"] == {"N": "3"}  # escalation + failure record
    assert cloud.drain(cloud.events_queue) == []

    alerts = cloud.drain(cloud.alerts_queue)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["ticket_id"] == tid
    assert alert["revision"] == REV
    assert alert["step"] == 0
    assert alert["error"] == "DynamoDB.ResourceNotFoundException"
    assert alert["execution"].endswith(f":{tid}-r{REV}")
    assert json.loads(desc["cause"]) == alert
    # first attempt + 3 retries (1 s, 2 s, 4 s) of the putItem task
    assert task_errors(cloud, execution) == ["DynamoDB.ResourceNotFoundException"] * 4


@slow
def test_bad_bus_records_error_and_alerts(cloud: Cloud) -> None:
    machine = cloud.create_machine(EventBusName="no-such-bus")
    tid = "01JTESTBADBUS00000000000"
    seed_ticket(cloud, tid)

    execution = start(cloud, machine, one_step_plan(tid))
    desc = wait_done(cloud, execution, timeout=40)

    assert desc["status"] == "FAILED", desc
    ticket = cloud.ticket(tid)
    # moto reports every non-DynamoDB/-Lambda service error as States.Runtime (and, unlike
    # AWS, lets States.ALL catch it); AWS reports an EventBridge error. Either is recorded.
    assert "no-such-bus" in ticket["escalation_error"]["S"]
    assert ticket["unit_id"] == {"S": "u-t1"}
    assert len(cloud.timeline(tid)) == 1
    alerts = cloud.drain(cloud.alerts_queue)
    assert [a["ticket_id"] for a in alerts] == [tid]


@slow
def test_missing_ticket_ends_quietly(cloud: Cloud) -> None:
    machine = cloud.create_machine()
    tid = "01JTESTMISSING0000000000"
    execution = start(cloud, machine, one_step_plan(tid))
    desc = wait_done(cloud, execution)
    assert desc["status"] == "SUCCEEDED", desc
    assert entered_states(cloud, execution)[-1] == "AlreadyHandled"
    items = cloud.ddb.scan(TableName=TICKETS)["Items"]
    assert items == []  # no phantom ticket created by an update


# ---------------------------------------------------------------------------- definition


def test_placeholders() -> None:
    assert placeholders("escalation") == {
        "TicketsTable",
        "EventsTable",
        "EventBusName",
        "AlertTopicArn",
    }


SUBS = {
    "TicketsTable": "t",
    "EventsTable": "e",
    "EventBusName": "b",
    "AlertTopicArn": "arn:aws:sns:us-east-1:123456789012:a",
}


def test_load_definition_substitutes_everything() -> None:
    definition = load_definition("escalation", {**SUBS, "TicketsTable": 'we"ird'})
    assert "${" not in definition
    parsed = json.loads(definition)
    assert parsed["States"]["GetTicket"]["Parameters"]["TableName"] == 'we"ird'


def test_load_definition_rejects_missing_placeholder() -> None:
    subs = dict(SUBS)
    del subs["EventBusName"]
    with pytest.raises(KeyError, match="EventBusName"):
        load_definition("escalation", subs)


def test_load_definition_rejects_unused_substitution() -> None:
    with pytest.raises(KeyError, match="QueueUrl"):
        load_definition("escalation", {**SUBS, "QueueUrl": "x"})


def test_definition_uses_only_optimized_integrations_with_retry_and_catch() -> None:
    definition = json.loads((STATEMACHINES_DIR / "escalation.asl.json").read_text())
    optimized = {
        "arn:aws:states:::dynamodb:getItem",
        "arn:aws:states:::dynamodb:updateItem",
        "arn:aws:states:::dynamodb:putItem",
        "arn:aws:states:::events:putEvents",
        "arn:aws:states:::sns:publish",
    }

    def tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        for name, state in states.items():
            if state["Type"] == "Task":
                yield name, state
            if state["Type"] == "Map":
                yield from tasks(state["ItemProcessor"]["States"])

    found = list(tasks(definition["States"]))
    assert len(found) >= 8
    for name, state in found:
        assert state["Resource"] in optimized, name
        retriers = state["Retry"]
        general = [r for r in retriers if "States.TaskFailed" in r["ErrorEquals"]]
        assert general, name
        assert general[0]["IntervalSeconds"] == 1
        assert general[0]["BackoffRate"] == 2
        assert general[0]["MaxAttempts"] == 3
        assert any("States.ALL" in c["ErrorEquals"] for c in state["Catch"]), name
        if "ConditionExpression" in state["Parameters"]:
            # the conditional-check failure is decided by data: never retried blindly
            assert retriers[0] == {"ErrorEquals": [CCF], "MaxAttempts": 0}, name


def test_definition_passes_cfn_lint_step_functions_schema() -> None:
    """moto's interpreter is lenient; cfn-lint checks the definition against AWS's ASL schema."""
    cfnlint_api = pytest.importorskip("cfnlint.api")
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Escalation": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "RoleArn": ROLE_ARN,
                    "StateMachineType": "STANDARD",
                    "Definition": json.loads(load_definition("escalation", SUBS)),
                },
            }
        },
    }
    matches = cfnlint_api.lint(
        json.dumps(template), config=cfnlint_api.ManualArgs(regions=[REGION])
    )
    assert [f"{m.rule.id} {m.message}" for m in matches] == []
