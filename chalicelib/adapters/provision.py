"""Create minyi's AWS resources from the shared definitions (tables from the PynamoDB models,
queues/rules/topics from ``topology``, state machines from ``statemachines/``).

Used by the local stack against moto_server and by the integration tests against in-process
moto; in AWS the CDK app creates the same things from the same definitions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import boto3

from ..config import Settings
from . import topology
from .models import table_specs


@dataclass
class Provisioned:
    tables: dict = field(default_factory=dict)
    streams: dict = field(default_factory=dict)         # logical table -> stream arn
    queues: dict = field(default_factory=dict)          # logical -> url
    queue_arns: dict = field(default_factory=dict)
    dlqs: dict = field(default_factory=dict)
    topics: dict = field(default_factory=dict)          # logical -> arn
    bus_arn: str = ""
    state_machines: dict = field(default_factory=dict)  # name -> arn

    def env(self) -> dict:
        out = {}
        if "TicketEvent" in self.streams:
            out["MINYI_TIMELINE_STREAM_ARN"] = self.streams["TicketEvent"]
        if "escalation" in self.state_machines:
            out["MINYI_ESCALATION_SM_ARN"] = self.state_machines["escalation"]
        if "alerts" in self.topics:
            out["MINYI_ALERT_TOPIC_ARN"] = self.topics["alerts"]
        return out


def _client(service: str, settings: Settings, endpoint_url: str | None):
    return boto3.client(service, region_name=settings.region, endpoint_url=endpoint_url)


def create_tables(settings: Settings, endpoint_url: str | None = None,
                  streams: dict | None = None) -> dict:
    """Every table (idempotent); ``streams`` receives each streamed table's stream ARN."""
    ddb = _client("dynamodb", settings, endpoint_url)
    existing = set(ddb.list_tables().get("TableNames", []))
    created = {}
    for spec in table_specs():
        name = spec["table_name"]
        created[spec["logical"]] = name
        if name in existing:
            if spec["stream"] and streams is not None:
                streams[spec["logical"]] = ddb.describe_table(TableName=name)["Table"][
                    "LatestStreamArn"]
            continue
        kwargs = {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": k, "AttributeType": t}
                                     for k, t in spec["attributes"].items()],
            "KeySchema": [{"AttributeName": k, "KeyType": t} for k, t in spec["key_schema"]],
        }
        if spec["gsis"]:
            kwargs["GlobalSecondaryIndexes"] = [{
                "IndexName": g["name"],
                "KeySchema": [{"AttributeName": k, "KeyType": t} for k, t in g["key_schema"]],
                "Projection": {"ProjectionType": g["projection"],
                               **({"NonKeyAttributes": g["non_key_attributes"]}
                                  if g.get("non_key_attributes") else {})},
            } for g in spec["gsis"]]
        if spec["stream"]:
            kwargs["StreamSpecification"] = {"StreamEnabled": True,
                                             "StreamViewType": spec["stream"]}
        table = ddb.create_table(**kwargs)["TableDescription"]
        if spec["stream"] and streams is not None:
            streams[spec["logical"]] = table["LatestStreamArn"]
        if spec["ttl_attribute"]:
            ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "Enabled": True, "AttributeName": spec["ttl_attribute"]})
    return created


def provision(settings: Settings, endpoint_url: str | None = None) -> Provisioned:
    """Idempotent: safe to run against a stack that already has some of it."""
    out = Provisioned()
    out.tables = create_tables(settings, endpoint_url, out.streams)
    prefix = topology.resource_prefix(settings.table_prefix)
    sqs = _client("sqs", settings, endpoint_url)
    sns = _client("sns", settings, endpoint_url)
    events = _client("events", settings, endpoint_url)
    s3 = _client("s3", settings, endpoint_url)
    sfn = _client("stepfunctions", settings, endpoint_url)
    iam_role = f"arn:aws:iam::123456789012:role/{prefix}escalation"

    try:
        s3.create_bucket(Bucket=settings.attachments_bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass

    buses = {b["Name"]: b["Arn"] for b in events.list_event_buses()["EventBuses"]}
    out.bus_arn = buses.get(settings.event_bus) or events.create_event_bus(
        Name=settings.event_bus)["EventBusArn"]

    for topic in topology.TOPICS:
        out.topics[topic.name] = sns.create_topic(Name=f"{prefix}{topic.name}")["TopicArn"]

    for queue in topology.QUEUES:
        dlq_url = sqs.create_queue(QueueName=topology.dlq_name(prefix, queue.name))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=topology.queue_name(prefix, queue.name),
            Attributes={
                "VisibilityTimeout": str(queue.visibility_timeout),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                             "maxReceiveCount": str(queue.max_receive_count)}),
            })["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        out.queues[queue.name], out.queue_arns[queue.name], out.dlqs[queue.name] = url, arn, dlq_url
        if queue.detail_types:
            rule = f"{prefix}{queue.name}"
            events.put_rule(Name=rule, EventBusName=settings.event_bus, State="ENABLED",
                            EventPattern=json.dumps({"detail-type": list(queue.detail_types)}))
            events.put_targets(Rule=rule, EventBusName=settings.event_bus,
                               Targets=[{"Id": f"{queue.name}-queue", "Arn": arn}])

    from .asl import load_definition
    refs = {"bus": settings.event_bus, **{f"table:{k}": settings.table(k)
                                          for k in ("tickets", "events")},
            **{f"topic:{k}": v for k, v in out.topics.items()}}
    existing = {m["name"]: m["stateMachineArn"]
                for m in sfn.list_state_machines()["stateMachines"]}
    for machine in topology.STATE_MACHINES:
        name = f"{prefix}{machine.name}"
        definition = load_definition(machine.name, {k: refs[v]
                                                    for k, v in machine.substitutions.items()})
        if name in existing:
            sfn.update_state_machine(stateMachineArn=existing[name], definition=definition)
            out.state_machines[machine.name] = existing[name]
        else:
            out.state_machines[machine.name] = sfn.create_state_machine(
                name=name, definition=definition, roleArn=iam_role, type="STANDARD",
            )["stateMachineArn"]
    return out
