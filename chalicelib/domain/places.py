"""QR place codes (码上反映, seed 004): a place below the village (a building, a gate, a shop)
that a printed QR code names. Pure: what a place is and how an admin's row is checked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ValidationError
from .jsonin import matching, short_text

KINDS = {"building": "楼栋", "gate": "大门/门岗", "shop": "商铺", "other": "其他场所"}
PLACE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
# the regions a place may sit in: the lowest level of the region catalog (村/社区)
PLACE_REGION_LEVELS = ("village", "community")


@dataclass(frozen=True)
class Place:
    """A place a QR code names: in a village (region_code), active until an admin retires it
    (a printed code of a retired place is refused), with an address and a map point if known."""

    place_id: str
    name: str
    kind: str
    region_code: str
    active: bool = True
    address: str | None = None
    lat: float | None = None
    lng: float | None = None

    def to_dict(self) -> dict:
        d = {"place_id": self.place_id, "name": self.name, "kind": self.kind,
             "kind_label": KINDS[self.kind], "region_code": self.region_code,
             "active": self.active}
        if self.address:
            d["address"] = self.address
        if self.lat is not None and self.lng is not None:
            d["location"] = {"lat": self.lat, "lng": self.lng}
        return d

    def record(self) -> dict:
        """What the registry keeps (``place`` / place id)."""
        return {k: v for k, v in {"name": self.name, "kind": self.kind,
                                  "region_code": self.region_code, "address": self.address,
                                  "lat": self.lat, "lng": self.lng,
                                  "active": self.active}.items() if v is not None}

    @classmethod
    def from_record(cls, place_id: str, data: dict) -> Place:
        return cls(place_id, data["name"], data["kind"], data["region_code"],
                   active=bool(data.get("active", True)), address=data.get("address"),
                   lat=_num(data.get("lat")), lng=_num(data.get("lng")))


def _num(value) -> float | None:
    return None if value is None else float(value)


def parse_place(row: dict) -> Place:
    """An admin's place (``{"place_id", "name", "kind", "region_code", "address"?, "lat"?,
    "lng"?, "active"?}``), checked: a ValidationError names the field."""
    if not isinstance(row, dict):
        raise ValidationError("每个地点应为对象", code="wrong_type")
    place_id = matching(row, "place_id", PLACE_ID_RE, "place_id 应为 2-63 位小写字母、数字或 -",
                        "invalid_place_id")
    name = short_text(row, "name", 60, "地点名称应为 1-60 个字")
    kind = row.get("kind")
    if kind not in KINDS:
        raise ValidationError("地点类型应为 building/gate/shop/other 之一", field="kind",
                              code="invalid_place_kind")
    region = row.get("region_code")
    if not isinstance(region, str) or not re.match(r"^\d{12}$", region):
        raise ValidationError("地区编码应为 12 位村/社区编码", field="region_code",
                              code="unknown_region")
    address = row.get("address")
    if address is not None and (not isinstance(address, str) or len(address) > 200):
        raise ValidationError("地址应为 200 字以内", field="address", code="wrong_type")
    lat, lng = row.get("lat"), row.get("lng")
    if (lat is None) != (lng is None):
        raise ValidationError("lat 与 lng 应同时填写", field="lat", code="invalid_location")
    for field_name, value, bound in (("lat", lat, 90), ("lng", lng, 180)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or abs(value) > bound):
            raise ValidationError("位置坐标不正确", field=field_name, code="invalid_location")
    active = row.get("active", True)
    if not isinstance(active, bool):
        raise ValidationError("active 应为 true 或 false", field="active", code="wrong_type")
    return Place(place_id, name.strip(), kind, region, active=active,
                 address=(address or "").strip() or None, lat=_num(lat), lng=_num(lng))
