"""Cold start: ``import app`` against ``import boto3``, from the packaged Lambda bundle.

Each sample is a fresh interpreter (``python -S -E``: the standard library, the unzipped bundle
first and the runtime's boto3 after it, nothing else: what a Lambda function sees; for the
``import boto3`` baseline, the runtime's boto3 alone) that times one import with
``time.perf_counter``. The two imports alternate, ``--runs`` times each; the
figure is the ratio of the medians. ``import app`` includes boto3/botocore (PynamoDB and
Powertools import them), so 1.0 would mean the app adds nothing to what any boto3 function pays.

    .venv/bin/python bench/coldstart.py                       # builds the dev bundle first
    .venv/bin/python bench/coldstart.py --zip path/to/deployment.zip --runs 15
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts import bundle  # noqa: E402

# what the deployed functions get from .chalice/config.json (stage dev) and the Lambda service
LAMBDA_ENV = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
              "AWS_LAMBDA_FUNCTION_NAME": "minyi-dev", "LAMBDA_TASK_ROOT": "/var/task",
              "POWERTOOLS_SERVICE_NAME": "minyi", "POWERTOOLS_METRICS_NAMESPACE": "Minyi",
              "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled", "MINYI_STAGE": "dev",
              "MINYI_WECHAT_MODE": "code2session", "MINYI_SMS_MODE": "sns",
              "PYTHONDONTWRITEBYTECODE": "1", "TZ": "UTC",
              # a deployed stage refuses to start without its secrets (config.check_secrets);
              # placeholders here: importing the app calls nothing outside
              "MINYI_TOKEN_SECRET": "coldstart-bench-placeholder-secret-0123456789",
              "MINYI_SMS_WEBHOOK_SECRETS": "{}",
              "MINYI_STAFF_JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/"
                                      "us-east-1_Example/.well-known/jwks.json",
              "MINYI_WECHAT_APPID": "wx0000000000000000", "MINYI_WECHAT_SECRET": "placeholder"}


def time_import(module: str, root: Path, runtime: Path) -> float:
    """``import boto3`` sees the runtime only (what any boto3 function pays); ``import app``
    sees the bundle first, as in Lambda (a bundled botocore would shadow the runtime's)."""
    path = [str(runtime)] if module == "boto3" else [str(root), str(runtime)]
    code = (f"import sys, time; sys.path[:0] = {path!r}\n"
            f"t = time.perf_counter(); import {module}; print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-S", "-E", "-c", code], cwd=root, env=LAMBDA_ENV,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return float(out.stdout.strip().splitlines()[-1])


def measure(zip_path: Path, runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        root = Path(tmp) / "task"
        with zipfile.ZipFile(zip_path) as z:
            z.extractall(root)
        runtime = bundle.runtime_site(Path(tmp) / "runtime")
        time_import("app", root, runtime)           # warm the page cache once, not counted
        samples: dict[str, list[float]] = {"boto3": [], "app": []}
        for _ in range(runs):
            for module in samples:
                samples[module].append(time_import(module, root, runtime))
    medians = {m: statistics.median(v) for m, v in samples.items()}
    return {"zip": str(zip_path), "zip_mb": round(zip_path.stat().st_size / bundle.MB, 1),
            "runs": runs, "median_ms": {m: round(v * 1000, 1) for m, v in medians.items()},
            "ratio": round(medians["app"] / medians["boto3"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--zip", type=Path, help="a chalice deployment.zip (default: build dev)")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    if args.zip is None:
        with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
            report = bundle.build("dev", Path(tmp) / "out")
            result = measure(Path(report["zip"]), args.runs)
    else:
        result = measure(args.zip, args.runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
