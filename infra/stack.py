"""One stack per stage: everything minyi runs on in AWS.

Tables, queues, rules, topics and state machines are built by iterating the code's own
definitions (``infra.definitions``); names follow ``chalicelib.adapters.provision`` so the app
finds in AWS what it finds locally (``{prefix}{name}``, ``{prefix}{name}-dlq``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Aws, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from chalice.cdk import Chalice
from constructs import Construct

from scripts import bundle

from . import caching, definitions, monitoring, nag
from .definitions import GATEWAY_ERRORS, gateway_error_body
from .stages import StageConfig, is_china

CHALICE_CONFIG = definitions.REPO_ROOT / ".chalice" / "config.json"
_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER,
                    "B": dynamodb.AttributeType.BINARY}
APP_TABLE_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
                     "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
                     "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem",
                     "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"]
# what the app may do to the timeline table: append and read, never update or delete
TIMELINE_ACTIONS = ["dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
                    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
OUTBOX_FUNCTION = "outbox"                  # jobs/outbox.py's on_dynamodb_record name
OUTBOX_FAILED = "outbox-failed"             # its on-failure destination (topology)
_PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
                "INCLUDE": dynamodb.ProjectionType.INCLUDE}


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def chalice_stage(stage: str) -> dict:
    """The stage's block in .chalice/config.json (app settings that are not infrastructure)."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    return config.get("stages", {}).get(stage, {})


@contextlib.contextmanager
def _cwd(path: Path):
    """chalice.cdk writes its package under ``./chalice.out``: keep it beside cdk.out."""
    previous = os.getcwd()
    path.mkdir(parents=True, exist_ok=True)
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


_PACKAGE = """
import json, sys
from chalice.api import package_app
package_app(**json.loads(sys.stdin.read()))
"""


