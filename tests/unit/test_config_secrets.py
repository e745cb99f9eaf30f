"""Issue 11, fix 3: no secret falls back to a public constant outside the local stage; a deployed
stage without its secrets refuses to start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest

from chalicelib import config
from chalicelib.domain.errors import Unauthorized
from chalicelib.services import auth
from chalicelib.wiring import container

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"MINYI_TOKEN_SECRET": "s" * 48,
           "MINYI_SMS_WEBHOOK_SECRETS": json.dumps({"tencent": "t" * 40}),
           "MINYI_STAFF_JWKS_URL": "https://cognito-idp.example/pool/.well-known/jwks.json",
           "MINYI_WECHAT_APPID": "wx123", "MINYI_WECHAT_SECRET": "w" * 32}


@pytest.fixture
def prod(monkeypatch):
    monkeypatch.setenv("MINYI_STAGE", "prod")
    monkeypatch.setenv("MINYI_WECHAT_MODE", "code2session")
    for name in (*SECRETS, "MINYI_STAFF_TOKEN_SECRET", "AWS_LAMBDA_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    monkeypatch.undo()
    config.reload()


def forged_citizen_token() -> str:
    now = int(time.time())
    return jwt.encode({"sub": "wx:forged", "aud": auth.CITIZEN_AUDIENCE, "iat": now,
                       "exp": now + 600}, config.LOCAL_CITIZEN_SECRET, algorithm="HS256")


@pytest.mark.parametrize("unset", sorted(SECRETS))
def test_prod_without_a_secret_refuses(prod, unset):
    for name, value in SECRETS.items():
        if name != unset:
            prod.setenv(name, value)
    settings = config.reload()
    assert any(unset in m for m in settings.missing_secrets())
    with pytest.raises(config.ConfigError, match=unset):
        _ = container.settings        # every request and job goes through here
    with pytest.raises(config.ConfigError):
        auth.verify_citizen_token(forged_citizen_token())


def test_prod_refuses_the_public_constants_themselves(prod):
    prod.setenv("MINYI_TOKEN_SECRET", config.LOCAL_CITIZEN_SECRET)
    prod.setenv("MINYI_SMS_WEBHOOK_SECRETS", json.dumps(config.LOCAL_SMS_WEBHOOK_SECRETS))
    missing = " ".join(config.reload().missing_secrets())
    assert "MINYI_TOKEN_SECRET" in missing and "MINYI_SMS_WEBHOOK_SECRETS" in missing


def test_prod_with_its_secrets_starts_and_refuses_a_forged_token(prod):
    for name, value in SECRETS.items():
        prod.setenv(name, value)
    settings = config.reload()
    assert settings.missing_secrets() == [] and container.settings is settings
    assert settings.staff_token_secret == ""          # the dev HS256 issuer is local only
    with pytest.raises(Unauthorized):
        auth.verify_citizen_token(forged_citizen_token())


def test_a_lambda_cold_start_without_secrets_fails():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    env.update({"MINYI_STAGE": "prod", "AWS_LAMBDA_FUNCTION_NAME": "minyi-prod-APIHandler",
                "PYTHONPATH": str(ROOT)})
    failed = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=False)
    assert failed.returncode != 0 and "MINYI_TOKEN_SECRET" in failed.stderr
    env.update(SECRETS)
    started = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=False)
    assert started.returncode == 0, started.stderr[-2000:]


def test_local_stage_keeps_its_fallbacks(monkeypatch):
    monkeypatch.setenv("MINYI_STAGE", "local")
    monkeypatch.delenv("MINYI_TOKEN_SECRET", raising=False)
    monkeypatch.delenv("MINYI_STAFF_TOKEN_SECRET", raising=False)
    try:
        settings = config.reload()
        assert settings.token_secret == config.LOCAL_CITIZEN_SECRET
        assert settings.staff_token_secret == config.LOCAL_STAFF_SECRET
        assert settings.missing_secrets() == []
    finally:
        monkeypatch.undo()
        config.reload()
