"""Citizen tokens: expiry and forgery are checked against the app's clock."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import TokenExpired, Unauthorized
from chalicelib.services import auth


def test_expired_and_forged_citizen_tokens(stack):
    token = auth.issue_citizen_token("olive")["token"]
    assert auth.verify_citizen_token(token) == "wx:olive"
    stack.clock.advance(stack.container.settings.token_ttl_seconds + 1)
    with pytest.raises(TokenExpired) as info:
        auth.verify_citizen_token(token)
    assert info.value.status == 401 and info.value.code == "token_expired"
    head, payload, _sig = auth.issue_citizen_token("olive")["token"].split(".")
    with pytest.raises(Unauthorized):
        auth.verify_citizen_token(f"{head}.{payload}.forged")


def test_signed_token_with_unreadable_times_is_401(stack):
    import jwt

    from chalicelib.services.auth import CITIZEN_AUDIENCE
    secret = stack.container.settings.token_secret
    now = int(stack.clock())
    for extra in ({"nbf": "soon"}, {"iat": "x"}):
        token = jwt.encode({"sub": "wx:o", "aud": CITIZEN_AUDIENCE, "iat": now, "exp": now + 60,
                            **extra}, secret, algorithm="HS256")
        with pytest.raises(Unauthorized):
            auth.verify_citizen_token(token)
