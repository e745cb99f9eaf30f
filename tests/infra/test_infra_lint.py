"""cfn-lint on every synthesized template, and cdk-nag (AwsSolutions) with reasons for all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def _lint(template: Path, regions: list[str]) -> list[dict]:
    result = subprocess.run([str(CFN_LINT), "--format", "json", "--regions", *regions, "--",
                             str(template)], capture_output=True, text=True, check=False)
    if result.returncode not in (0, 2, 4, 6, 8, 10, 12, 14):
        pytest.fail(f"cfn-lint did not run: {result.stderr}")
    return json.loads(result.stdout or "[]")


def test_cfn_lint_has_no_errors(synth, stage_name):
    matches = _lint(synth.outdir / f"{stage_name}.template.json", ["us-east-1", "eu-west-1"])
    errors = [f"{m['Rule']['Id']} {m['Location']['Path']}: {m['Message']}"
              for m in matches if m["Level"] == "Error"]
    assert errors == []


def test_cfn_lint_china_has_no_errors(china):
    matches = _lint(china.outdir / "dev.template.json", ["cn-north-1", "cn-northwest-1"])
    errors = [f"{m['Rule']['Id']}: {m['Message']}" for m in matches if m["Level"] == "Error"]
    assert errors == []


def _nag(report: dict) -> dict:
    (nag,) = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    return nag


@pytest.mark.parametrize("which", ["synth", "china"])
def test_cdk_nag_has_no_unacknowledged_errors(request, which):
    report = request.getfixturevalue(which).validation
    assert report is not None, "cdk-nag did not run (no validation-report.json)"
    nag = _nag(report)
    errors = [f"{v['ruleName']} at {[c['constructPath'] for c in v['violatingConstructs']]}"
              for v in nag["violations"] if v["severity"] == "error"]
    assert errors == []
    assert nag["conclusion"] == "success"


def test_every_acknowledgement_has_a_reason(synth):
    suppressed = _nag(synth.validation)["suppressedViolations"]
    assert suppressed, "expected the documented acknowledgements"
    for item in suppressed:
        assert len(item.get("reason", "").strip()) >= 20, item["ruleName"]


def test_acknowledgements_are_all_still_needed(synth):
    """An acknowledgement that no longer matches a finding is stale: remove it from nag.py."""
    from aws_cdk import Validations

    acknowledged = set()
    for stack in synth.stacks.values():
        for construct in stack.node.find_all():
            for entry in construct.node.metadata:
                if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                    for rule_id in dict(entry.data):     # {rule id: reason}
                        acknowledged.add((construct.node.path, rule_id))
    used = {(item["acknowledgedAt"], item["acknowledgedId"])
            for item in _nag(synth.validation)["suppressedViolations"]}
    assert acknowledged, "no acknowledgements found in construct metadata"
    assert acknowledged - used == set()
