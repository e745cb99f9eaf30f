"""Data: the DynamoDB tables (keys, indexes, TTL, the timeline's stream) and the attachments
bucket with its access-log bucket.

Tables are built by iterating the PynamoDB models (``definitions.tables()``); names follow
``chalicelib.adapters.provision`` (``{prefix}{name}``) so the app finds in AWS what it finds
locally.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from . import definitions
from .base import Layer
from .definitions import TableDef
from .stages import StageConfig

_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER,
                    "B": dynamodb.AttributeType.BINARY}
_PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
                "INCLUDE": dynamodb.ProjectionType.INCLUDE}


class Data(Layer):
    def __init__(self, scope, construct_id: str, *, stage: StageConfig) -> None:
        super().__init__(scope, construct_id, stage=stage)
        self.specs = {spec.short: spec for spec in definitions.tables()}
        self.tables = {short: self._table(spec) for short, spec in self.specs.items()}
        self.bucket, self.access_logs = self._attachments()

    def table_specs(self) -> list[tuple[dynamodb.Table, TableDef]]:
        return [(table, self.specs[short]) for short, table in self.tables.items()]

    @property
    def timeline(self) -> dynamodb.Table:
        """The streamed table (the timeline: the outbox)."""
        return next(table for table, spec in self.table_specs() if spec.stream)

    def _table(self, spec: TableDef) -> dynamodb.Table:
        keys = {kind: name for name, kind in spec.key_schema}

        def attr(name: str) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=name, type=_ATTRIBUTE_TYPES[spec.attributes[name]])

        table = dynamodb.Table(
            self, f"{spec.logical}Table",
            table_name=spec.physical(self.stage.prefix),
            partition_key=attr(keys["HASH"]),
            sort_key=attr(keys["RANGE"]) if "RANGE" in keys else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            deletion_protection=self.stage.deletion_protection,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType[spec.stream] if spec.stream else None,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for gsi in spec.gsis:
            gkeys = {kind: name for name, kind in gsi["key_schema"]}
            table.add_global_secondary_index(
                index_name=gsi["name"], partition_key=attr(gkeys["HASH"]),
                sort_key=attr(gkeys["RANGE"]) if "RANGE" in gkeys else None,
                projection_type=_PROJECTIONS[gsi["projection"]],
                non_key_attributes=gsi.get("non_key_attributes") or None)
        return table

    def _attachments(self) -> tuple[s3.Bucket, s3.Bucket]:
        stage = self.stage
        access_logs = s3.Bucket(
            self, "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True, minimum_tls_version=1.2,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(stage.access_log_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        bucket = s3.Bucket(
            self, "Attachments",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True, minimum_tls_version=1.2,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="attachments/",
            lifecycle_rules=[
                s3.LifecycleRule(id="abort-incomplete-uploads",
                                 abort_incomplete_multipart_upload_after=Duration.days(1)),
                s3.LifecycleRule(id="infrequent-access", transitions=[s3.Transition(
                    storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                    transition_after=Duration.days(stage.attachment_ia_days))]),
                s3.LifecycleRule(id="old-versions", noncurrent_version_expiration=Duration.days(
                    stage.attachment_noncurrent_days)),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        # Presigned uploads only: the app hands out presigned PUT URLs (chalicelib storage);
        # a PutObject signed any other way (console, a leaked key used directly) is refused.
        bucket.add_to_resource_policy(iam.PolicyStatement(
            sid="PresignedUploadsOnly", effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()], actions=["s3:PutObject"],
            resources=[bucket.arn_for_objects("*")],
            conditions={"StringNotEquals": {"s3:authType": "REST-QUERY-STRING"}}))
        return bucket, access_logs
