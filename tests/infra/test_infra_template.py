"""CDK assertions on the synthesized templates, expectations built from the code's definitions."""

from __future__ import annotations

import json
import re

import pytest
from infra_checks import (
    CHINA_CONTEXT,
    check_alarms,
    check_queues,
    check_rules,
    check_state_machines,
    check_tables,
    check_topics,
    resources,
)

from chalicelib.adapters import topology
from chalicelib.services.staff_auth import ROLES
from infra import definitions


def _one(template: dict, kind: str) -> dict:
    found = resources(template, kind)
    assert len(found) == 1, f"{kind}: {sorted(found)}"
    return next(iter(found.values()))


@pytest.mark.parametrize("check", [check_tables, check_queues, check_rules, check_topics,
                                   check_state_machines, check_alarms],
                         ids=lambda c: c.__name__)
def test_template_matches_the_code(synth, stage_name, check):
    assert check(synth.templates[stage_name], synth.stage(stage_name)) == []


def test_counts_match_the_definitions_exactly(synth, stage_name):
    template = synth.templates[stage_name]
    count = lambda kind: len(resources(template, kind))  # noqa: E731
    assert count("AWS::DynamoDB::Table") == len(definitions.tables())
    assert sum(len(r.get("GlobalSecondaryIndexes", []))
               for r in resources(template, "AWS::DynamoDB::Table").values()) == \
        sum(len(t.gsis) for t in definitions.tables())
    assert count("AWS::SQS::Queue") == 2 * len(topology.QUEUES)
    assert count("AWS::Events::Rule") == sum(1 for q in topology.QUEUES if q.detail_types)
    assert count("AWS::SNS::Topic") == len(topology.TOPICS)
    assert count("AWS::StepFunctions::StateMachine") == len(topology.STATE_MACHINES)


def test_ttl_is_on_the_ephemeral_table(synth, stage_name):
    stage = synth.stage(stage_name)
    tables = {p["TableName"]: p for p in
              resources(synth.templates[stage_name], "AWS::DynamoDB::Table").values()}
    assert tables[f"{stage.prefix}ephemeral"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at", "Enabled": True}


def test_attachments_bucket(synth, stage_name):
    template = synth.templates[stage_name]
    buckets = resources(template, "AWS::S3::Bucket")
    attachments = next(p for p in buckets.values() if "VersioningConfiguration" in p)
    assert attachments["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert attachments["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True}
    rules = {r["Id"]: r for r in attachments["LifecycleConfiguration"]["Rules"]}
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 1}
    assert rules["infrequent-access"]["Transitions"][0]["StorageClass"] == "STANDARD_IA"
    assert "LoggingConfiguration" in attachments
    for props in buckets.values():       # the access-log bucket is locked down too
        assert props["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    policies = [p["PolicyDocument"]["Statement"]
                for p in resources(template, "AWS::S3::BucketPolicy").values()]
    statements = [s for doc in policies for s in doc]
    presigned = [s for s in statements if s.get("Sid") == "PresignedUploadsOnly"]
    assert presigned and presigned[0]["Effect"] == "Deny"
    assert presigned[0]["Condition"] == {"StringNotEquals": {"s3:authType": "REST-QUERY-STRING"}}
    assert any(s["Effect"] == "Deny" and s.get("Condition", {}).get("Bool", {}).get(
        "aws:SecureTransport") == "false" for s in statements)


def test_staff_user_pool_and_groups(synth, stage_name):
    template, stage = synth.templates[stage_name], synth.stage(stage_name)
    pool = _one(template, "AWS::Cognito::UserPool")
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == ("ON" if stage.staff_mfa == "REQUIRED" else "OPTIONAL")
    assert {"Name": "unit", "AttributeDataType": "String", "Mutable": True} == {
        k: v for k, v in next(a for a in pool["Schema"] if a["Name"] == "unit").items()
        if k in ("Name", "AttributeDataType", "Mutable")}
    groups = {g["GroupName"] for g in resources(template, "AWS::Cognito::UserPoolGroup").values()}
    assert groups == set(ROLES) == {"handler", "dispatcher", "leader", "admin"}
    client = _one(template, "AWS::Cognito::UserPoolClient")
    assert "custom:unit" not in client["WriteAttributes"]   # only an admin sets the unit
    assert "custom:unit" in client["ReadAttributes"]


