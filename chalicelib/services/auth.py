"""Citizen login: WeChat code -> openid -> a signed, expiring token (HS256 JWT)."""

from __future__ import annotations

from ..domain.errors import TokenExpired, Unauthorized
from ..wiring import container

CITIZEN_AUDIENCE = "minyi-citizen"
CLOCK_SKEW = 60
# exp/iat/nbf are checked against the app's clock (container.now), not PyJWT's own
TIME_CHECKS_BY_US = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}


def check_times(claims: dict) -> None:
    now = container.now()
    try:
        exp, iat = float(claims["exp"]), float(claims.get("iat", now))
        nbf = float(claims.get("nbf", iat))
    except (TypeError, ValueError):
        raise Unauthorized("登录凭证无效，请重新登录", code="invalid_token") from None
    if now >= exp:
        raise TokenExpired()
    if iat > now + CLOCK_SKEW or nbf > now + CLOCK_SKEW:
        raise Unauthorized("登录凭证尚未生效", code="invalid_token")


def login_wechat(code: str) -> dict:
    """``code``: the checked code from ``wx.login()`` (``api/models.Login``)."""
    openid = container.wechat.code_to_openid(code)
    return issue_citizen_token(openid)


def issue_citizen_token(openid: str) -> dict:
    now = int(container.now())
    ttl = container.settings.token_ttl_seconds
    claims = {"sub": f"wx:{openid}", "aud": CITIZEN_AUDIENCE, "iat": now, "exp": now + ttl}
    import jwt  # lazy: PyJWT imports cryptography (0.2 s of a cold start)
    token = jwt.encode(claims, container.settings.token_secret, algorithm="HS256")
    return {"token": token, "expires_in": ttl}


def verify_citizen_token(token: str) -> str:
    """Return the citizen id (``wx:<openid>``) or raise Unauthorized / TokenExpired."""
    import jwt  # lazy: PyJWT imports cryptography (0.2 s of a cold start)
    try:
        claims = jwt.decode(
            token, container.settings.token_secret, algorithms=["HS256"],
            audience=CITIZEN_AUDIENCE, options={"require": ["exp", "iat", "sub", "aud"],
                                                **TIME_CHECKS_BY_US},
        )
    except jwt.PyJWTError:
        raise Unauthorized("登录凭证无效，请重新登录", code="invalid_token") from None
    check_times(claims)
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject.startswith("wx:"):
        raise Unauthorized("登录凭证无效，请重新登录", code="invalid_token")
    return subject
