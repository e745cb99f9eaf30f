"""QR place codes (码上反映, seed 004): places below the village, their printed QR codes, and
the signed place token a code carries.

A code's content is a place token: a JWT (HS256, ``MINYI_PLACE_TOKEN_SECRET``, falling back to
the citizen token secret) naming the place and its village. The mini-program sends it back
(``GET /v1/places/qr/{token}`` to pre-fill the form, ``place_token`` in the submission); the API
verifies the signature and reads the place from the registry, so a forged or altered code, or
the code of a place since deactivated, is refused with a 400 and a Chinese message. Places are
kept in the registry (``place`` / place id) by the admin function ``admin_qr_codes``.
"""

from __future__ import annotations

import base64

from ..domain.errors import ValidationError
from ..domain.places import KINDS, PLACE_REGION_LEVELS, Place, parse_place
from ..wiring import container

PLACES = "place"
MAX_CODES = 50
TOKEN_TYPE = "place"

InvalidPlaceToken = type("InvalidPlaceToken", (ValidationError,), {
    "code": "invalid_place_token", "message": "二维码无效或已被篡改，请扫描现场张贴的二维码",
    "__module__": __name__})
PlaceInactive = type("PlaceInactive", (ValidationError,), {
    "code": "place_inactive", "message": "该二维码对应的地点已停用，请选择地区后提交",
    "__module__": __name__})


# ------------------------------------------------------------------ tokens
def token_for(place: Place) -> str:
    import jwt  # lazy, as in services/auth.py
    return jwt.encode({"typ": TOKEN_TYPE, "p": place.place_id, "r": place.region_code},
                      container.settings.place_secret, algorithm="HS256")


def verify(token) -> Place:
    """The active place a token names, or InvalidPlaceToken / PlaceInactive (400)."""
    import jwt
    if not isinstance(token, str) or not token or len(token) > 1024:
        raise InvalidPlaceToken(field="place_token")
    try:
        claims = jwt.decode(token, container.settings.place_secret, algorithms=["HS256"],
                            options={"require": ["p", "r"]})
    except jwt.PyJWTError:
        raise InvalidPlaceToken(field="place_token") from None
    if claims.get("typ") != TOKEN_TYPE or not isinstance(claims.get("p"), str):
        raise InvalidPlaceToken(field="place_token")
    place = get(claims["p"])
    if place is None or place.region_code != claims.get("r"):
        raise InvalidPlaceToken(field="place_token")
    if not place.active:
        raise PlaceInactive(field="place_token")
    return place


def get(place_id: str) -> Place | None:
    data = container.registry.get(PLACES, place_id)
    return Place.from_record(place_id, data) if data else None


def resolve(token: str) -> dict:
    """``GET /v1/places/qr/{token}``: the place a scanned code names, to pre-fill the form."""
    place = verify(token)
    region = container.reference.region(place.region_code)
    out = place.to_dict()
    out["region_name"] = region.full_name if region else None
    return out


def ticket_place(place: Place) -> dict:
    """What a ticket keeps of the place it was reported from."""
    return {"id": place.place_id, "name": place.name, "kind": place.kind}


# ------------------------------------------------------------------ the admin function
def _check_region(place: Place) -> None:
    region = container.reference.region(place.region_code)
    if region is None or region.level not in PLACE_REGION_LEVELS:
        raise ValidationError("地点应属于一个村/社区（12 位村级地区编码）", field="region_code",
                              code="unknown_region")


def qr_codes(event: dict) -> dict:
    """Admin (``admin_qr_codes``): ``{"places": [{place_id, name, kind, region_code, address?,
    lat?, lng?, active?}], "place_ids": [...], "formats": ["png", "svg"]}``. Every place given
    in full is checked first (one bad place: nothing is saved, the error names it), then saved;
    then a QR code is printed for each active place named (``places`` and ``place_ids``): its
    token, PNG (base64) and SVG."""
    from ..adapters import qr
    if not isinstance(event, dict):
        raise ValidationError("event 应为对象", code="wrong_type")
    rows, ids = event.get("places") or [], event.get("place_ids") or []
    formats = event.get("formats") or ["png", "svg"]
    if not isinstance(rows, list) or not isinstance(ids, list) or not (rows or ids):
        raise ValidationError("请给出 places 或 place_ids", field="places", code="missing_field")
    if not isinstance(formats, list) or not set(formats) <= {"png", "svg"} or not formats:
        raise ValidationError("formats 应为 png/svg", field="formats", code="wrong_type")
    if len(rows) + len(ids) > MAX_CODES:
        raise ValidationError(f"每次最多 {MAX_CODES} 个地点", field="places", code="too_many")
    places = []
    for i, row in enumerate(rows):
        try:
            place = parse_place(row)
            _check_region(place)
        except ValidationError as exc:
            raise ValidationError(f"第 {i + 1} 个地点：{exc.message}", field=exc.field,
                                  code=exc.code) from None
        places.append(place)
    for place_id in ids:
        place = get(place_id) if isinstance(place_id, str) else None
        if place is None:
            raise ValidationError(f"未知的地点：{place_id}", field="place_ids",
                                  code="unknown_place")
        places.append(place)
    now = container.now()
    for place in places[:len(rows)]:
        container.registry.put(PLACES, place.place_id, place.record(), now)
    codes = []
    for place in places:
        if not place.active:
            codes.append({**place.to_dict(), "token": None})
            continue
        token = token_for(place)
        png, svg = qr.render(token)
        code = {**place.to_dict(), "token": token}
        if "png" in formats:
            code["png_base64"] = base64.b64encode(png).decode("ascii")
        if "svg" in formats:
            code["svg"] = svg
        codes.append(code)
    return {"saved": len(rows), "codes": codes, "kinds": KINDS}