def test_public_gets_are_cached_keyed_on_their_parameters(synth, stage_name):
    """三公开 and Open311 reads come from the stage cache (no function call, no DynamoDB read
    per repeated view), each keyed on its path and query parameters."""
    from chalicelib.api import open311, public

    template, stage = synth.templates[stage_name], synth.stage(stage_name)
    api = _one(template, "AWS::Serverless::Api")
    assert api["CacheClusterEnabled"] is True and api["CacheClusterSize"]
    cached = {**public.CACHED_GETS, **open311.CACHED_GETS}
    assert "/v1/public/tickets" in cached and "/open311/v2/{resource}" in cached
    by_path = {s["ResourcePath"]: s for s in api["MethodSettings"]}
    for path, query in cached.items():
        setting = by_path["/" + path.lstrip("/").replace("/", "~1")]
        assert setting["HttpMethod"] == "GET" and setting["CachingEnabled"] is True
        assert setting["CacheTtlInSeconds"] == stage.public_cache_seconds
        assert setting["ThrottlingRateLimit"] == stage.throttle_rate
        operation = api["DefinitionBody"]["paths"][path]["get"]
        keys = operation["x-amazon-apigateway-integration"]["cacheKeyParameters"]
        assert {f"method.request.querystring.{q}" for q in query} <= set(keys)
        assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} == set(query)
        for segment in re.findall(r"{(\w+)}", path):
            assert f"method.request.path.{segment}" in keys
    uncached = ("/v1/public/track", "/v1/tickets", "/v1/staff/queue")
    assert not any(p in by_path for p in ("/" + u.lstrip("/").replace("/", "~1")
                                          for u in uncached))
    post = api["DefinitionBody"]["paths"]["/open311/v2/{resource}"]["post"]
    assert "cacheKeyParameters" not in post["x-amazon-apigateway-integration"]


def test_api_throttling_logging_and_name(synth, stage_name):
    template, stage = synth.templates[stage_name], synth.stage(stage_name)
    api = _one(template, "AWS::Serverless::Api")
    assert api["Name"] == f"minyi-{stage.name}"
    assert api["EndpointConfiguration"] == "REGIONAL"
    setting = api["MethodSettings"][0]
    assert setting["ResourcePath"] == "/*" and setting["CachingEnabled"] is False
    assert setting["ThrottlingRateLimit"] == stage.throttle_rate
    assert setting["ThrottlingBurstLimit"] == stage.throttle_burst
    assert "DestinationArn" in api["AccessLogSetting"]


def test_gateway_errors_have_the_app_error_shape(synth, stage_name):
    template = synth.templates[stage_name]
    found = {r["ResponseType"]: r for r in resources(template,
                                                     "AWS::ApiGateway::GatewayResponse").values()}
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "REQUEST_TOO_LARGE",
            "DEFAULT_5XX"} <= set(found)
    for response in found.values():
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert set(body["error"]) == {"code", "message"} and body["error"]["message"]


def test_functions_are_configured_for_the_stage(synth, stage_name):
    template, stage = synth.templates[stage_name], synth.stage(stage_name)
    functions = resources(template, "AWS::Serverless::Function")
    assert "APIHandler" in functions
    queue_names = {topology.queue_name(stage.prefix, q.name) for q in topology.QUEUES}
    consumed = set()
    for name, props in functions.items():
        env = props["Environment"]["Variables"]
        assert env["MINYI_STAGE"] == stage.name, name
        assert env["MINYI_TABLE_PREFIX"] == stage.prefix, name
        assert env["POWERTOOLS_SERVICE_NAME"] == stage.service_name, name
        for key in ("MINYI_EVENT_BUS", "MINYI_SWEEP_SM_ARN", "MINYI_STAFF_JWKS_URL",
                    "MINYI_STAFF_AUDIENCE", "MINYI_TOKEN_SECRET"):
            assert isinstance(env[key], dict), f"{name}.{key} must come from the stack"
        assert _getatt(props["Role"]) is not None
        assert props["Tracing"] == "Active"
        for event in props.get("Events", {}).values():
            if event["Type"] == "SQS":
                consumed.add(event["Properties"]["Queue"]["Fn::Sub"].rsplit(":", 1)[-1])
    # every SQS consumer reads a queue infra creates (the synth itself refuses otherwise)
    assert consumed <= queue_names and consumed


