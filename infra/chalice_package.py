"""``chalice.cdk.Chalice``, packaging in a child process, trimming the bundle and repairing the
SAM template it includes."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from chalice.cdk import Chalice

from scripts import bundle

from . import caching

_PACKAGE = """
import json, sys
from chalice.api import package_app
package_app(**json.loads(sys.stdin.read()))
"""


@contextlib.contextmanager
def cwd(path: Path):
    """chalice.cdk writes its package under ``./chalice.out``: keep it beside cdk.out."""
    previous = os.getcwd()
    path.mkdir(parents=True, exist_ok=True)
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def clean_build_dir(build_dir: Path) -> None:
    shutil.rmtree(build_dir / "chalice.out", ignore_errors=True)


class ChaliceApp(Chalice):
    """chalice.cdk.Chalice, packaging in a child process and repairing the SAM template.

    - the Chalice stage is ``stage``, not the scope's path (chalice.cdk's default, which is the
      stack's id only when the construct is the stack's direct child).
    - ``chalice package`` imports app.py, and chalicelib names queues from the environment at
      import (``jobs/lifecycle.py``: ``queue_name(settings.table_prefix, ...)``); it also writes the
      stage's variables into ``os.environ``. In-process, the second stage would reuse the first
      stage's import and every caller (pytest) would inherit the first stage's variables. A
      child process per stage gets a fresh import under exactly that stage's variables.
    - chalice 1.34 names the API handler's log group after ``${ApiHandler}`` while the function
      is ``APIHandler`` (only when ``log_retention_in_days`` is set): each Fn::Sub is pointed
      at the resource it means.
    - ``event_sources``: {function: [(SQS|SNS, physical name)]}, for the stack's checks.
    - the package is trimmed to what runs (``scripts/bundle.py``): no boto3/botocore (the
      runtime's), only the optional SDK groups this deployment uses, precompiled bytecode.
    """

    def __init__(self, scope, construct_id, *, stage: str,
                 bundle_groups: tuple[str, ...] = (), **kwargs):
        self.bundle_groups = bundle_groups
        self._stage = stage
        super().__init__(scope, construct_id, **kwargs)
        self.stage_name = stage

    def _package_app(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
        env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        args = {"project_dir": self.source_dir, "output_dir": self._sam_package_dir,
                "stage": self._stage, "chalice_config": self.stage_config}
        result = subprocess.run([sys.executable, "-c", _PACKAGE], input=json.dumps(args),
                                env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
        bundle.trim(Path(self._sam_package_dir) / "deployment.zip", self._stage,
                    extra_groups=self.bundle_groups)

    def _generate_sam_template_with_assets(self, chalice_out_dir, package_id):
        path = super()._generate_sam_template_with_assets(chalice_out_dir, package_id)
        template = json.loads(Path(path).read_text(encoding="utf-8"))
        resources = template["Resources"]
        for resource in resources.values():
            if resource["Type"] == "AWS::Serverless::Api":
                caching.add_cache_keys(resource["Properties"]["DefinitionBody"],
                                       caching.cached_gets())
        by_lower = {name.lower(): name for name in resources}
        self.event_sources: dict[str, list[tuple[str, str]]] = {}
        self.timeouts: dict[str, int] = {}
        self.stream_events: dict[str, list[str]] = {}
        for logical, resource in resources.items():
            if resource["Type"] == "AWS::Logs::LogGroup":
                name = resource["Properties"].get("LogGroupName")
                if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
                    name["Fn::Sub"] = re.sub(
                        r"\$\{([A-Za-z0-9]+)\}",
                        lambda m: "${%s}" % (m.group(1) if m.group(1) in resources else
                                             by_lower.get(m.group(1).lower(), m.group(1))),
                        name["Fn::Sub"])
            if resource["Type"] == "AWS::Serverless::Function":
                self.timeouts[logical] = resource["Properties"].get("Timeout", 3)
                for event_name, event in resource["Properties"].get("Events", {}).items():
                    kind = event.get("Type")
                    if kind == "DynamoDB":
                        self.stream_events.setdefault(logical, []).append(event_name)
                        continue
                    ref = event.get("Properties", {}).get({"SQS": "Queue", "SNS": "Topic"}.get(
                        kind, ""))
                    if ref is not None:
                        arn = ref.get("Fn::Sub", ref) if isinstance(ref, dict) else ref
                        if not isinstance(arn, str):
                            raise ValueError(f"{logical}: unexpected {kind} source {ref!r}")
                        self.event_sources.setdefault(logical, []).append(
                            (kind, arn.rsplit(":", 1)[-1]))
        Path(path).write_text(json.dumps(template, indent=2), encoding="utf-8")
        return path
