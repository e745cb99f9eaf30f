"""The Lambda bundle ships only what runs, and what runs works from it."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from scripts import bundle


def run_in_lambda_python(b, code: str, env: dict | None = None) -> dict:
    """``code`` in a fresh interpreter that sees the standard library, the unzipped bundle and
    the runtime's boto3, nothing else (no site-packages); it prints one JSON line."""
    prelude = f"import sys; sys.path[:0] = [{str(b.root)!r}, {str(b.runtime)!r}]\n"
    base_env = {"PATH": os.environ.get("PATH", ""), "AWS_DEFAULT_REGION": "us-east-1",
                "PYTHONDONTWRITEBYTECODE": "1", "TZ": "UTC"}
    result = subprocess.run([sys.executable, "-S", "-E", "-c", prelude + code],
                            env={**base_env, **(env or {})}, capture_output=True, text=True,
                            timeout=120, check=False, cwd=b.root)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_default_bundle_is_under_the_limit(dev_bundle):
    config = bundle.load_config()
    size = dev_bundle.zip.stat().st_size
    assert size <= config.max_mb * bundle.MB, f"{size / bundle.MB:.1f} MB > {config.max_mb} MB"


def test_the_bundle_leaves_out_what_the_runtime_has_and_what_never_runs(dev_bundle):
    names = dev_bundle.names()
    tops = {n.split("/", 1)[0] for n in names}
    for provided in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3"):
        assert provided not in tops
    assert not any(n.startswith(("jieba/lac_small/", "jieba/posseg/", "jieba/analyse/",
                                 "phonenumbers/geodata/")) for n in names)
    assert "jieba/dict.txt" in names and "cryptography/__init__.py" in names


def test_every_module_is_precompiled(dev_bundle):
    names = set(dev_bundle.names())
    sources = [n for n in names if n.endswith(".py")]
    missing = []
    for source in sources:
        folder, _, file = source.rpartition("/")
        pyc = (folder + "/" if folder else "") + f"__pycache__/{file[:-3]}.cpython-311.pyc"
        if pyc not in names:
            missing.append(source)
    assert sources and not missing, missing[:10]
    with zipfile.ZipFile(dev_bundle.zip) as z:
        flags = int.from_bytes(z.read("chalicelib/__pycache__/config.cpython-311.pyc")[4:8],
                               "little")
    assert flags == 0b01, "hash-based, unchecked: /var/task's file times are not the build's"


class _Jwks(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def jwks_server():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    handler = type("Jwks", (_Jwks,), {"body": json.dumps({"keys": [
        {**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield key, f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def test_a_cognito_rs256_token_is_verified_by_the_packaged_code(dev_bundle, jwks_server):
    key, url = jwks_server
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test"
    now = int(time.time())
    token = jwt.encode({"sub": "a1b2", "username": "disp_liumin", "iss": issuer,
                        "cognito:groups": ["dispatcher"], "custom:unit": "u-center",
                        "token_use": "id", "iat": now, "exp": now + 600},
                       key, algorithm="RS256", headers={"kid": "k1"})
    out = run_in_lambda_python(dev_bundle, f"""
import json
import botocore, cryptography, jwt
from chalicelib.services.staff_auth import verify_staff_token
user = verify_staff_token({token!r})
print(json.dumps({{"user": user.user, "unit": user.unit_id, "roles": sorted(user.roles),
                  "jwt": jwt.__file__, "cryptography": cryptography.__file__,
                  "botocore": botocore.__file__}}))
""", env={"MINYI_STAGE": "dev", "MINYI_STAFF_JWKS_URL": url, "MINYI_STAFF_ISSUER": issuer,
         # what a deployed stage has (config.check_secrets refuses to start without them)
         "MINYI_TOKEN_SECRET": "s" * 40, "MINYI_SMS_WEBHOOK_SECRETS": "{}"})
    assert (out["user"], out["unit"], out["roles"]) == ("disp_liumin", "u-center", ["dispatcher"])
    assert Path(out["jwt"]).is_relative_to(dev_bundle.root)
    assert Path(out["cryptography"]).is_relative_to(dev_bundle.root)
    assert Path(out["botocore"]).is_relative_to(dev_bundle.runtime)


def test_the_app_imports_from_the_bundle(dev_bundle):
    out = run_in_lambda_python(dev_bundle, """
import json, app
print(json.dumps({"routes": len(app.app.routes)}))
""")
    assert out["routes"] > 10
