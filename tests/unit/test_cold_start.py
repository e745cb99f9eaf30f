"""A cold start imports what every function needs, not what only some routes or jobs use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# imported on first use only (bench/coldstart.py measures the difference)
DEFERRED = ("jieba", "jwt", "cryptography", "phonenumbers", "chinese_calendar",
            "aws_lambda_powertools.utilities.idempotency", "chalicelib.domain.classify",
            "chalicelib.services.staff", "chalicelib.services.intake",
            "chalicelib.services.survey", "chalicelib.services.dispatch",
            "chalicelib.adapters.voice", "pydantic", "chalicelib.api.models",
            "openpyxl", "segno", "xlsxwriter", "chalicelib.services.hotspots",
            "chalicelib.services.measures", "chalicelib.adapters.voice_tencent",
            "chalicelib.domain.messages", "chalicelib.adapters.measure_counters")


def test_importing_the_app_defers_what_only_some_requests_need():
    code = ("import sys, json, app; "
            f"print(json.dumps([m for m in {list(DEFERRED)!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True,
                         env={"PATH": "", "AWS_DEFAULT_REGION": "us-east-1",
                              "MINYI_STAGE": "dev"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_a_lazy_module_loads_on_first_use_and_forwards_patches():
    from chalicelib.lazy import lazy

    mod = lazy("chalicelib.domain.paging")
    assert "not loaded" in repr(mod)
    import chalicelib.domain.paging as real

    original = real.page_size
    try:
        mod.page_size = lambda *_: 7
        assert real.page_size(None) == 7
    finally:
        real.page_size = original
    assert "loaded" in repr(mod) and mod.page_size is original


def test_the_cold_start_bench_starts_the_app_as_a_deployed_function_would():
    """bench/coldstart.py imports the app with a deployed function's environment, secrets
    included (a deployed stage refuses to start without them): the import must succeed."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("coldstart", REPO / "bench" / "coldstart.py")
    coldstart = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(coldstart)
    assert coldstart.LAMBDA_ENV["MINYI_STAGE"] != "local"
    out = subprocess.run([sys.executable, "-c", "import app"], cwd=REPO, capture_output=True,
                         text=True, check=False, env={**coldstart.LAMBDA_ENV, "PATH": ""})
    assert out.returncode == 0, out.stderr[-1500:]
