"""Synthesize the CDK app once per session (every stage), the way `make synth` does."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


class Synth:
    def __init__(self, outdir: Path, stacks: dict):
        self.outdir = outdir
        self.stacks = stacks                      # stage name -> MinyiStack
        self.templates = {name: json.loads((outdir / f"{name}.template.json").read_text())
                          for name in stacks}
        report = outdir / "validation-report.json"
        self.validation = json.loads(report.read_text()) if report.exists() else None

    def stage(self, name: str):
        return self.stacks[name].stage


def _synth(outdir: Path, context: dict) -> Synth:
    from infra.app import build_app

    before = dict(os.environ)
    app, stacks = build_app(outdir, context)
    app.synth()
    # synthesizing must not leak a stage's variables into this process
    assert {k: v for k, v in os.environ.items() if k.startswith("MINYI_")} == \
        {k: v for k, v in before.items() if k.startswith("MINYI_")}
    return Synth(outdir, stacks)


@pytest.fixture(scope="session")
def synth(tmp_path_factory) -> Synth:
    """All stages, env-agnostic (no account, no region): exactly `make synth`."""
    return _synth(tmp_path_factory.mktemp("infra") / "cdk.out", {})


@pytest.fixture
def template(synth, stage_name) -> dict:
    """One stage's synthesized template."""
    return synth.templates[stage_name]


@pytest.fixture(scope="session")
def china(tmp_path_factory) -> Synth:
    """dev in an AWS China region: a non-SNS SMS adapter and an external staff issuer."""
    from infra_checks import CHINA_CONTEXT

    return _synth(tmp_path_factory.mktemp("infra-cn") / "cdk.out", CHINA_CONTEXT)


@pytest.fixture(scope="session")
def voice(tmp_path_factory) -> Synth:
    """dev with survey calls through an Amazon Connect instance."""
    return _synth(tmp_path_factory.mktemp("infra-voice") / "cdk.out", VOICE_CONTEXT)


VOICE_CONTEXT = {"stage": "dev", "connect_instance_id": "5c1f2a3b-0000-4000-8000-000000000001",
                 "connect_contact_flow_id": "9d8e7f6a-0000-4000-8000-000000000002",
                 "connect_source_phone": "+8657112345000"}


def pytest_generate_tests(metafunc):
    if "stage_name" in metafunc.fixturenames:
        from infra.stages import STAGES
        metafunc.parametrize("stage_name", list(STAGES))
