"""The timeline as the outbox, in the synthesized templates: the stream, the consumer's event
source (bisect, partial batch responses, an on-failure destination), append-only IAM for the
timeline, the iterator-age and failure alarms."""

from __future__ import annotations

from infra_checks import resources

from infra.stack import OUTBOX_FAILED, TIMELINE_ACTIONS


def _logical(template: dict, kind: str, prop: str, value: str) -> str:
    return next(logical for logical, props in resources(template, kind).items()
                if props.get(prop) == value)


def test_the_timeline_table_streams_new_images(synth, stage_name):
    stage = synth.stage(stage_name)
    tables = {p["TableName"]: p for p in
              resources(synth.templates[stage_name], "AWS::DynamoDB::Table").values()}
    assert tables[f"{stage.prefix}events"]["StreamSpecification"] == {
        "StreamViewType": "NEW_IMAGE"}
    streamed = [name for name, props in tables.items() if "StreamSpecification" in props]
    assert streamed == [f"{stage.prefix}events"]


def test_the_outbox_consumes_the_stream_with_bisect_partial_failures_and_a_destination(
        synth, stage_name):
    template = synth.templates[stage_name]
    stage = synth.stage(stage_name)
    events_table = _logical(template, "AWS::DynamoDB::Table", "TableName",
                            f"{stage.prefix}events")
    failed_queue = _logical(template, "AWS::SQS::Queue", "QueueName",
                            f"{stage.prefix}{OUTBOX_FAILED}")
    sources = [event["Properties"]
               for props in resources(template, "AWS::Serverless::Function").values()
               for event in (props.get("Events") or {}).values()
               if event.get("Type") == "DynamoDB"]
    assert len(sources) == 1
    source = sources[0]
    assert source["Stream"] == {"Fn::GetAtt": [events_table, "StreamArn"]}
    assert source["BisectBatchOnFunctionError"] is True
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["StartingPosition"] == "TRIM_HORIZON"
    assert source["MaximumRecordAgeInSeconds"] == 86400
    assert source["DestinationConfig"] == {"OnFailure": {
        "Type": "SQS", "Destination": {"Fn::GetAtt": [failed_queue, "Arn"]}}}


def _statements(template: dict) -> list[dict]:
    return [s for props in resources(template, "AWS::IAM::Policy").values()
            for s in props["PolicyDocument"]["Statement"]]


def _mentions(resource, logical: str) -> bool:
    return logical in str(resource)


def test_the_app_can_only_append_to_the_timeline(synth, stage_name):
    template = synth.templates[stage_name]
    stage = synth.stage(stage_name)
    events_table = _logical(template, "AWS::DynamoDB::Table", "TableName",
                            f"{stage.prefix}events")
    granted = set()
    for statement in _statements(template):
        resources_ = statement.get("Resource")
        resources_ = resources_ if isinstance(resources_, list) else [resources_]
        if statement.get("Sid") == "TimelineRedaction":
            # retention's one exception (issue 15): UpdateItem of the key and the free text only
            assert statement["Action"] == "dynamodb:UpdateItem"
            assert statement["Condition"] == {"ForAllValues:StringEquals": {
                "dynamodb:Attributes": ["ticket_id", "sk", "text", "data"]}}
            continue
        if any(_mentions(r, events_table) and "StreamArn" not in str(r) for r in resources_):
            actions = statement["Action"]
            granted |= set(actions if isinstance(actions, list) else [actions])
    assert "dynamodb:PutItem" in granted and "dynamodb:Query" in granted
    assert granted <= set(TIMELINE_ACTIONS)
    assert not granted & {"dynamodb:UpdateItem", "dynamodb:DeleteItem",
                          "dynamodb:BatchWriteItem", "dynamodb:*"}


def test_outbox_alarms(synth, stage_name):
    stage = synth.stage(stage_name)
    alarms = {p["AlarmName"]: p for p in
              resources(synth.templates[stage_name], "AWS::CloudWatch::Alarm").values()}
    age = alarms[f"{stage.prefix}outbox-iterator-age"]
    assert age["MetricName"] == "IteratorAge" and age["Namespace"] == "AWS/Lambda"
    assert age["Threshold"] == 180_000
    assert alarms[f"{stage.prefix}outbox-failed"]["Threshold"] == 1
