"""What the synthesized template must contain, computed from the code's own definitions.

Each check returns a list of problems (empty = the template matches the code). Expectations
come from ``table_specs()``, ``topology`` and ``statemachines/``, never from infra, so a table,
index, queue, rule, topic or state machine that drifts in either direction is reported, and
``test_infra_drift.py`` proves it by breaking templates on purpose.
"""

from __future__ import annotations

import json
import re

from chalicelib.adapters import asl, topology
from infra import definitions


# a China deployment: what docs/deploy.md says it needs
def _china_templates() -> str:
    from chalicelib.domain.messages import CATALOGUE
    return json.dumps({name: str(2100000 + i) for i, name in enumerate(sorted(CATALOGUE))})


CHINA_CONTEXT = {"stage": "dev", "region": "cn-northwest-1",
                 "sms_mode": "tencent", "sms_app_id": "1400000001", "sms_sign_name": "赣州12345",
                 "sms_region": "ap-guangzhou", "sms_templates": _china_templates(),
                 "voice_mode": "tencent", "voice_app_id": "1400000002",
                 "voice_template_id": str(2100000 + 99),
                 "staff_issuer": "https://idp.example.gov.cn/realms/minyi",
                 "staff_jwks_url": "https://idp.example.gov.cn/realms/minyi/certs",
                 "staff_audience": "minyi-staff-app",
                 "staff_roles_claim": "realm_access.roles", "staff_unit_claim": "unit",
                 "staff_user_claim": "preferred_username"}

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {logical: r.get("Properties", {}) for logical, r in template["Resources"].items()
            if r["Type"] == kind}


def _by(template: dict, kind: str, name_property: str) -> dict[str, tuple[str, dict]]:
    return {props.get(name_property): (logical, props)
            for logical, props in resources(template, kind).items()}


def _exact(kind: str, found, expected) -> list[str]:
    found, expected = set(found), set(expected)
    problems = [f"{kind} missing: {name}" for name in sorted(expected - found)]
    problems += [f"{kind} not in the code's definitions: {name}"
                 for name in sorted(found - expected, key=str)]
    return problems


def _getatt_arn(value) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
        return value["Fn::GetAtt"][0]
    return None


# --- tables ---------------------------------------------------------------------------------

def check_tables(template: dict, stage) -> list[str]:
    tables = _by(template, "AWS::DynamoDB::Table", "TableName")
    specs = {spec.physical(stage.prefix): spec for spec in definitions.tables()}
    problems = _exact("table", tables, specs)
    for name, spec in specs.items():
        if name not in tables:
            continue
        _, props = tables[name]
        keys = [(k["AttributeName"], k["KeyType"]) for k in props.get("KeySchema", [])]
        if keys != [tuple(k) for k in spec.key_schema]:
            problems.append(f"{name}: key schema {keys} != {list(spec.key_schema)}")
        attrs = {a["AttributeName"]: a["AttributeType"]
                 for a in props.get("AttributeDefinitions", [])}
        if attrs != spec.attributes:
            problems.append(f"{name}: attributes {attrs} != {spec.attributes}")
        if props.get("BillingMode") != "PAY_PER_REQUEST":
            problems.append(f"{name}: not on-demand")
        pitr = props.get("PointInTimeRecoverySpecification", {})
        if pitr.get("PointInTimeRecoveryEnabled") is not True:
            problems.append(f"{name}: point-in-time recovery off")
        if props.get("DeletionProtectionEnabled") is not stage.deletion_protection:
            problems.append(f"{name}: deletion protection is not {stage.deletion_protection}")
        ttl = props.get("TimeToLiveSpecification")
        want_ttl = ({"AttributeName": spec.ttl_attribute, "Enabled": True}
                    if spec.ttl_attribute else None)
        if ttl != want_ttl:
            problems.append(f"{name}: TTL {ttl} != {want_ttl}")
        gsis = {g["IndexName"]: g for g in props.get("GlobalSecondaryIndexes", [])}
        want = {g["name"]: g for g in spec.gsis}
        problems += [f"{name}: {p}" for p in _exact("index", gsis, want)]
        for index, gsi in want.items():
            if index not in gsis:
                continue
            got_keys = [(k["AttributeName"], k["KeyType"]) for k in gsis[index]["KeySchema"]]
            if got_keys != [tuple(k) for k in gsi["key_schema"]]:
                problems.append(f"{name}.{index}: key schema {got_keys} != {gsi['key_schema']}")
            projection = gsis[index]["Projection"]["ProjectionType"]
            if projection != gsi["projection"]:
                problems.append(f"{name}.{index}: projection {projection}")
            included = sorted(gsis[index]["Projection"].get("NonKeyAttributes", []))
            if included != sorted(gsi.get("non_key_attributes", [])):
                problems.append(f"{name}.{index}: projected attributes {included}")
    return problems


