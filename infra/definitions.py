"""The code's own definitions, read the way infra needs them.

Tables come from the PynamoDB models (``table_specs()``), queues/rules/topics/state machines
from ``chalicelib.adapters.topology``, state machine definitions from ``statemachines/``.
Nothing is restated here: a new model, index, queue or state machine appears in the stack (and
in the infra tests' expectations) without touching infra.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

from .stages import REPO_ROOT

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# PynamoDB reads table names when chalicelib is imported; the names are re-prefixed per stage
# below, so any prefix works (tests have usually set their own already).
os.environ.setdefault("MINYI_TABLE_PREFIX", "minyi-infra-")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from chalicelib.adapters import asl, topology  # noqa: E402
from chalicelib.adapters.models import table_specs  # noqa: E402
from chalicelib.api.http import GATEWAY_ERRORS, gateway_error_body  # noqa: E402,F401
from chalicelib.config import TABLES  # noqa: E402

STATEMACHINES_DIR = REPO_ROOT / "statemachines"


@dataclass(frozen=True)
class TableDef:
    short: str                                  # "tickets": settings.table("tickets")
    logical: str                                # "Ticket"
    key_schema: tuple[tuple[str, str], ...]     # ((name, HASH), (name, RANGE))
    attributes: dict                            # name -> S | N | B
    gsis: tuple[dict, ...]
    ttl_attribute: str | None
    stream: str | None = None                   # StreamViewType (the timeline: the outbox)

    def physical(self, prefix: str) -> str:
        return f"{prefix}{self.short}"


def tables() -> list[TableDef]:
    """``table_specs()`` with the import-time prefix taken off each name."""
    specs = table_specs()
    prefix = os.path.commonprefix([s["table_name"] for s in specs]) if len(specs) > 1 else ""
    out = []
    for spec in specs:
        short = spec["table_name"][len(prefix):]
        if short not in TABLES:
            # one table, or names sharing more than the prefix: fall back on the known names
            short = max((t for t in TABLES if spec["table_name"].endswith(t)), key=len)
        out.append(TableDef(
            short=short, logical=spec["logical"],
            key_schema=tuple(tuple(k) for k in spec["key_schema"]),
            attributes=dict(spec["attributes"]),
            gsis=tuple(dict(g) for g in spec["gsis"]),
            ttl_attribute=spec["ttl_attribute"],
            stream=spec.get("stream"),
        ))
    return out


def queues():
    return topology.QUEUES


def topics():
    return topology.TOPICS


def state_machines():
    return topology.STATE_MACHINES


def asl_text(name: str) -> str:
    """The ASL file as committed, ``${Key}`` placeholders included."""
    text = (STATEMACHINES_DIR / f"{name}.asl.json").read_text(encoding="utf-8")
    json.loads(text)
    return text


def check_substitutions(machine) -> None:
    """Every placeholder in the file has a substitution and every substitution is used."""
    used = asl.placeholders(machine.name)
    given = set(machine.substitutions)
    if used != given:
        raise ValueError(
            f"state machine {machine.name!r}: placeholders {sorted(used)} but topology "
            f"substitutes {sorted(given)}")


def split_ref(ref: str) -> tuple[str, str]:
    """``"table:tickets"`` -> ("table", "tickets"); ``"bus"`` -> ("bus", "")."""
    kind, _, name = ref.partition(":")
    return kind, name


# --- least privilege from the definition itself ---------------------------------------------

_OPTIMIZED = {  # Step Functions optimized integration -> (IAM action, parameter naming the target)
    ("dynamodb", "getItem"): ("dynamodb:GetItem", "TableName"),
    ("dynamodb", "putItem"): ("dynamodb:PutItem", "TableName"),
    ("dynamodb", "updateItem"): ("dynamodb:UpdateItem", "TableName"),
    ("dynamodb", "deleteItem"): ("dynamodb:DeleteItem", "TableName"),
    ("sns", "publish"): ("sns:Publish", "TopicArn"),
    ("sqs", "sendMessage"): ("sqs:SendMessage", "QueueUrl"),
    ("events", "putEvents"): ("events:PutEvents", "Entries[].EventBusName"),
}


def _states(definition: dict):
    for name, state in definition.get("States", {}).items():
        yield name, state
        for nested in ("Iterator", "ItemProcessor"):
            if nested in state:
                yield from _states(state[nested])
        for branch in state.get("Branches", []):
            yield from _states(branch)


def _targets(parameters: dict, path: str) -> list:
    if "[]." in path:
        outer, inner = path.split("[].", 1)
        return [entry.get(inner) for entry in parameters.get(outer, [])]
    return [parameters.get(path)]


_SDK = {  # AWS SDK integration -> [(IAM action, parameter naming the target)]
    ("dynamodb", "query"): [("dynamodb:Query", "TableName")],
    # a transaction needs the per-item actions on each table it writes
    ("dynamodb", "transactWriteItems"): [
        ("dynamodb:UpdateItem", "TransactItems[].Update.TableName"),
        ("dynamodb:PutItem", "TransactItems[].Put.TableName")],
}


def _sdk_targets(parameters: dict, path: str) -> list:
    if path.startswith("TransactItems[]."):
        _, kind, field = path.split(".")
        return [item[kind][field] for item in parameters.get("TransactItems", []) if kind in item]
    return [parameters.get(path)]


def task_permissions(name: str, substitutions: dict) -> list[tuple[str, str, str]]:
    """(IAM action, placeholder key, resource suffix) for every Task in
    ``statemachines/{name}.asl.json``; the suffix is ``/index/<IndexName>`` for an index query,
    else empty.

    Each Task must name its target through a ``${Key}`` placeholder that topology maps to a
    resource, so the role can be scoped to exactly that resource. An integration not listed in
    ``_OPTIMIZED`` or a target that is not a placeholder stops the synth: the role would
    otherwise silently miss (or over-grant) a permission.
    """
    definition = json.loads(asl_text(name))
    found: set[tuple[str, str, str]] = set()
    for state_name, state in _states(definition):
        if state.get("Type") != "Task":
            continue
        resource = state["Resource"]
        prefix = "arn:aws:states:::"
        if not resource.startswith(prefix):
            raise ValueError(f"{name}.{state_name}: unsupported Task resource {resource!r}")
        service, _, action = resource[len(prefix):].partition(":")
        action = action.split(".")[0]   # .sync / .waitForTaskToken
        params = state.get("Parameters", {})
        if service == "aws-sdk":
            sdk = tuple(action.split(":", 1))
            if sdk not in _SDK:
                raise ValueError(f"{name}.{state_name}: add aws-sdk:{action} to infra's "
                                 "task_permissions before using it in a state machine")
            index = params.get("IndexName")
            suffix = f"/index/{index}" if index else ""
            for iam_action, param in _SDK[sdk]:
                for target in _sdk_targets(params, param):
                    key = _placeholder(target)
                    if key is None or key not in substitutions:
                        raise ValueError(f"{name}.{state_name}: {param} must be a ${{Key}} "
                                         f"placeholder substituted by topology, got {target!r}")
                    found.add((iam_action, key, suffix))
            continue
        if (service, action) not in _OPTIMIZED:
            raise ValueError(f"{name}.{state_name}: add {service}:{action} to infra's "
                             "task_permissions before using it in a state machine")
        iam_action, param = _OPTIMIZED[(service, action)]
        for target in _targets(params, param):
            key = _placeholder(target)
            if key is None or key not in substitutions:
                raise ValueError(f"{name}.{state_name}: {param} must be a ${{Key}} placeholder "
                                 f"substituted by topology, got {target!r}")
            found.add((iam_action, key, ""))
    return sorted(found)


def _placeholder(value) -> str | None:
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return None