def _getatt(value):
    return value.get("Fn::GetAtt") if isinstance(value, dict) else None


def test_dashboard_has_the_business_widgets(synth, stage_name):
    body = _one(synth.templates[stage_name], "AWS::CloudWatch::Dashboard")["DashboardBody"]
    text = json.dumps(body)
    for title in ("Submissions by channel", "Open tickets by light", "Overdue tickets",
                  "Satisfaction", "Survey response"):
        assert title in text
    for metric in ("TicketsSubmitted", "OpenTickets", "OverdueTickets", "Evaluations",
                   "SurveysSent", "SurveysAnswered"):
        assert metric in text


def test_nothing_account_specific_is_committed(synth, stage_name):
    text = json.dumps(synth.templates[stage_name])
    # an account id stands alone (":123456789012:", "\"123456789012\""); twelve digits inside a
    # longer hex token are part of an asset hash (the code zip's sha256), not an account
    assert not re.search(r"(?<![0-9A-Za-z])[0-9]{12}(?![0-9A-Za-z])", text), \
        "an account id in the template"
    assert "us-east-1" not in text and "cn-north" not in text


def test_stages_differ_only_where_configured(synth):
    dev, prod = (synth.templates[s] for s in ("dev", "prod"))
    assert _one(prod, "AWS::Cognito::UserPool")["MfaConfiguration"] == "ON"
    assert _one(prod, "AWS::Cognito::UserPool")["UserPoolTier"] == "PLUS"
    assert {p["TableName"].removeprefix("minyi-dev-")
            for p in resources(dev, "AWS::DynamoDB::Table").values()} == \
        {p["TableName"].removeprefix("minyi-prod-")
         for p in resources(prod, "AWS::DynamoDB::Table").values()}


def test_china_region(china):
    template = china.templates["dev"]
    machine = _one(template, "AWS::StepFunctions::StateMachine")["DefinitionString"]
    assert '"arn:aws-cn:states:::' in machine and '"arn:aws:states:::' not in machine
    assert "sms-voice.amazonaws.com" not in json.dumps(template)
    (secret,) = [(logical, p) for logical, p in resources(
        template, "AWS::SecretsManager::Secret").items() if p["Name"] == "minyi/dev/sms-provider"]
    for props in resources(template, "AWS::Serverless::Function").values():
        env = props["Environment"]["Variables"]
        assert env["MINYI_SMS_MODE"] == "tencent" and env["MINYI_VOICE_MODE"] == "tencent"
        assert env["MINYI_SMS_SECRET_ID"] == {"Ref": secret[0]}
        assert json.loads(env["MINYI_SMS_TEMPLATE_IDS"])["accepted"] == "2100000"
        assert (env["MINYI_SMS_APP_ID"], env["MINYI_SMS_SIGN_NAME"]) == ("1400000001",
                                                                          "赣州12345")
        assert env["MINYI_OIDC_ROLES_CLAIM"] == "realm_access.roles"
    statements = [s for p in resources(template, "AWS::IAM::Policy").values()
                  for s in p["PolicyDocument"]["Statement"]]
    assert not any(s.get("Sid") == "SmsToPhoneNumbers" for s in statements)
    (read,) = [s for s in statements if s.get("Sid") == "SmsProviderSecret"]
    assert read["Action"] == "secretsmanager:GetSecretValue"
    assert read["Resource"] == {"Ref": secret[0]}
    assert not resources(template, "AWS::Cognito::UserPool")     # none in AWS China
    env = resources(template, "AWS::Serverless::Function")["APIHandler"]["Environment"][
        "Variables"]
    assert env["MINYI_STAFF_ISSUER"] == "https://idp.example.gov.cn/realms/minyi"
    assert _one(template, "AWS::Serverless::Api")["EndpointConfiguration"] == "REGIONAL"


