"""Messaging: the topics' KMS key, the EventBridge bus (and its archive), the SNS topics, the SQS
queues with their dead-letter queues, the rules that feed them, and the state machines.

Everything is built by iterating ``chalicelib.adapters.topology`` (through ``definitions``);
names follow ``{prefix}{name}`` and ``{prefix}{name}-dlq``. The schedules are the app's
(``@bp.schedule``): Chalice packages them with their functions (``infra/api.py``).
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn

from . import definitions
from .base import Layer, pascal, retention
from .data import Data
from .stages import StageConfig

OUTBOX_FAILED = "outbox-failed"             # the outbox's on-failure destination (topology)


class Messaging(Layer):
    def __init__(self, scope, construct_id: str, *, stage: StageConfig, china: bool,
                 data: Data) -> None:
        super().__init__(scope, construct_id, stage=stage, china=china, data=data)
        self.key = self._key()
        self.bus = events.EventBus(self, "Bus", event_bus_name=stage.event_bus)
        self.bus.archive("Archive", archive_name=f"{stage.prefix}events",
                         description="every minyi event, for replay after a consumer fix",
                         event_pattern=events.EventPattern(account=[Aws.ACCOUNT_ID]),
                         retention=Duration.days(stage.event_archive_days))
        self.topics = self._topics()
        self.queues, self.dlqs, self.rules = self._queues_and_rules()
        self.state_machines = self._state_machines()

    def _key(self) -> kms.Key:
        key = kms.Key(self, "DataKey", alias=f"alias/minyi-{self.stage.name}",
                      description="minyi: SNS topics (alarms and escalation alerts)",
                      enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN)
        for service in ("cloudwatch.amazonaws.com",) + (
                () if self.china else ("sms-voice.amazonaws.com",)):
            key.add_to_resource_policy(iam.PolicyStatement(
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                principals=[iam.ServicePrincipal(service)], resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
        return key

    def _topics(self) -> dict[str, sns.Topic]:
        out = {}
        for spec in definitions.topics():
            out[spec.name] = sns.Topic(self, f"{pascal(spec.name)}Topic",
                                       topic_name=f"{self.stage.prefix}{spec.name}",
                                       display_name=spec.description[:100] or spec.name,
                                       master_key=self.key, enforce_ssl=True)
        if "inbound-sms" in out and not self.china:
            # two-way SMS: AWS End User Messaging publishes replies to this topic
            out["inbound-sms"].add_to_resource_policy(iam.PolicyStatement(
                actions=["sns:Publish"],
                principals=[iam.ServicePrincipal("sms-voice.amazonaws.com")],
                resources=[out["inbound-sms"].topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))
        return out

    def _queues_and_rules(self):
        queues, dlqs, rules = {}, {}, {}
        for spec in definitions.queues():
            name = pascal(spec.name)
            dlq = sqs.Queue(self, f"{name}Dlq",
                            queue_name=f"{self.stage.prefix}{spec.name}-dlq",
                            encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                            retention_period=Duration.days(14))
            queue = sqs.Queue(self, f"{name}Queue",
                              queue_name=f"{self.stage.prefix}{spec.name}",
                              encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                              visibility_timeout=Duration.seconds(spec.visibility_timeout),
                              retention_period=Duration.days(4),
                              dead_letter_queue=sqs.DeadLetterQueue(
                                  queue=dlq, max_receive_count=spec.max_receive_count))
            queues[spec.name], dlqs[spec.name] = queue, dlq
            if spec.detail_types:
                rules[spec.name] = events.Rule(
                    self, f"{name}Rule", rule_name=f"{self.stage.prefix}{spec.name}",
                    description=spec.description[:512] or None, event_bus=self.bus,
                    event_pattern=events.EventPattern(detail_type=list(spec.detail_types)),
                    targets=[targets.SqsQueue(queue, dead_letter_queue=dlq,
                                              retry_attempts=8,
                                              max_event_age=Duration.hours(24))])
        return queues, dlqs, rules

    def check_visibility(self, queue: str, timeout: int, function: str) -> None:
        """Lambda refuses an SQS source whose visibility timeout is below the timeout."""
        for spec in definitions.queues():
            if f"{self.stage.prefix}{spec.name}" == queue and spec.visibility_timeout < timeout:
                raise ValueError(f"{queue}: visibility timeout {spec.visibility_timeout}s is "
                                 f"below {function}'s {timeout}s timeout (topology.QUEUES)")

    # --- state machines -----------------------------------------------------------------------

    def resolve_ref(self, ref: str, attribute: str = "name") -> str:
        """A topology reference (``table:tickets``, ``bus``, ``topic:alerts``) as a CFN value.

        ``attribute`` "name" is what the ASL placeholder receives; "arn" is for IAM.
        """
        kind, name = definitions.split_ref(ref)
        if kind == "table":
            table = self.data.tables[name]
            return table.table_name if attribute == "name" else table.table_arn
        if kind == "bus":
            return self.bus.event_bus_name if attribute == "name" else self.bus.event_bus_arn
        if kind == "topic":
            return self.topics[name].topic_arn
        if kind == "queue":
            queue = self.queues[name]
            return queue.queue_url if attribute == "name" else queue.queue_arn
        raise ValueError(f"unknown topology reference {ref!r}")

    def _state_machines(self) -> dict[str, sfn.StateMachine]:
        out = {}
        for spec in definitions.state_machines():
            definitions.check_substitutions(spec)
            text = definitions.asl_text(spec.name)
            if self.china:
                text = text.replace('"arn:aws:states:::', '"arn:aws-cn:states:::')
            name = pascal(spec.name)
            log_group = logs.LogGroup(
                self, f"{name}Logs",
                log_group_name=f"/aws/vendedlogs/states/{self.stage.prefix}{spec.name}",
                retention=retention(self.stage.log_retention_days),
                removal_policy=RemovalPolicy.RETAIN)
            machine = sfn.StateMachine(
                self, f"{name}StateMachine",
                state_machine_name=f"{self.stage.prefix}{spec.name}",
                state_machine_type=sfn.StateMachineType[spec.cloud_type],
                definition_body=sfn.DefinitionBody.from_string(text),
                definition_substitutions={key: self.resolve_ref(ref)
                                          for key, ref in spec.substitutions.items()},
                tracing_enabled=True,
                logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL,
                                    include_execution_data=False),
                removal_policy=RemovalPolicy.DESTROY)
            # least privilege, read off the definition: each Task's action on its one target
            for action, key, suffix in definitions.task_permissions(spec.name,
                                                                     spec.substitutions):
                ref = spec.substitutions[key]
                machine.add_to_role_policy(iam.PolicyStatement(
                    actions=[action], resources=[self.resolve_ref(ref, "arn") + suffix]))
                if action == "sns:Publish":
                    self.key.grant(machine.role, "kms:GenerateDataKey*", "kms:Decrypt")
            out[spec.name] = machine
        return out
