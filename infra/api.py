"""The API and the functions: the Chalice app (``chalice package`` through ``ChaliceApp``) with
its environment, API Gateway's name, throttling, stage cache, access log and error responses,
and the event sources Chalice cannot express (the timeline's stream, Connect's invoke)."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from scripts import bundle

from . import caching, definitions
from .base import Layer, pascal, retention
from .chalice_package import ChaliceApp, cwd
from .data import Data
from .definitions import GATEWAY_ERRORS, gateway_error_body
from .identity import Identity
from .messaging import OUTBOX_FAILED, Messaging
from .stages import StageConfig, chalice_stage, sms_templates

OUTBOX_FUNCTION = "outbox"                  # jobs/outbox.py's on_dynamodb_record name
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath", "status": "$context.status",
    "responseLength": "$context.responseLength", "latency": "$context.responseLatency",
    "integrationError": "$context.integrationErrorMessage"}


class Api(Layer):
    def __init__(self, scope, construct_id: str, *, stage: StageConfig, sms_mode: str,
                 build_dir: Path, data: Data, messaging: Messaging, identity: Identity) -> None:
        super().__init__(scope, construct_id, stage=stage, sms_mode=sms_mode, data=data,
                         messaging=messaging, identity=identity)
        stage_config = {
            "environment_variables": self.environment(),
            "manage_iam_role": False,
            "iam_role_arn": identity.lambda_role.role_arn,
            "autogen_policy": False,
            "xray": True,
            "log_retention_in_days": stage.log_retention_days,
            "api_gateway_endpoint_type": stage.api_endpoint_type,
        }
        with cwd(build_dir):
            # the construct id "App" is a Layer's child: its SAM resources keep their own ids
            self.app = ChaliceApp(self, "App", stage=stage.name,
                                  source_dir=str(definitions.REPO_ROOT),
                                  stage_config=stage_config, bundle_groups=self.bundle_groups())
        self._rest_api()
        self.outbox_function = self._outbox_source()
        self._check_event_sources()
        if stage.connect_instance_id:
            lambda_.CfnPermission(
                self, "ConnectInvokesVoiceResult", action="lambda:InvokeFunction",
                function_name=self.app.get_resource(pascal("voice_survey_result")).ref,
                principal="connect.amazonaws.com", source_account=Aws.ACCOUNT_ID,
                source_arn=f"arn:{Aws.PARTITION}:connect:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
                           f"instance/{stage.connect_instance_id}")

    @property
    def name(self) -> str:
        return f"minyi-{self.stage.name}"

    @property
    def gateway_stage(self) -> str:
        return chalice_stage(self.stage.name).get("api_gateway_stage", "api")

    def bundle_groups(self) -> tuple[str, ...]:
        """The optional SDK groups (pyproject ``[tool.minyi.bundle.optional]``) this
        deployment bundles: its SMS provider's SDK, if it has one."""
        group = f"sms-{self.sms_mode}"
        return (group,) if group in bundle.load_config().optional else ()

    # --- the functions' environment -----------------------------------------------------------

    def environment(self) -> dict:
        stage, identity, messaging = self.stage, self.identity, self.messaging
        env = {
            "MINYI_STAGE": stage.name,
            "MINYI_TABLE_PREFIX": stage.prefix,
            "MINYI_EVENT_BUS": messaging.bus.event_bus_name,
            "MINYI_ATTACHMENTS_BUCKET": self.data.bucket.bucket_name,
            "MINYI_ALERT_TOPIC_ARN": messaging.topics["alerts"].topic_arn,
            **identity.staff_environment(),
            "MINYI_TOKEN_SECRET": identity.token_secret.secret_value.unsafe_unwrap(),
            "MINYI_WECHAT_APPID": identity.wechat_secret.secret_value_from_json("appid")
            .unsafe_unwrap(),
            "MINYI_WECHAT_SECRET": identity.wechat_secret.secret_value_from_json("secret")
            .unsafe_unwrap(),
            "MINYI_SMS_MODE": self.sms_mode,
            "MINYI_SMS_WEBHOOK_SECRETS": identity.webhook_secret.secret_value.unsafe_unwrap(),
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
        if identity.user_pool is not None:        # admin_staff edits the Cognito staff pool
            env["MINYI_STAFF_USER_POOL_ID"] = identity.user_pool.user_pool_id
        if "sweep" in messaging.state_machines:
            env["MINYI_SWEEP_SM_ARN"] = messaging.state_machines["sweep"].state_machine_arn
        return env

    def _cn_environment(self) -> dict:
        stage, env, secret = self.stage, {}, self.identity.sms_provider_secret
        if secret is not None:
            if self.sms_mode == "tencent" and not stage.sms_app_id:
                raise ValueError("sms_mode tencent needs -c sms_app_id=<SmsSdkAppId>")
            env.update({"MINYI_SMS_SECRET_ID": secret.secret_arn,
                        "MINYI_SMS_TEMPLATE_IDS": json.dumps(sms_templates(stage,
                                                                           self.sms_mode)),
                        "MINYI_SMS_SIGN_NAME": stage.sms_sign_name or "12345",
                        "MINYI_SMS_APP_ID": stage.sms_app_id or "",
                        "MINYI_SMS_REGION": stage.sms_region or "",
                        "MINYI_SMS_ACCOUNT": stage.sms_account or "organisation"})
        if stage.voice_mode:
            if stage.voice_mode != "tencent" or self.sms_mode != "tencent":
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

    # --- API Gateway --------------------------------------------------------------------------

    def _rest_api(self) -> None:
        stage = self.stage
        access_log = logs.LogGroup(self, "ApiAccessLogs",
                                   log_group_name=f"/aws/apigateway/{self.name}",
                                   retention=retention(stage.log_retention_days),
                                   removal_policy=RemovalPolicy.RETAIN)
        rest_api = self.app.get_resource("RestAPI")
        rest_api.add_property_override("Name", self.name)
        rest_api.add_property_override("TracingEnabled", True)
        rest_api.add_property_override("MethodSettings", caching.method_settings({
            "ResourcePath": "/*", "HttpMethod": "*",
            "ThrottlingRateLimit": stage.throttle_rate,
            "ThrottlingBurstLimit": stage.throttle_burst,
            "MetricsEnabled": True, "LoggingLevel": "ERROR", "DataTraceEnabled": False,
        }, stage.public_cache_seconds, caching.cached_gets()))
        # the public GETs are answered from the stage cache (infra/caching.py)
        rest_api.add_property_override("CacheClusterEnabled", True)
        rest_api.add_property_override("CacheClusterSize", stage.cache_cluster_size)
        rest_api.add_property_override("AccessLogSetting", {
            "DestinationArn": access_log.log_group_arn,
            "Format": json.dumps(ACCESS_LOG_FORMAT)})
        rest_api.add_resource_dependency(self.identity.api_gateway_account)
        # API Gateway answers some requests itself (the staff authorizer's 401/403, throttling,
        # an oversized body, its own 5xx): give them the app's error shape and a Chinese message
        for response_type in GATEWAY_ERRORS:
            apigateway.CfnGatewayResponse(
                self, f"GatewayResponse{pascal(response_type.lower())}",
                rest_api_id=rest_api.ref, response_type=response_type,
                response_templates={"application/json": gateway_error_body(response_type)},
                response_parameters={
                    "gatewayresponse.header.Content-Type": "'application/json; charset=utf-8'"})

    # --- event sources ------------------------------------------------------------------------

    def _outbox_source(self):
        """The outbox consumer reads the timeline's stream: chalice packages a placeholder stream
        ARN (the real one exists only at deploy time), pointed here at the table's stream, with
        what chalice cannot express: bisect on error, partial batch responses, retries until a
        record is a day old, then the on-failure destination (an SQS queue, alarmed)."""
        logical = pascal(OUTBOX_FUNCTION)
        events_ = self.app.stream_events.get(logical, [])
        if len(events_) != 1:
            raise ValueError(f"expected one stream source on {logical}, found {events_}")
        function = self.app.get_resource(logical)
        base = f"Events.{events_[0]}.Properties"
        for key, value in {
            "Stream": self.data.timeline.table_stream_arn,
            "BisectBatchOnFunctionError": True,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "MaximumRetryAttempts": -1,
            "MaximumRecordAgeInSeconds": 86400,
            "DestinationConfig": {"OnFailure": {
                "Type": "SQS", "Destination": self.messaging.queues[OUTBOX_FAILED].queue_arn}},
        }.items():
            function.add_property_override(f"{base}.{key}", value)
        function.add_resource_dependency(self.identity.lambda_policy)
        return function

    def _check_event_sources(self) -> None:
        """Event sources name their queue/topic (arn:...:{prefix}{name}), which CloudFormation
        can't see: check each is one infra creates, and create it before the function."""
        prefix, messaging = self.stage.prefix, self.messaging
        physical = {("SQS", f"{prefix}{name}"): q for name, q in messaging.queues.items()}
        physical.update({("SNS", f"{prefix}{name}"): t for name, t in messaging.topics.items()})
        for function, sources in self.app.event_sources.items():
            cfn_function = self.app.get_resource(function)
            cfn_function.add_resource_dependency(self.identity.lambda_policy)
            for source in sources:
                if source not in physical:
                    raise ValueError(
                        f"{function} consumes {source[0]} {source[1]!r}, which infra does not "
                        f"create; known: {sorted(name for _, name in physical)}")
                cfn_function.add_resource_dependency(physical[source].node.default_child)
                if source[0] == "SQS":
                    messaging.check_visibility(source[1], self.app.timeouts[function], function)
