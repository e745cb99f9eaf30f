"""Staff identity from any OIDC issuer: RS256 tokens shaped like Keycloak's, verified against a
JWKS served by a local HTTP server; the role/unit/user claims are configuration."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib import config
from chalicelib.domain.errors import Unauthorized
from chalicelib.services import staff_auth
from chalicelib.wiring import container

ISSUER = "https://idp.example.gov.cn/realms/minyi"
CLIENT = "minyi-staff-app"


@pytest.fixture(scope="module")
def keys():
    return {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)
            for kid in ("k1", "other")}


@pytest.fixture
def jwks(keys):
    """The issuer's JWKS endpoint (only k1 is published)."""
    public = jwt.algorithms.RSAAlgorithm.to_jwk(keys["k1"].public_key(), as_dict=True)
    body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):   # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/realms/minyi/protocol/openid-connect/certs"
    server.shutdown()
    server.server_close()


def _configure(monkeypatch, jwks_url, **claims):
    env = {"MINYI_STAFF_ISSUER": ISSUER, "MINYI_STAFF_JWKS_URL": jwks_url,
           "MINYI_STAFF_AUDIENCE": CLIENT, **claims}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config.reload()
    container.reset()


@pytest.fixture(autouse=True)
def _restore():
    yield
    config.reload()
    container.reset()


KEYCLOAK = {"MINYI_OIDC_ROLES_CLAIM": "realm_access.roles", "MINYI_OIDC_UNIT_CLAIM": "unit",
            "MINYI_OIDC_USER_CLAIM": "preferred_username"}


def keycloak_token(keys, kid="k1", **over) -> str:
    now = int(time.time())
    claims = {"exp": now + 300, "iat": now, "jti": "6c1f", "iss": ISSUER, "aud": "account",
              "sub": "f3b1c0de-7a2e-4a55-9c11-2f1e5d7a0b01", "typ": "Bearer", "azp": CLIENT,
              "session_state": "a1", "acr": "1", "scope": "openid profile",
              "realm_access": {"roles": ["default-roles-minyi", "offline_access", "handler"]},
              "resource_access": {"account": {"roles": ["manage-account"]}},
              "preferred_username": "chenjing", "name": "陈静", "unit": ["u-vil-hongqi"]}
    claims.update(over)
    return jwt.encode(claims, keys[kid], algorithm="RS256", headers={"kid": kid})


def test_keycloak_token_with_configured_claims(monkeypatch, jwks, keys):
    _configure(monkeypatch, jwks, **KEYCLOAK)
    user = staff_auth.verify_staff_token(keycloak_token(keys))
    assert (user.user, user.unit_id, user.roles, user.name) == (
        "chenjing", "u-vil-hongqi", frozenset({"handler"}), "陈静")


def test_default_claims_are_cognitos(monkeypatch, jwks, keys):
    _configure(monkeypatch, jwks)
    # the same Keycloak token means nothing under Cognito's claim names
    with pytest.raises(Unauthorized):
        staff_auth.verify_staff_token(keycloak_token(keys))
    cognito = keycloak_token(keys, **{"cognito:groups": ["dispatcher"],
                                      "custom:unit": "u-center", "username": "liumin",
                                      "aud": CLIENT})
    user = staff_auth.verify_staff_token(cognito)
    assert (user.user, user.unit_id, user.roles) == ("liumin", "u-center",
                                                     frozenset({"dispatcher"}))


def test_roles_as_a_string_and_a_claim_named_with_a_dot(monkeypatch, jwks, keys):
    _configure(monkeypatch, jwks, MINYI_OIDC_ROLES_CLAIM="https://zwfw.example.gov.cn/roles",
               MINYI_OIDC_UNIT_CLAIM="org.unit_id")
    token = keycloak_token(keys, **{"https://zwfw.example.gov.cn/roles": "leader admin",
                                    "org": {"unit_id": "u-county"}})
    user = staff_auth.verify_staff_token(token)
    assert user.roles == frozenset({"leader", "admin"}) and user.unit_id == "u-county"


@pytest.mark.parametrize("over", [
    {"iss": "https://evil.example.com/realms/minyi"},            # another issuer
    {"azp": "some-other-app"},                                  # another client
    {"exp": int(time.time()) - 10},                              # expired
    {"realm_access": {"roles": ["offline_access"]}},            # no minyi role
    {"unit": ["u-a", "u-b"]},                                    # no single unit
])
def test_refused(monkeypatch, jwks, keys, over):
    _configure(monkeypatch, jwks, **KEYCLOAK)
    with pytest.raises(Unauthorized):
        staff_auth.verify_staff_token(keycloak_token(keys, **over))


def test_a_key_the_issuer_did_not_publish_is_refused(monkeypatch, jwks, keys):
    _configure(monkeypatch, jwks, **KEYCLOAK)
    forged = keycloak_token(keys, kid="other")
    with pytest.raises(Unauthorized):
        staff_auth.verify_staff_token(forged)
    # signed with an unpublished key but claiming k1's kid
    now = int(time.time())
    body = jwt.decode(keycloak_token(keys), options={"verify_signature": False})
    body.update(exp=now + 300)
    with pytest.raises(Unauthorized):
        staff_auth.verify_staff_token(jwt.encode(body, keys["other"], algorithm="RS256",
                                                 headers={"kid": "k1"}))
