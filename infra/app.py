"""minyi's CDK app: ``python infra/app.py`` (or ``cdk synth`` from infra/) writes infra/cdk.out.

Context (``-c key=value`` with the cdk CLI, ``--context key=value`` here):
  stage       dev | prod | all (default all)
  account     AWS account id (default: the CLI's, or unresolved ${AWS::AccountId})
  region      AWS region (default: the CLI's, or unresolved ${AWS::Region}); cn-* = AWS China
  alert_email subscribe this address to the alerts topic
  any StageConfig field (e.g. sms_mode, throttle_rate) overrides infra/stages.py
No AWS credentials are needed to synthesize.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

# the machine's Node 20 works; jsii's end-of-life banner would bury the real output
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
INFRA_DIR = Path(__file__).resolve().parent
if str(INFRA_DIR.parent) not in sys.path:
    sys.path.insert(0, str(INFRA_DIR.parent))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra import definitions  # noqa: E402,F401  (sets up chalicelib's environment first)
from infra.chalice_package import clean_build_dir  # noqa: E402
from infra.stack import MinyiStack  # noqa: E402
from infra.stages import STAGES, StageConfig, stage_for  # noqa: E402

DEFAULT_OUTDIR = INFRA_DIR / "cdk.out"
# Feature flags live here rather than in cdk.json so `python infra/app.py`, the tests and
# `cdk deploy` build the same template.
FEATURE_FLAGS = {
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
    "@aws-cdk/aws-s3:createDefaultLoggingPolicy": True,
}


def _context(app: cdk.App, key: str):
    value = app.node.try_get_context(key)
    return None if value in (None, "") else value


def build_app(outdir: str | os.PathLike | None = None, context: dict | None = None,
              nag: bool = True) -> tuple[cdk.App, dict[str, MinyiStack]]:
    """The app with one stack per selected stage (not yet synthesized)."""
    outdir = Path(outdir or os.environ.get("CDK_OUTDIR") or DEFAULT_OUTDIR)
    app = cdk.App(outdir=str(outdir), context={**FEATURE_FLAGS, **(context or {})})
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")   # `chalice package` wants one
    selected = _context(app, "stage") or "all"
    names = list(STAGES) if selected == "all" else [selected]
    account = _context(app, "account") or os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = _context(app, "region") or os.environ.get("CDK_DEFAULT_REGION")
    env = cdk.Environment(account=account, region=region) if (account or region) else None
    overrides = {key: _context(app, key) for key in StageConfig.__dataclass_fields__}
    build_dir = outdir.parent
    clean_build_dir(build_dir)
    stacks = {}
    for name in names:
        stacks[name] = MinyiStack(app, stage_for(name, overrides), build_dir=build_dir,
                                  alert_email=_context(app, "alert_email"), env=env)
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stacks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--context", "-c", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--outdir", default=None)
    args = parser.parse_args(argv)
    context = dict(item.split("=", 1) for item in args.context)
    started = time.monotonic()
    if args.outdir is None and not os.environ.get("CDK_OUTDIR"):
        shutil.rmtree(DEFAULT_OUTDIR, ignore_errors=True)   # stale 40 MB code assets
    app, stacks = build_app(args.outdir, context)
    assembly = app.synth()
    clean_build_dir(Path(assembly.directory).parent)
    print(f"synthesized {', '.join(s.stack_name for s in stacks.values())} into "
          f"{assembly.directory} in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