# --- queues, rules, topics, bus ---------------------------------------------------------------

def check_queues(template: dict, stage) -> list[str]:
    queues = _by(template, "AWS::SQS::Queue", "QueueName")
    expected = {}
    for spec in topology.QUEUES:
        expected[topology.queue_name(stage.prefix, spec.name)] = spec
        expected[topology.dlq_name(stage.prefix, spec.name)] = None
    problems = _exact("queue", queues, expected)
    for name, spec in expected.items():
        if spec is None or name not in queues:
            continue
        _, props = queues[name]
        dlq_name = topology.dlq_name(stage.prefix, spec.name)
        redrive = props.get("RedrivePolicy", {})
        target = _getatt_arn(redrive.get("deadLetterTargetArn"))
        if dlq_name not in queues or target != queues[dlq_name][0]:
            problems.append(f"{name}: dead-letter target is not {dlq_name}")
        if redrive.get("maxReceiveCount") != spec.max_receive_count:
            problems.append(f"{name}: maxReceiveCount {redrive.get('maxReceiveCount')}")
        if props.get("VisibilityTimeout") != spec.visibility_timeout:
            problems.append(f"{name}: visibility timeout {props.get('VisibilityTimeout')}")
        if props.get("SqsManagedSseEnabled") is not True:
            problems.append(f"{name}: not encrypted")
    return problems


def check_rules(template: dict, stage) -> list[str]:
    rules = _by(template, "AWS::Events::Rule", "Name")
    queues = _by(template, "AWS::SQS::Queue", "QueueName")
    buses = _by(template, "AWS::Events::EventBus", "Name")
    problems = _exact("event bus", buses, {stage.event_bus})
    expected = {f"{stage.prefix}{spec.name}": spec for spec in topology.QUEUES
                if spec.detail_types}
    problems += _exact("rule", rules, expected)
    for name, spec in expected.items():
        if name not in rules:
            continue
        _, props = rules[name]
        pattern = props.get("EventPattern")
        if pattern != {"detail-type": list(spec.detail_types)}:
            problems.append(f"{name}: event pattern {pattern}")
        bus = buses.get(stage.event_bus, (None,))[0]
        if props.get("EventBusName") != {"Ref": bus}:
            problems.append(f"{name}: not on the {stage.event_bus} bus")
        queue = queues.get(topology.queue_name(stage.prefix, spec.name), (None,))[0]
        arns = [_getatt_arn(t.get("Arn")) for t in props.get("Targets", [])]
        if arns != [queue]:
            problems.append(f"{name}: targets {arns}, want the {spec.name} queue")
    return problems


def check_topics(template: dict, stage) -> list[str]:
    topics = _by(template, "AWS::SNS::Topic", "TopicName")
    expected = {f"{stage.prefix}{spec.name}" for spec in topology.TOPICS}
    problems = _exact("topic", topics, expected)
    for name in expected & set(topics):
        if "KmsMasterKeyId" not in topics[name][1]:
            problems.append(f"{name}: not encrypted")
    return problems


# --- state machines -------------------------------------------------------------------------

def _resolve(template: dict, value) -> str:
    """A substitution value as the name the code would use (tables, bus) or ``arn-of:<topic>``."""
    if not (isinstance(value, dict) and "Ref" in value):
        return json.dumps(value)
    resource = template["Resources"].get(value["Ref"], {})
    props = resource.get("Properties", {})
    return {
        "AWS::DynamoDB::Table": lambda: props.get("TableName"),
        "AWS::Events::EventBus": lambda: props.get("Name"),
        "AWS::SNS::Topic": lambda: f"arn-of:{props.get('TopicName')}",
        "AWS::SQS::Queue": lambda: f"url-of:{props.get('QueueName')}",
    }.get(resource.get("Type"), lambda: f"unresolved:{value['Ref']}")()


def _expected_ref(stage, ref: str) -> str:
    kind, name = definitions.split_ref(ref)
    if kind == "table":
        return f"{stage.prefix}{name}"
    if kind == "bus":
        return stage.event_bus
    if kind == "topic":
        return f"arn-of:{stage.prefix}{name}"
    if kind == "queue":
        return f"url-of:{stage.prefix}{name}"
    raise ValueError(ref)


def _substitute(text: str, values: dict) -> str:
    """What CloudFormation's DefinitionSubstitutions does to the DefinitionString."""
    return _PLACEHOLDER.sub(
        lambda m: json.dumps(values.get(m.group(1), m.group(0)))[1:-1], text)


