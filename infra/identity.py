"""Identity and secrets: the staff user pool (or an external OIDC issuer), the secrets the
functions read, the functions' one role with its policy, and API Gateway's logging role."""

from __future__ import annotations

import json

from aws_cdk import ArnFormat, Aws, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager

from .base import Layer, pascal
from .data import Data
from .messaging import OUTBOX_FAILED, Messaging
from .stages import StageConfig

APP_TABLE_ACTIONS = ["dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
                     "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
                     "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem",
                     "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"]
# what the app may do to the timeline table: append and read, never update or delete
TIMELINE_ACTIONS = ["dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
                    "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
# what retention may write on a timeline entry (its key, to name it; its free text, to remove it)
TIMELINE_REDACTED_ATTRIBUTES = ("ticket_id", "sk", "text", "data")
CN_SMS_KEYS = {"tencent": ("secret_id", "secret_key"),
               "aliyun": ("access_key_id", "access_key_secret")}


class Identity(Layer):
    def __init__(self, scope, construct_id: str, *, stage: StageConfig, china: bool,
                 sms_mode: str, data: Data, messaging: Messaging) -> None:
        super().__init__(scope, construct_id, stage=stage, china=china, sms_mode=sms_mode)
        self.user_pool, self.staff_client = self._staff_pool()
        self.token_secret, self.wechat_secret = self._secrets()
        self.webhook_secret = self._webhook_secret()
        self.sms_provider_secret = self._sms_provider_secret()
        self.lambda_role = self._lambda_role(data, messaging)
        self.api_gateway_logs_role, self.api_gateway_account = self._api_gateway_logging()

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

    def staff_environment(self) -> dict:
        """Where the functions verify staff tokens: the pool, or the configured issuer."""
        if self.user_pool is None:
            return {"MINYI_STAFF_ISSUER": self.stage.staff_issuer,
                    "MINYI_STAFF_JWKS_URL": self.stage.staff_jwks_url,
                    "MINYI_STAFF_AUDIENCE": self.stage.staff_audience or ""}
        issuer = self.user_pool.user_pool_provider_url
        return {"MINYI_STAFF_ISSUER": issuer,
                "MINYI_STAFF_JWKS_URL": Fn.join("", [issuer, "/.well-known/jwks.json"]),
                "MINYI_STAFF_AUDIENCE": self.staff_client.user_pool_client_id}

    # --- secrets ------------------------------------------------------------------------------

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

    def _sms_provider_secret(self):
        """The Chinese SMS (and VMS) provider's API key, read by the functions at run time."""
        if self.sms_mode not in CN_SMS_KEYS:
            return None
        key_id, key_secret = CN_SMS_KEYS[self.sms_mode]
        return secretsmanager.Secret(
            self, "SmsProviderSecret", secret_name=f"minyi/{self.stage.name}/sms-provider",
            description=f"{self.sms_mode} API key for SMS and survey calls "
                        f"(MINYI_SMS_SECRET_ID): put the real {key_id} and {key_secret}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({key_id: "set-me"}),
                generate_string_key=key_secret, exclude_punctuation=True))

    # --- the functions' role ------------------------------------------------------------------

    def lambda_log_groups_arn(self) -> str:
        return Stack.of(self).format_arn(
            service="logs", resource="log-group",
            resource_name=f"/aws/lambda/minyi-{self.stage.name}*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME)

    def executions_arn(self, machine: str) -> str:
        return Stack.of(self).format_arn(
            service="states", resource="execution",
            resource_name=f"{self.stage.prefix}{machine}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME)

    def _lambda_role(self, data: Data, messaging: Messaging) -> iam.Role:
        """One role for every Chalice function, statement by statement (no grant_* helpers:
        they add List*/GetBucket*/Abort* and overflow the inline policy)."""
        role = iam.Role(self, "AppRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description="minyi Chalice functions")
        tables = data.table_specs()
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
                resources=[arn for table, spec in tables if not spec.stream
                           for arn in [table.table_arn] + (
                               [f"{table.table_arn}/index/*"] if spec.gsis else [])]),
            # the timeline is the outbox: the app appends entries (conditioned on not existing)
            # and reads them; it can never change or remove one
            iam.PolicyStatement(
                sid="TimelineAppendOnly", actions=TIMELINE_ACTIONS,
                resources=[arn for table, spec in tables if spec.stream
                           for arn in [table.table_arn] + (
                               [f"{table.table_arn}/index/*"] if spec.gsis else [])]),
            iam.PolicyStatement(
                sid="TimelineStream", actions=["dynamodb:DescribeStream",
                                               "dynamodb:GetRecords",
                                               "dynamodb:GetShardIterator",
                                               "dynamodb:ListStreams"],
                resources=[table.table_stream_arn for table, spec in tables if spec.stream]),
            iam.PolicyStatement(
                sid="OutboxFailures", actions=["sqs:SendMessage"],
                resources=[messaging.queues[OUTBOX_FAILED].queue_arn]),
            iam.PolicyStatement(sid="Events", actions=["events:PutEvents"],
                                resources=[messaging.bus.event_bus_arn]),
            iam.PolicyStatement(
                sid="Queues", actions=["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                       "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
                                       "sqs:GetQueueUrl"],
                resources=[q.queue_arn for q in messaging.queues.values()]),
            iam.PolicyStatement(sid="Topics", actions=["sns:Publish"],
                                resources=[t.topic_arn for t in messaging.topics.values()]),
            iam.PolicyStatement(sid="TopicKey", actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                                resources=[messaging.key.key_arn]),
            iam.PolicyStatement(sid="Attachments", actions=["s3:PutObject", "s3:GetObject",
                                                            "s3:DeleteObject"],
                                resources=[data.bucket.arn_for_objects("*")]),
            # retention (个人信息保护法, services/retention.py): the one change ever made to a
            # timeline entry is removing its free text; IAM lets nothing else be written
            iam.PolicyStatement(
                sid="TimelineRedaction", actions=["dynamodb:UpdateItem"],
                resources=[table.table_arn for table, spec in tables if spec.stream],
                conditions={"ForAllValues:StringEquals": {
                    "dynamodb:Attributes": list(TIMELINE_REDACTED_ATTRIBUTES)}}),
            # partner platforms' HMAC keys (services/partners.py), one secret per partner
            iam.PolicyStatement(
                sid="PartnerSecrets", actions=["secretsmanager:GetSecretValue"],
                resources=[Stack.of(self).format_arn(
                    service="secretsmanager", resource="secret",
                    resource_name=f"minyi/{self.stage.name}/partner/*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME)]),
        ]
        machines = messaging.state_machines
        if machines:
            statements += [
                iam.PolicyStatement(
                    sid="StartMachines", actions=["states:StartExecution"],
                    resources=[m.state_machine_arn for m in machines.values()]),
                iam.PolicyStatement(
                    sid="Executions", actions=["states:DescribeExecution"],
                    resources=[self.executions_arn(name) for name in machines]),
            ]
        if self.stage.connect_instance_id:
            statements.append(iam.PolicyStatement(
                sid="SurveyCalls", actions=["connect:StartOutboundVoiceContact"],
                resources=[f"arn:{Aws.PARTITION}:connect:{Aws.REGION}:{Aws.ACCOUNT_ID}:instance/"
                           f"{self.stage.connect_instance_id}/contact/*"]))
        if self.user_pool is not None:
            # admin_staff (services/console.py): the console adds, moves and disables staff
            statements.append(iam.PolicyStatement(
                sid="StaffDirectory", actions=[
                    "cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser",
                    "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminAddUserToGroup",
                    "cognito-idp:AdminRemoveUserFromGroup", "cognito-idp:AdminListGroupsForUser",
                    "cognito-idp:AdminDisableUser", "cognito-idp:AdminEnableUser"],
                resources=[self.user_pool.user_pool_arn]))
        if self.sms_provider_secret is not None:
            statements.append(iam.PolicyStatement(
                sid="SmsProviderSecret", actions=["secretsmanager:GetSecretValue"],
                resources=[self.sms_provider_secret.secret_arn]))
        if self.sms_mode == "sns":
            # SMS goes to a phone number, which has no ARN: allow Publish to anything that is
            # not a topic (topics are granted one by one above).
            statements.append(iam.PolicyStatement(
                sid="SmsToPhoneNumbers", actions=["sns:Publish"],
                not_resources=[f"arn:{Aws.PARTITION}:sns:*:*:*"]))
        for statement in statements:
            role.add_to_policy(statement)
        return role

    @property
    def lambda_policy(self):
        """The role's inline policy (CloudFormation): functions wait for it."""
        return self.lambda_role.node.find_child("DefaultPolicy").node.default_child

    def _api_gateway_logging(self):
        """API Gateway writes stage logs through one role per account and region."""
        role = iam.Role(self, "ApiGatewayLogsRole",
                        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
                        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                            "service-role/AmazonAPIGatewayPushToCloudWatchLogs")])
        account = apigateway.CfnAccount(self, "ApiGatewayAccount",
                                        cloud_watch_role_arn=role.role_arn)
        account.apply_removal_policy(RemovalPolicy.RETAIN)
        return role, account