class _Chalice(Chalice):
    """chalice.cdk.Chalice, packaging in a child process and repairing the SAM template.

    - ``chalice package`` imports app.py, and chalicelib names queues from the environment at
      import (``consumers.py``: ``queue_name(settings.table_prefix, ...)``); it also writes the
      stage's variables into ``os.environ``. In-process, the second stage would reuse the first
      stage's import and every caller (pytest) would inherit the first stage's variables. A
      child process per stage gets a fresh import under exactly that stage's variables.
    - chalice 1.34 names the API handler's log group after ``${ApiHandler}`` while the function
      is ``APIHandler`` (only when ``log_retention_in_days`` is set): each Fn::Sub is pointed
      at the resource it means.
    - ``event_sources``: {function: [(SQS|SNS, physical name)]}, for the stack's checks.
    - the package is trimmed to what runs (``scripts/bundle.py``): no boto3/botocore (the
      runtime's), only the optional SDK groups this deployment uses, precompiled bytecode.
    """

    def __init__(self, scope, construct_id, *, bundle_groups: tuple[str, ...] = (), **kwargs):
        self.bundle_groups = bundle_groups
        super().__init__(scope, construct_id, **kwargs)

    def _package_app(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        args = {"project_dir": self.source_dir, "output_dir": self._sam_package_dir,
                "stage": self.stage_name, "chalice_config": self.stage_config}
        result = subprocess.run([sys.executable, "-c", _PACKAGE], input=json.dumps(args),
                                env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
        bundle.trim(Path(self._sam_package_dir) / "deployment.zip", self.stage_name,
                    extra_groups=self.bundle_groups)

    def _generate_sam_template_with_assets(self, chalice_out_dir, package_id):
        path = super()._generate_sam_template_with_assets(chalice_out_dir, package_id)
        template = json.loads(Path(path).read_text(encoding="utf-8"))
        resources = template["Resources"]
        for resource in resources.values():
            if resource["Type"] == "AWS::Serverless::Api":
                caching.add_cache_keys(resource["Properties"]["DefinitionBody"],
                                       caching.cached_gets())
        by_lower = {name.lower(): name for name in resources}
        self.event_sources: dict[str, list[tuple[str, str]]] = {}
        self.timeouts: dict[str, int] = {}
        self.stream_events: dict[str, list[str]] = {}
        for logical, resource in resources.items():
            if resource["Type"] == "AWS::Logs::LogGroup":
                name = resource["Properties"].get("LogGroupName")
                if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
                    name["Fn::Sub"] = re.sub(
                        r"\$\{([A-Za-z0-9]+)\}",
                        lambda m: "${%s}" % (m.group(1) if m.group(1) in resources else
                                             by_lower.get(m.group(1).lower(), m.group(1))),
                        name["Fn::Sub"])
            if resource["Type"] == "AWS::Serverless::Function":
                self.timeouts[logical] = resource["Properties"].get("Timeout", 3)
                for event_name, event in resource["Properties"].get("Events", {}).items():
                    kind = event.get("Type")
                    if kind == "DynamoDB":
                        self.stream_events.setdefault(logical, []).append(event_name)
                        continue
                    ref = event.get("Properties", {}).get({"SQS": "Queue", "SNS": "Topic"}.get(
                        kind, ""))
                    if ref is not None:
                        arn = ref.get("Fn::Sub", ref) if isinstance(ref, dict) else ref
                        if not isinstance(arn, str):
                            raise ValueError(f"{logical}: unexpected {kind} source {ref!r}")
                        self.event_sources.setdefault(logical, []).append(
                            (kind, arn.rsplit(":", 1)[-1]))
        Path(path).write_text(json.dumps(template, indent=2), encoding="utf-8")
        return path


class MinyiStack(Stack):
    def __init__(self, scope: Construct, stage: StageConfig, *, build_dir: Path,
                 alert_email: str | None = None, **kwargs) -> None:
        # The construct id is the Chalice stage name (chalice.cdk packages the stage named by
        # its scope's path), so .chalice/config.json's "dev"/"prod" blocks apply.
        super().__init__(scope, stage.name, stack_name=stage.stack_name,
                         description=f"minyi 12345 citizen-request platform ({stage.name})",
                         **kwargs)
        self.stage = stage
        self.china = is_china(None if cdk.Token.is_unresolved(self.region) else self.region)
        prefix = stage.prefix

        self.key = kms.Key(self, "DataKey", alias=f"alias/minyi-{stage.name}",
                           description="minyi: SNS topics (alarms and escalation alerts)",
                           enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN)
        for service in ("cloudwatch.amazonaws.com",) + (
                () if self.china else ("sms-voice.amazonaws.com",)):
            self.key.add_to_resource_policy(iam.PolicyStatement(
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                principals=[iam.ServicePrincipal(service)], resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}))

        self.tables = self._tables()
        self.bus = events.EventBus(self, "Bus", event_bus_name=stage.event_bus)
        self.bus.archive("Archive", archive_name=f"{prefix}events",
                         description="every minyi event, for replay after a consumer fix",
                         event_pattern=events.EventPattern(account=[Aws.ACCOUNT_ID]),
                         retention=Duration.days(stage.event_archive_days))
        self.topics = self._topics()
        self.queues, self.dlqs, self.rules = self._queues_and_rules()
        self.bucket, self.access_logs = self._attachments()
        self.state_machines = self._state_machines()
        self.user_pool, self.staff_client = self._staff_pool()
        self.token_secret, self.wechat_secret = self._secrets()
        self.webhook_secret = self._webhook_secret()
        self.sms_provider_secret = self._sms_provider_secret()
        self.lambda_role = self._lambda_role()
        self.api = self._chalice(build_dir)
        self.alarms = monitoring.alarms(self)
        self.dashboard = monitoring.dashboard(self)
        if alert_email:
            self.topics["alerts"].add_subscription(subscriptions.EmailSubscription(alert_email))
        nag.acknowledge(self)

        if self.user_pool is not None:
            cdk.CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
            cdk.CfnOutput(self, "StaffClientId", value=self.staff_client.user_pool_client_id)
        cdk.CfnOutput(self, "AttachmentsBucket", value=self.bucket.bucket_name)
        cdk.CfnOutput(self, "WechatSecretName", value=self.wechat_secret.secret_name)
        if self.sms_provider_secret is not None:
            cdk.CfnOutput(self, "SmsProviderSecretName",
                          value=self.sms_provider_secret.secret_name)

    # --- data ---------------------------------------------------------------------------------

    def _tables(self) -> dict[str, dynamodb.Table]:
        out = {}
        for spec in definitions.tables():
            keys = {kind: name for name, kind in spec.key_schema}

            def attr(name: str, spec=spec) -> dynamodb.Attribute:
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
            out[spec.short] = table
        return out

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

    # --- messaging ----------------------------------------------------------------------------

    def _topics(self) -> dict[str, sns.Topic]:
        out = {}
        for spec in definitions.topics():
            topic = sns.Topic(self, f"{pascal(spec.name)}Topic",
                              topic_name=f"{self.stage.prefix}{spec.name}",
                              display_name=spec.description[:100] or spec.name,
                              master_key=self.key, enforce_ssl=True)
            out[spec.name] = topic
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

    # --- state machines -----------------------------------------------------------------------

    def resolve_ref(self, ref: str, attribute: str = "name") -> str:
        """A topology reference (``table:tickets``, ``bus``, ``topic:alerts``) as a CFN value.

        ``attribute`` "name" is what the ASL placeholder receives; "arn" is for IAM.
        """
        kind, name = definitions.split_ref(ref)
        if kind == "table":
            table = self.tables[name]
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
                retention=_retention(self.stage.log_retention_days),
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

    # --- people -------------------------------------------------------------------------------

    def _staff_pool(self):
        from chalicelib.services.staff_auth import ROLES

        stage = self.stage
        if stage.staff_issuer:
            if not stage.staff_jwks_url:
                raise ValueError("staff_issuer needs staff_jwks_url (see docs/deploy.md)")
            return None, None
        if self.china:
            raise ValueError("AWS China has no Cognito user pools: name the staff identity "
                             "provider with -c staff_issuer=... -c staff_jwks_url=... "
                             "(see docs/deploy.md)")
        plus = stage.staff_threat_protection
        pool = cognito.UserPool(
            self, "StaffPool", user_pool_name=f"{stage.prefix}staff",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True),
            sign_in_case_sensitive=False,
            standard_attributes=cognito.StandardAttributes(
                fullname=cognito.StandardAttribute(required=False, mutable=True),
                phone_number=cognito.StandardAttribute(required=False, mutable=True)),
            custom_attributes={"unit": cognito.StringAttribute(min_len=1, max_len=64,
                                                               mutable=True)},
            password_policy=cognito.PasswordPolicy(
                min_length=12, require_lowercase=True, require_uppercase=True,
                require_digits=True, require_symbols=True,
                temp_password_validity=Duration.days(3)),
            mfa=cognito.Mfa.REQUIRED if stage.staff_mfa == "REQUIRED" else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.NONE,   # an admin resets staff passwords
            feature_plan=cognito.FeaturePlan.PLUS if plus else cognito.FeaturePlan.ESSENTIALS,
            standard_threat_protection_mode=(
                cognito.StandardThreatProtectionMode.FULL_FUNCTION if plus else None),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for precedence, role in enumerate(sorted(ROLES)):
            cognito.CfnUserPoolGroup(self, f"{pascal(role)}Group", user_pool_id=pool.user_pool_id,
                                     group_name=role, precedence=precedence,
                                     description=f"minyi staff role: {role}")
        readable = cognito.ClientAttributes().with_standard_attributes(
            fullname=True, phone_number=True).with_custom_attributes("unit")
        writable = cognito.ClientAttributes().with_standard_attributes(
            fullname=True, phone_number=True)        # the unit is set by an admin only
        client = pool.add_client(
            "StaffApp", user_pool_client_name=f"{stage.prefix}staff-app",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True, enable_token_revocation=True,
            access_token_validity=Duration.hours(1), id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(7),
            read_attributes=readable, write_attributes=writable)
        return pool, client

    def _secrets(self):
        token = secretsmanager.Secret(
            self, "CitizenTokenSecret", secret_name=f"minyi/{self.stage.name}/citizen-token",
            description="HS256 key for citizen session tokens (MINYI_TOKEN_SECRET)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True))
        wechat = secretsmanager.Secret(
            self, "WechatSecret", secret_name=f"minyi/{self.stage.name}/wechat",
            description="WeChat mini-program appid and secret: set both, then deploy again",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"appid": "set-me"}),
                generate_string_key="secret", exclude_punctuation=True))
        return token, wechat

    def _webhook_secret(self):
        """The shared secrets the Chinese SMS providers' callbacks carry (one per provider)."""
        return secretsmanager.Secret(
            self, "SmsWebhookSecrets", secret_name=f"minyi/{self.stage.name}/sms-webhooks",
            description="Per-provider secrets of the SMS reply/receipt webhooks "
                        "(MINYI_SMS_WEBHOOK_SECRETS): give each to its provider's console",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"aliyun": "set-me-or-keep-generated"}),
                generate_string_key="tencent", exclude_punctuation=True, password_length=40))

    CN_SMS_KEYS = {"tencent": ("secret_id", "secret_key"),
                   "aliyun": ("access_key_id", "access_key_secret")}

    def _sms_provider_secret(self):
        """The Chinese SMS (and VMS) provider's API key, read by the functions at run time."""
        mode = self._sms_mode()
        if mode not in self.CN_SMS_KEYS:
            return None
        key_id, key_secret = self.CN_SMS_KEYS[mode]
        return secretsmanager.Secret(
            self, "SmsProviderSecret", secret_name=f"minyi/{self.stage.name}/sms-provider",
            description=f"{mode} API key for SMS and survey calls (MINYI_SMS_SECRET_ID): "
                        f"put the real {key_id} and {key_secret}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({key_id: "set-me"}),
                generate_string_key=key_secret, exclude_punctuation=True))

    def sms_templates(self) -> dict[str, str]:
        """The approved template id/code of every catalogue SMS (refuses a missing one)."""
        from chalicelib.domain.messages import SMS_TEMPLATES, VoiceSurvey
        raw = (self.stage.sms_templates or "").strip()
        if not raw:
            raise ValueError(f"sms_mode {self._sms_mode()!r} sends approved templates only: give "
                             "-c sms_templates=<JSON or file> (see docs/deploy.md)")
        if not raw.startswith("{"):
            path = Path(raw) if Path(raw).is_absolute() else definitions.REPO_ROOT / raw
            raw = path.read_text(encoding="utf-8")
        ids = {str(k): str(v) for k, v in json.loads(raw).items()}
        missing = sorted(set(SMS_TEMPLATES) - set(ids))
        if missing:
            raise ValueError(f"sms_templates has no approved template for: {', '.join(missing)}")
        unknown = sorted(set(ids) - set(SMS_TEMPLATES) - {VoiceSurvey.name})
        if unknown:
            raise ValueError(f"sms_templates names templates minyi does not send: {unknown}")
        return ids

    def _cn_environment(self) -> dict:
        stage, env = self.stage, {}
        if self.sms_provider_secret is not None:
            if self._sms_mode() == "tencent" and not stage.sms_app_id:
                raise ValueError("sms_mode tencent needs -c sms_app_id=<SmsSdkAppId>")
            env.update({"MINYI_SMS_SECRET_ID": self.sms_provider_secret.secret_arn,
                        "MINYI_SMS_TEMPLATE_IDS": json.dumps(self.sms_templates()),
                        "MINYI_SMS_SIGN_NAME": stage.sms_sign_name or "12345",
                        "MINYI_SMS_APP_ID": stage.sms_app_id or "",
                        "MINYI_SMS_REGION": stage.sms_region or "",
                        "MINYI_SMS_ACCOUNT": stage.sms_account or "organisation"})
        if stage.voice_mode:
            if stage.voice_mode != "tencent" or self._sms_mode() != "tencent":
                raise ValueError("voice_mode tencent (Tencent Cloud VMS) is the voice adapter "
                                 "without Connect, with sms_mode tencent (same API key)")
            if not (stage.voice_app_id and stage.voice_template_id):
                raise ValueError("voice_mode tencent needs -c voice_app_id=... "
                                 "-c voice_template_id=...")
            env.update({"MINYI_VOICE_MODE": "tencent", "MINYI_VOICE_APP_ID": stage.voice_app_id,
                        "MINYI_VOICE_TEMPLATE_ID": stage.voice_template_id})
        claims = {"MINYI_OIDC_ROLES_CLAIM": stage.staff_roles_claim,
                  "MINYI_OIDC_UNIT_CLAIM": stage.staff_unit_claim,
                  "MINYI_OIDC_USER_CLAIM": stage.staff_user_claim}
        env.update({k: v for k, v in claims.items() if v})
        return env

    # --- the Chalice app ----------------------------------------------------------------------

    def _lambda_role(self) -> iam.Role:
        """One role for every Chalice function, statement by statement (no grant_* helpers:
        they add List*/GetBucket*/Abort* and overflow the inline policy)."""
        role = iam.Role(self, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description="minyi Chalice functions")
        statements = [
            iam.PolicyStatement(
                sid="Logs", actions=["logs:CreateLogGroup", "logs:CreateLogStream",
                                     "logs:PutLogEvents"],
                resources=[self.lambda_log_groups_arn()]),
            iam.PolicyStatement(
                sid="XRay", actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources=["*"]),
            iam.PolicyStatement(
                sid="Tables", actions=APP_TABLE_ACTIONS,
                resources=[arn for table, spec in self._table_specs() if not spec.stream
                           for arn in [table.table_arn] + (
                               [f"{table.table_arn}/index/*"] if spec.gsis else [])]),
            # the timeline is the outbox: the app appends entries (conditioned on not existing)
            # and reads them; it can never change or remove one
            iam.PolicyStatement(
                sid="TimelineAppendOnly", actions=TIMELINE_ACTIONS,
                resources=[table.table_arn for table, spec in self._table_specs()
                           if spec.stream]),
            iam.PolicyStatement(
                sid="TimelineStream", actions=["dynamodb:DescribeStream",
                                               "dynamodb:GetRecords",
                                               "dynamodb:GetShardIterator",
                                               "dynamodb:ListStreams"],
                resources=[table.table_stream_arn for table, spec in self._table_specs()
                           if spec.stream]),
            iam.PolicyStatement(
                sid="OutboxFailures", actions=["sqs:SendMessage"],
                resources=[self.queues[OUTBOX_FAILED].queue_arn]),
            iam.PolicyStatement(sid="Events", actions=["events:PutEvents"],
                                resources=[self.bus.event_bus_arn]),
            iam.PolicyStatement(
                sid="Queues", actions=["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                       "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
                                       "sqs:GetQueueUrl"],
                resources=[q.queue_arn for q in self.queues.values()]),
            iam.PolicyStatement(sid="Topics", actions=["sns:Publish"],
                                resources=[t.topic_arn for t in self.topics.values()]),
            iam.PolicyStatement(sid="TopicKey", actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                                resources=[self.key.key_arn]),
            iam.PolicyStatement(sid="Attachments", actions=["s3:PutObject", "s3:GetObject"],
                                resources=[self.bucket.arn_for_objects("*")]),
        ]
        if self.state_machines:
            statements += [
                iam.PolicyStatement(
                    sid="StartMachines", actions=["states:StartExecution"],
                    resources=[m.state_machine_arn for m in self.state_machines.values()]),
                iam.PolicyStatement(
                    sid="Executions", actions=["states:DescribeExecution"],
                    resources=[self.executions_arn(name) for name in self.state_machines]),
            ]
        if self.stage.connect_instance_id:
            statements.append(iam.PolicyStatement(
                sid="SurveyCalls", actions=["connect:StartOutboundVoiceContact"],
                resources=[f"arn:{Aws.PARTITION}:connect:{Aws.REGION}:{Aws.ACCOUNT_ID}:instance/"
                           f"{self.stage.connect_instance_id}/contact/*"]))
        if self.sms_provider_secret is not None:
            statements.append(iam.PolicyStatement(
                sid="SmsProviderSecret", actions=["secretsmanager:GetSecretValue"],
                resources=[self.sms_provider_secret.secret_arn]))
        if self._sms_mode() == "sns":
            # SMS goes to a phone number, which has no ARN: allow Publish to anything that is
            # not a topic (topics are granted one by one above).
            statements.append(iam.PolicyStatement(
                sid="SmsToPhoneNumbers", actions=["sns:Publish"],
                not_resources=[f"arn:{Aws.PARTITION}:sns:*:*:*"]))
        for statement in statements:
            role.add_to_policy(statement)
        return role

    def _table_specs(self):
        specs = {spec.short: spec for spec in definitions.tables()}
        return [(table, specs[short]) for short, table in self.tables.items()]

    def lambda_log_groups_arn(self) -> str:
        return self.format_arn(service="logs", resource="log-group",
                               resource_name=f"/aws/lambda/minyi-{self.stage.name}*",
                               arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)

    def executions_arn(self, machine: str) -> str:
        return self.format_arn(service="states", resource="execution",
                               resource_name=f"{self.stage.prefix}{machine}:*",
                               arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)

    def bundle_groups(self) -> tuple[str, ...]:
        """The optional SDK groups (pyproject ``[tool.minyi.bundle.optional]``) this
        deployment bundles: its SMS provider's SDK, if it has one."""
        group = f"sms-{self._sms_mode()}"
        return (group,) if group in bundle.load_config().optional else ()

    def _sms_mode(self) -> str:
        mode = self.stage.sms_mode or chalice_stage(self.stage.name).get(
            "environment_variables", {}).get("MINYI_SMS_MODE", "sns")
        if self.china and mode == "sns":
            raise ValueError("AWS China has no End User Messaging SMS: set the stage's sms_mode "
                             "(-c sms_mode=tencent|aliyun), see docs/deploy.md")
        if mode not in ("sns", "record", "tencent", "aliyun"):
            raise ValueError(f"unknown sms_mode {mode!r}: tencent | aliyun | sns | record")
        return mode

    def app_environment(self) -> dict:
        stage = self.stage
        env = {
            "MINYI_STAGE": stage.name,
            "MINYI_TABLE_PREFIX": stage.prefix,
            "MINYI_EVENT_BUS": self.bus.event_bus_name,
            "MINYI_ATTACHMENTS_BUCKET": self.bucket.bucket_name,
            "MINYI_ALERT_TOPIC_ARN": self.topics["alerts"].topic_arn,
            **self._staff_environment(),
            "MINYI_TOKEN_SECRET": self.token_secret.secret_value.unsafe_unwrap(),
            "MINYI_WECHAT_APPID": self.wechat_secret.secret_value_from_json("appid")
            .unsafe_unwrap(),
            "MINYI_WECHAT_SECRET": self.wechat_secret.secret_value_from_json("secret")
            .unsafe_unwrap(),
            "MINYI_SMS_MODE": self._sms_mode(),
            "MINYI_SMS_WEBHOOK_SECRETS": self.webhook_secret.secret_value.unsafe_unwrap(),
            "POWERTOOLS_SERVICE_NAME": stage.service_name,
            "MINYI_SECRETS_REV": stage.secrets_rev,
            **self._cn_environment(),
        }
        if stage.connect_instance_id:
            env.update({"MINYI_VOICE_MODE": "connect",
                        "MINYI_CONNECT_INSTANCE_ID": stage.connect_instance_id,
                        "MINYI_CONNECT_CONTACT_FLOW_ID": stage.connect_contact_flow_id or "",
                        "MINYI_CONNECT_SOURCE_PHONE": stage.connect_source_phone or "",
                        "MINYI_CONNECT_QUEUE_ID": stage.connect_queue_id or ""})
        if "sweep" in self.state_machines:
            env["MINYI_SWEEP_SM_ARN"] = self.state_machines["sweep"].state_machine_arn
        return env

    def _staff_environment(self) -> dict:
        if self.user_pool is None:
            return {"MINYI_STAFF_ISSUER": self.stage.staff_issuer,
                    "MINYI_STAFF_JWKS_URL": self.stage.staff_jwks_url,
                    "MINYI_STAFF_AUDIENCE": self.stage.staff_audience or ""}
        issuer = self.user_pool.user_pool_provider_url
        return {"MINYI_STAFF_ISSUER": issuer,
                "MINYI_STAFF_JWKS_URL": Fn.join("", [issuer, "/.well-known/jwks.json"]),
                "MINYI_STAFF_AUDIENCE": self.staff_client.user_pool_client_id}

    def api_name(self) -> str:
        return f"minyi-{self.stage.name}"

    def api_stage(self) -> str:
        return chalice_stage(self.stage.name).get("api_gateway_stage", "api")

    def _chalice(self, build_dir: Path):
        stage_config = {
            "environment_variables": self.app_environment(),
            "manage_iam_role": False,
            "iam_role_arn": self.lambda_role.role_arn,
            "autogen_policy": False,
            "xray": True,
            "log_retention_in_days": self.stage.log_retention_days,
            "api_gateway_endpoint_type": self.stage.api_endpoint_type,
        }
        with _cwd(build_dir):
            api = _Chalice(self, "Api", source_dir=str(definitions.REPO_ROOT),
                          stage_config=stage_config, bundle_groups=self.bundle_groups())

        access_log = logs.LogGroup(self, "ApiAccessLogs",
                                   log_group_name=f"/aws/apigateway/{self.api_name()}",
                                   retention=_retention(self.stage.log_retention_days),
                                   removal_policy=RemovalPolicy.RETAIN)
        account = self._api_gateway_logging_role()
        rest_api = api.get_resource("RestAPI")
        rest_api.add_property_override("Name", self.api_name())
        rest_api.add_property_override("TracingEnabled", True)
        rest_api.add_property_override("MethodSettings", caching.method_settings({
            "ResourcePath": "/*", "HttpMethod": "*",
            "ThrottlingRateLimit": self.stage.throttle_rate,
            "ThrottlingBurstLimit": self.stage.throttle_burst,
            "MetricsEnabled": True, "LoggingLevel": "ERROR", "DataTraceEnabled": False,
        }, self.stage.public_cache_seconds, caching.cached_gets()))
        # the public GETs are answered from the stage cache (infra/caching.py)
        rest_api.add_property_override("CacheClusterEnabled", True)
        rest_api.add_property_override("CacheClusterSize", self.stage.cache_cluster_size)
        rest_api.add_property_override("AccessLogSetting", {
            "DestinationArn": access_log.log_group_arn,
            "Format": json.dumps({
                "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
                "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
                "resourcePath": "$context.resourcePath", "status": "$context.status",
                "responseLength": "$context.responseLength",
                "latency": "$context.responseLatency",
                "integrationError": "$context.integrationErrorMessage"}),
        })
        rest_api.add_resource_dependency(account)
        self._gateway_responses(rest_api)
        self._outbox_source(api)

        # Event sources name their queue/topic (arn:...:{prefix}{name}), which CloudFormation
        # can't see: check each is one infra creates, and create it before the function.
        physical = {("SQS", f"{self.stage.prefix}{name}"): q for name, q in self.queues.items()}
        physical.update({("SNS", f"{self.stage.prefix}{name}"): t
                         for name, t in self.topics.items()})
        policy = self.lambda_role.node.find_child("DefaultPolicy").node.default_child
        for function, sources in api.event_sources.items():
            cfn_function = api.get_resource(function)
            cfn_function.add_resource_dependency(policy)
            for source in sources:
                if source not in physical:
                    raise ValueError(
                        f"{function} consumes {source[0]} {source[1]!r}, which infra does not "
                        f"create; known: {sorted(name for _, name in physical)}")
                cfn_function.add_resource_dependency(physical[source].node.default_child)
                if source[0] == "SQS":
                    self._check_visibility(source[1], api.timeouts[function], function)
        if self.stage.connect_instance_id:
            from aws_cdk import aws_lambda as lambda_
            lambda_.CfnPermission(
                self, "ConnectInvokesVoiceResult", action="lambda:InvokeFunction",
                function_name=api.get_resource(pascal("voice_survey_result")).ref,
                principal="connect.amazonaws.com", source_account=Aws.ACCOUNT_ID,
                source_arn=f"arn:{Aws.PARTITION}:connect:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                           f"instance/{self.stage.connect_instance_id}")
        return api

    def _outbox_source(self, api) -> None:
        """The outbox consumer reads the timeline's stream: chalice packages a placeholder stream
        ARN (the real one exists only at deploy time), pointed here at the table's stream, with
        what chalice cannot express: bisect on error, partial batch responses, retries until a
        record is a day old, then the on-failure destination (an SQS queue, alarmed)."""
        timeline = next(t for t, spec in self._table_specs() if spec.stream)
        logical = pascal(OUTBOX_FUNCTION)
        events_ = api.stream_events.get(logical, [])
        if len(events_) != 1:
            raise ValueError(f"expected one stream source on {logical}, found {events_}")
        function = api.get_resource(logical)
        base = f"Events.{events_[0]}.Properties"
        for key, value in {
            "Stream": timeline.table_stream_arn,
            "BisectBatchOnFunctionError": True,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "MaximumRetryAttempts": -1,
            "MaximumRecordAgeInSeconds": 86400,
            "DestinationConfig": {"OnFailure": {
                "Type": "SQS", "Destination": self.queues[OUTBOX_FAILED].queue_arn}},
        }.items():
            function.add_property_override(f"{base}.{key}", value)
        policy = self.lambda_role.node.find_child("DefaultPolicy").node.default_child
        function.add_resource_dependency(policy)
        self.outbox_function = function

    # API Gateway answers some requests itself (the staff authorizer's 401/403, throttling, an
    # oversized body, its own 5xx): give them the app's error shape and a Chinese message.
    GATEWAY_ERRORS = GATEWAY_ERRORS     # one table, shared with the local API server

    def _gateway_responses(self, rest_api) -> None:
        for response_type in self.GATEWAY_ERRORS:
            body = gateway_error_body(response_type)
            apigateway.CfnGatewayResponse(
                self, f"GatewayResponse{pascal(response_type.lower())}",
                rest_api_id=rest_api.ref, response_type=response_type,
                response_templates={"application/json": body},
                response_parameters={
                    "gatewayresponse.header.Content-Type": "'application/json; charset=utf-8'"})

    def _check_visibility(self, queue: str, timeout: int, function: str) -> None:
        """Lambda refuses an SQS source whose visibility timeout is below the timeout."""
        for spec in definitions.queues():
            if f"{self.stage.prefix}{spec.name}" == queue and spec.visibility_timeout < timeout:
                raise ValueError(f"{queue}: visibility timeout {spec.visibility_timeout}s is "
                                 f"below {function}'s {timeout}s timeout (topology.QUEUES)")

    def _api_gateway_logging_role(self):
        """API Gateway writes stage logs through one role per account and region."""
        role = iam.Role(self, "ApiGatewayLogsRole",
                        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                            "service-role/AmazonAPIGatewayPushToCloudWatchLogs")])
        account = apigateway.CfnAccount(self, "ApiGatewayAccount",
                                        cloud_watch_role_arn=role.role_arn)
        account.apply_removal_policy(RemovalPolicy.RETAIN)
        return account


_RETENTION = {7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS,
              30: logs.RetentionDays.ONE_MONTH, 90: logs.RetentionDays.THREE_MONTHS,
              180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
              731: logs.RetentionDays.TWO_YEARS, 1827: logs.RetentionDays.FIVE_YEARS}


def _retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTION:
        raise ValueError(f"log retention {days} days: use one of {sorted(_RETENTION)}")
    return _RETENTION[days]


def clean_build_dir(build_dir: Path) -> None:
    shutil.rmtree(build_dir / "chalice.out", ignore_errors=True)