def check_state_machines(template: dict, stage) -> list[str]:
    machines = _by(template, "AWS::StepFunctions::StateMachine", "StateMachineName")
    expected = {f"{stage.prefix}{m.name}": m for m in topology.STATE_MACHINES}
    problems = _exact("state machine", machines, expected)
    for name, machine in expected.items():
        if name not in machines:
            continue
        logical, props = machines[name]
        text = props.get("DefinitionString")
        if text != definitions.asl_text(machine.name):
            problems.append(f"{name}: DefinitionString is not statemachines/"
                            f"{machine.name}.asl.json")
        subs = {k: _resolve(template, v) for k, v in props.get("DefinitionSubstitutions",
                                                                 {}).items()}
        want = {k: _expected_ref(stage, ref) for k, ref in machine.substitutions.items()}
        if subs != want:
            problems.append(f"{name}: substitutions {subs} != {want}")
            continue
        if not isinstance(text, str):
            problems.append(f"{name}: DefinitionString is not a string")
            continue
        deployed = json.loads(_substitute(text, subs))
        if deployed != json.loads(asl.load_definition(machine.name, want)):
            problems.append(f"{name}: the deployed definition differs from the ASL file")
        problems += _check_machine_role(template, stage, machine, props)
    return problems


def _check_machine_role(template: dict, stage, machine, props) -> list[str]:
    """The role grants each Task's action on exactly its target, and nothing else of the kind."""
    role = _getatt_arn(props.get("RoleArn"))
    granted = set()
    for policy in resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role} not in policy.get("Roles", []):
            continue
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) \
                else [statement["Action"]]
            targets = statement["Resource"] if isinstance(statement["Resource"], list) \
                else [statement["Resource"]]
            for action in actions:
                if action.split(":")[0] in ("dynamodb", "events", "sns", "sqs"):
                    for target in targets:
                        granted.add((action, json.dumps(target, sort_keys=True)))
    wanted = set()
    for action, key, suffix in definitions.task_permissions(machine.name,
                                                             machine.substitutions):
        ref = machine.substitutions[key]
        kind, name = definitions.split_ref(ref)
        logical = _logical_for(template, stage, kind, name)
        target = {"Ref": logical} if kind == "topic" else {"Fn::GetAtt": [logical, "Arn"]}
        if suffix:
            target = {"Fn::Join": ["", [target, suffix]]}
        wanted.add((action, json.dumps(target, sort_keys=True)))
    if granted != wanted:
        return [f"{stage.prefix}{machine.name}: role grants {sorted(granted)} "
                f"!= {sorted(wanted)}"]
    return []


def _logical_for(template: dict, stage, kind: str, name: str) -> str | None:
    kinds = {"table": ("AWS::DynamoDB::Table", "TableName", f"{stage.prefix}{name}"),
             "bus": ("AWS::Events::EventBus", "Name", stage.event_bus),
             "topic": ("AWS::SNS::Topic", "TopicName", f"{stage.prefix}{name}"),
             "queue": ("AWS::SQS::Queue", "QueueName", f"{stage.prefix}{name}")}
    kind_, prop, physical = kinds[kind]
    return _by(template, kind_, prop).get(physical, (None,))[0]


# --- alarms ---------------------------------------------------------------------------------

def expected_alarms(stage) -> set[str]:
    names = {f"{stage.prefix}{q.name}-dlq-depth" for q in topology.QUEUES}
    names |= {f"{stage.prefix}{m.name}-failed" for m in topology.STATE_MACHINES}
    return names | {f"{stage.prefix}api-5xx", f"{stage.prefix}overdue",
                    f"{stage.prefix}outbox-iterator-age", f"{stage.prefix}outbox-failed",
                    f"{stage.prefix}holidays-next-year-unknown",
                    f"{stage.prefix}partner-callbacks-stuck"}


def check_alarms(template: dict, stage) -> list[str]:
    alarms = _by(template, "AWS::CloudWatch::Alarm", "AlarmName")
    problems = _exact("alarm", alarms, expected_alarms(stage))
    alerts = _by(template, "AWS::SNS::Topic", "TopicName").get(f"{stage.prefix}alerts",
                                                                (None,))[0]
    for name, (_, props) in alarms.items():
        if {"Ref": alerts} not in props.get("AlarmActions", []):
            problems.append(f"{name}: does not notify the alerts topic")
    return problems


ALL_CHECKS = (check_tables, check_queues, check_rules, check_topics, check_state_machines,
              check_alarms)
