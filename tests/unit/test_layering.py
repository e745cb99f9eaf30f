"""The structure rules, kept true: no module in chalicelib/ over 400 lines; services reach I/O
only through adapters handed out by the composition root (chalicelib/wiring.py), never boto3,
pynamodb or the table models themselves."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "chalicelib"
MAX_LINES = 400
FORBIDDEN_IN_SERVICES = ("boto3", "botocore", "pynamodb", "chalicelib.adapters.models") + tuple(
    # repositories and stores come from the composition root (so tests/services can fake them)
    f"chalicelib.adapters.{name}" for name in (
        "markers", "duplicates_repo", "sms_records", "counters", "calendar_repo",
        "classifier_store", "registry_repo", "settings_repo", "supervision_repo", "survey_repo",
        "reference_repo", "public_repo", "campaigns_repo"))


def _modules(under: Path):
    return sorted(p for p in under.rglob("*.py"))


def _imports(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(root.parent).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def test_no_module_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules(ROOT)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_services_import_no_aws_sdk_nor_table_model():
    found = {}
    for path in _modules(ROOT / "services"):
        bad = sorted(m for m in _imports(path)
                     if any(m == f or m.startswith(f + ".") for f in FORBIDDEN_IN_SERVICES))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    assert found == {}


def test_the_composition_root_lives_outside_services():
    assert not (ROOT / "services" / "container.py").exists()
    assert "chalicelib.wiring" in _imports(ROOT / "services" / "changes.py")


def test_the_rule_sees_a_forbidden_import(tmp_path):
    """The import scan itself: relative and absolute forms are both caught."""
    fake = tmp_path / "chalicelib" / "services" / "probe.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("from ..adapters.models import TicketModel\nimport boto3\n")
    imports = _imports(fake, tmp_path / "chalicelib")
    assert "chalicelib.adapters.models" in imports and "boto3" in imports


# what a PynamoDB model does with its table: a service asks a repository instead
PERSISTENCE = {"save", "refresh", "delete", "query", "scan", "batch_get", "batch_write",
               "create_table", "delete_table", "update_item", "get_item", "put_item"}


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _table_calls(source: str) -> list[str]:
    """Calls of a table operation on anything but a repository of the composition root
    (``container.tickets.save(...)``), and any call of a class imported from an adapter
    (``Ticket.get(...)``, ``TimelineEntry.count(...)``)."""
    tree = ast.parse(source)
    from_adapters = {alias.asname or alias.name for node in ast.walk(tree)
                     if isinstance(node, ast.ImportFrom) and "adapters" in (node.module or "")
                     for alias in node.names if alias.name[:1].isupper()}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        receiver = node.func.value
        if node.func.attr in PERSISTENCE and _root_name(receiver) != "container":
            found.append(f"{ast.unparse(node.func)} (line {node.lineno})")
        elif isinstance(receiver, ast.Name) and receiver.id in from_adapters \
                and receiver.id[:1].isupper() and not node.func.attr[:1].isupper():
            found.append(f"{ast.unparse(node.func)} (line {node.lineno})")
    return found


def test_services_call_no_table_operation():
    found = {str(p.relative_to(ROOT)): calls for p in _modules(ROOT / "services")
             if (calls := _table_calls(p.read_text(encoding="utf-8")))}
    assert found == {}


def test_the_rule_sees_a_table_call():
    probe = ("from ..adapters.tickets_repo import Ticket\n"
             "def f(t):\n    Ticket.get('x')\n    t.save()\n    container.tickets.save(t)\n")
    assert _table_calls(probe) == ["Ticket.get (line 3)", "t.save (line 4)"]


def _role_reads(source: str) -> list[int]:
    return [node.lineno for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Attribute) and node.attr == "roles"]


def test_role_checks_live_in_domain_workflow():
    """Services ask domain/workflow who may do what; none reads a user's roles itself (the
    staff identity's own module excepted)."""
    found = {str(p.relative_to(ROOT)): lines for p in _modules(ROOT / "services")
             if p.name != "staff_auth.py"
             and (lines := _role_reads(p.read_text(encoding="utf-8")))}
    assert found == {}
    assert _role_reads("def f(u):\n    return 'leader' in u.roles\n") == [2]