@pytest.mark.parametrize("missing, message", [("sms_mode", "End User Messaging"),
                                              ("staff_issuer", "Cognito"),
                                              ("sms_templates", "approved templates"),
                                              ("sms_app_id", "SmsSdkAppId"),
                                              ("voice_template_id", "voice_template_id")])
def test_china_refuses_what_it_does_not_have(tmp_path, missing, message):
    from infra.app import build_app

    context = {k: v for k, v in CHINA_CONTEXT.items() if k != missing}
    with pytest.raises(ValueError, match=message):
        build_app(tmp_path / "cdk.out", context, nag=False)


def test_webhook_secrets_reach_the_functions(synth, stage_name):
    template = synth.templates[stage_name]
    secrets = {p["Name"] for p in resources(template, "AWS::SecretsManager::Secret").values()}
    assert f"minyi/{stage_name}/sms-webhooks" in secrets
    for fn in resources(template, "AWS::Serverless::Function").values():
        assert "MINYI_SMS_WEBHOOK_SECRETS" in fn["Environment"]["Variables"]
        assert "MINYI_VOICE_MODE" not in fn["Environment"]["Variables"]


def test_survey_calls_through_connect(voice):
    template = voice.templates["dev"]
    (permission,) = [p for p in resources(template, "AWS::Lambda::Permission").values()
                     if p.get("Principal") == "connect.amazonaws.com"]
    assert permission["Action"] == "lambda:InvokeFunction"
    policies = json.dumps(resources(template, "AWS::IAM::Policy"))
    assert "connect:StartOutboundVoiceContact" in policies
    for fn in resources(template, "AWS::Serverless::Function").values():
        env = fn["Environment"]["Variables"]
        assert env["MINYI_VOICE_MODE"] == "connect"
        assert env["MINYI_CONNECT_INSTANCE_ID"].startswith("5c1f2a3b")


def test_holiday_calendar_alarm_and_watch_schedule(synth, stage_name):
    """Issue 11, build 7: the alarm on the daily calendar watch's metric, and the job itself."""
    from chalicelib.jobs.calendar import WATCH_SCHEDULE
    from chalicelib.services.calendar_notice import UNKNOWN_METRIC

    template, stage = synth.templates[stage_name], synth.stage(stage_name)
    alarm = next(a for a in resources(template, "AWS::CloudWatch::Alarm").values()
                 if a["AlarmName"] == f"{stage.prefix}holidays-next-year-unknown")
    assert alarm["MetricName"] == UNKNOWN_METRIC and alarm["Namespace"] == "Minyi"
    assert alarm["Statistic"] == "Maximum" and alarm["Period"] == 86400
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert {"Name": "service", "Value": stage.service_name} in alarm["Dimensions"]
    text = json.dumps(template)
    assert WATCH_SCHEDULE in text and "calendar_watch" in text.lower().replace("-", "_")


def test_escalation_sweep_is_an_express_machine_started_every_minute(template):
    machine = _one(template, "AWS::StepFunctions::StateMachine")
    assert machine["StateMachineType"] == "EXPRESS"
    definition = json.loads(machine["DefinitionString"]) if isinstance(
        machine["DefinitionString"], str) else machine["DefinitionString"]
    assert "Shards" in json.dumps(definition)
    schedules = [p for p in resources(template, "AWS::Serverless::Function").values()
                 if any(e.get("Properties", {}).get("Schedule") == "rate(1 minute)"
                        for e in (p.get("Events") or {}).values())]
    assert [p["Handler"] for p in schedules] == [
        "chalicelib.jobs.escalation.start_escalation_sweep"]


def test_china_refuses_a_template_catalogue_with_gaps(tmp_path):
    from infra.app import build_app

    ids = json.loads(CHINA_CONTEXT["sms_templates"])
    del ids["accepted"]
    with pytest.raises(ValueError, match="no approved template for: accepted"):
        build_app(tmp_path / "cdk.out", {**CHINA_CONTEXT, "sms_templates": json.dumps(ids)},
                  nag=False)
