"""infra/ is constructs composed by a short stack: sizes, no import circle, and logical ids that
the split into constructs did not change."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from infra import base
from infra.base import Layer

INFRA = Path(__file__).resolve().parents[2] / "infra"
MODULES = sorted(p.stem for p in INFRA.glob("*.py") if p.stem != "__init__")

# Logical ids of the stateful resources as they were when the stack was one class (main before
# issue 10, point 5): CloudFormation replaces a resource whose logical id changes, and these are
# retained (a second table or pool beside the first, and a failed deploy on their fixed names).
RETAINED_BEFORE_THE_SPLIT = {
    "TicketTable25B0D70D", "TicketEventTableB2C5A392", "UnitTableFA8005CD",
    "EphemeralTable0CB11FF7", "Attachments87B238D3", "AccessLogs8B620ECA",
    "StaffPool2454FE40", "DataKey17AFBB84", "SweepLogsD6C54147", "ApiAccessLogsE9DF007D",
    "ApiGatewayAccount",
}


def _lines(module: str) -> int:
    return len((INFRA / f"{module}.py").read_text(encoding="utf-8").splitlines())


def test_the_stack_module_is_under_100_lines():
    assert _lines("stack") < 100


def test_no_infra_module_is_over_400_lines():
    assert {m: _lines(m) for m in MODULES if _lines(m) > 400} == {}


def _infra_imports(module: str) -> set[str]:
    """The infra modules ``module`` imports, at run time or for type checking alike."""
    tree = ast.parse((INFRA / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            package = node.module or ""
            if node.level == 1 or package == "infra" or package.startswith("infra."):
                package = package.removeprefix("infra").lstrip(".")
                if package:
                    found.add(package.split(".")[0])
                else:                       # from . import a, b / from infra import a
                    found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("infra.")}
    return found & set(MODULES)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for child in sorted(graph[node]):
            if state.get(child) == "open":
                cycles.append(path[path.index(child):] + [child])
            elif child not in state:
                visit(child, path + [child])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_the_import_graph_of_infra_has_no_cycle():
    graph = {m: _infra_imports(m) for m in MODULES}
    assert _cycles(graph) == []
    assert graph["stack"] >= {"data", "messaging", "identity", "api", "monitoring", "nag"}
    assert "stack" not in graph["monitoring"] | graph["nag"]
    # the cycle finder finds cycles: the old stack <-> monitoring/nag shape
    assert _cycles({"stack": {"monitoring", "nag"}, "monitoring": {"stack"}, "nag": set()}) == [
        ["monitoring", "stack", "monitoring"]]


def test_every_infra_module_imports_on_its_own():
    """Each module imported first, in a fresh import of infra (a circle fails here as an
    ImportError on a partly initialized module)."""
    script = f"""
import importlib, json, sys
sys.path.insert(0, {str(INFRA.parent)!r})
failed = {{}}
for module in {MODULES!r}:
    for name in [n for n in sys.modules if n == "infra" or n.startswith("infra.")]:
        del sys.modules[name]
    try:
        importlib.import_module("infra." + module)
    except Exception as exc:
        failed[module] = repr(exc)
print(json.dumps(failed))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False, cwd=INFRA.parent, timeout=600)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}


def _elements(stack):
    from aws_cdk import CfnElement, Stack

    for construct in stack.node.find_all():
        if CfnElement.is_cfn_element(construct) and Stack.of(construct) is stack:
            yield construct


def test_the_stack_is_made_of_layers(synth, stage_name):
    stack = synth.stacks[stage_name]
    layers = {c.node.id for c in stack.node.children if isinstance(c, Layer)}
    assert layers == {"Data", "Messaging", "Identity", "Api", "Monitoring"}
    inside = [e for e in _elements(stack)
              if any(isinstance(s, Layer) for s in e.node.scopes)]
    assert len(inside) > 50      # every resource but the outputs and CDK's bootstrap checks


def test_layers_do_not_change_logical_ids(synth, stage_name):
    """A resource inside a layer has the logical id it would have as the stack's own child."""
    stack = synth.stacks[stage_name]
    template = synth.templates[stage_name]
    assert RETAINED_BEFORE_THE_SPLIT <= set(template["Resources"])
    checked = 0
    for element in _elements(stack):
        scopes = element.node.scopes
        below = scopes[[s.node.path for s in scopes].index(stack.node.path) + 1:]
        if "ChaliceApp" in [s.node.id for s in below]:
            continue                 # the SAM template's own ids (CfnInclude keeps them)
        flat = [s.node.id for s in below if not isinstance(s, Layer)]
        assert stack.get_logical_id(element) == base.unique_id(flat), element.node.path
        checked += 1
    assert checked > 50


def test_unique_id_is_cdks_own(synth, stage_name):
    """``base.unique_id`` is CDK's ``makeUniqueId``: for every element of the stack, on its full
    path (layers included), it gives what CDK's own Stack.allocateLogicalId gives."""
    from aws_cdk import Stack

    stack = synth.stacks[stage_name]
    compared = 0
    for element in _elements(stack):
        scopes = element.node.scopes
        below = scopes[[s.node.path for s in scopes].index(stack.node.path) + 1:]
        cdk_own = Stack._allocate_logical_id(stack, element)    # the JS implementation
        assert base.unique_id([s.node.id for s in below]) == cdk_own, element.node.path
        compared += 1
    assert compared > 50
