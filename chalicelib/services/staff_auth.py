"""Staff identity: a bearer JWT whose claims carry the user, the unit and the roles.

In AWS the issuer is a Cognito user pool (RS256, keys from its JWKS; groups are the roles and
``custom:unit`` the unit). Any other OIDC issuer works the same way (the city's 政务统一身份认证,
Keycloak, a 政务钉钉/企业微信 bridge): which claims carry the roles, the unit, the user and the
name is configuration (``MINYI_OIDC_*_CLAIM``: a claim name or a dotted path such as
Keycloak's ``realm_access.roles``); the audience is checked against ``aud``, ``azp`` or
``client_id``. Locally a dev issuer signs HS256 tokens for the demo staff
(``make token USER=disp_liumin``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.errors import Unauthorized
from ..wiring import container
from .auth import TIME_CHECKS_BY_US, check_times

ROLES = frozenset({"handler", "dispatcher", "leader", "admin"})
DEV_AUDIENCE = "minyi-staff"
DEV_TTL = 12 * 3600


@dataclass(frozen=True)
class StaffUser:
    user: str
    unit_id: str
    roles: frozenset
    name: str | None = None

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def to_context(self) -> dict:
        return {"user": self.user, "unit": self.unit_id, "roles": ",".join(sorted(self.roles)),
                "name": self.name or ""}

    @classmethod
    def from_context(cls, ctx: dict) -> StaffUser:
        roles = frozenset(r for r in (ctx.get("roles") or "").split(",") if r)
        return cls(ctx["user"], ctx["unit"], roles, ctx.get("name") or None)


def dev_token_for(user: str, ttl: int = DEV_TTL) -> str:
    from .seed import demo_staff
    for person in demo_staff():
        if person["user"] == user:
            return issue_dev_token(user, person["unit"], person["roles"], person.get("name"), ttl)
    raise SystemExit(f"no demo staff user {user!r}; see data/demo_city.json")


def issue_dev_token(user: str, unit: str, roles, name: str | None = None,
                    ttl: int = DEV_TTL) -> str:
    if not container.settings.is_local:
        raise RuntimeError("the dev issuer signs tokens on the local stage only")
    now = int(container.now())
    claims = {"sub": user, "unit": unit, "roles": sorted(roles), "name": name or "",
              "iss": container.settings.staff_issuer, "aud": DEV_AUDIENCE, "iat": now,
              "exp": now + ttl}
    import jwt  # lazy: PyJWT imports cryptography (0.2 s of a cold start)
    return jwt.encode(claims, container.settings.staff_token_secret, algorithm="HS256")


_jwks_clients: dict = {}


def verify_staff_token(token: str) -> StaffUser:
    import jwt  # lazy: PyJWT imports cryptography (0.2 s of a cold start)
    settings = container.settings
    try:
        if settings.staff_jwks_url:
            client = _jwks_clients.setdefault(settings.staff_jwks_url,
                                              jwt.PyJWKClient(settings.staff_jwks_url))
            key = client.get_signing_key_from_jwt(token).key
            claims = jwt.decode(token, key, algorithms=["RS256"], issuer=settings.staff_issuer,
                                options={"require": ["exp", "sub"], "verify_aud": False,
                                         **TIME_CHECKS_BY_US})
            if settings.staff_audience and not _for_audience(claims, settings.staff_audience):
                raise Unauthorized("登录凭证无效", code="invalid_token")
            roles = _roles(claim(claims, settings.oidc_roles_claim))
            unit = _single(claim(claims, settings.oidc_unit_claim))
            user = claim(claims, settings.oidc_user_claim) or claims["sub"]
            name = claim(claims, settings.oidc_name_claim)
        else:
            if not settings.is_local:
                raise Unauthorized("登录凭证无效", code="invalid_token")
            claims = jwt.decode(token, settings.staff_token_secret, algorithms=["HS256"],
                                audience=DEV_AUDIENCE, issuer=settings.staff_issuer,
                                options={"require": ["exp", "sub", "aud", "iss"],
                                         **TIME_CHECKS_BY_US})
            roles, unit, user = claims.get("roles") or [], claims.get("unit"), claims["sub"]
            name = claims.get("name")
    except jwt.PyJWTError:
        raise Unauthorized("登录凭证无效", code="invalid_token") from None
    check_times(claims)
    roles = frozenset(r for r in roles if isinstance(r, str) and r in ROLES)
    if not unit or not isinstance(unit, str) or not roles:
        raise Unauthorized("账号未配置单位或角色", code="invalid_token")
    return StaffUser(str(user), unit, roles, name if isinstance(name, str) and name else None)


def claim(claims: dict, path: str):
    """A claim by name (``cognito:groups``), else by dotted path (``realm_access.roles``)."""
    if path in claims:
        return claims[path]
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _roles(value) -> list:
    """Roles as a list, or one string of space/comma separated roles."""
    if isinstance(value, str):
        return [r for r in value.replace(",", " ").split() if r]
    return list(value) if isinstance(value, list) else []


def _single(value):
    """A unit claim mapped as a one-element list (a multivalued attribute mapper) is fine."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def _for_audience(claims: dict, audience: str) -> bool:
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    return audience in audiences or claims.get("azp") == audience or \
        claims.get("client_id") == audience
