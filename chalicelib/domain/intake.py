"""Validation of what a citizen (or an agent on their behalf) submits. Pure: no I/O.

Checks shape and types only; whether the region and category exist is the service's job.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ValidationError
from .sla import TICKET_TYPES
from .ticket import MAX_ATTACHMENTS, MAX_DESCRIPTION, MAX_NAME, MAX_SUPPLEMENT

_REGION_RE = re.compile(r"^\d{6,12}$")
_CATEGORY_RE = re.compile(r"^[A-Z]\d{2,6}$")
ATTACHMENT_KEY_RE = re.compile(r"^uploads/[0-9a-f]{16}/[0-9A-Z]{26}\.(jpg|png|pdf)$")

SUBMISSION_FIELDS = frozenset({
    "type", "description", "region_code", "phone", "name", "category", "location",
    "anonymous", "public", "attachments", "kb_entry_id", "campaign_id", "place_token",
})
_RECORD_ID_RE = re.compile(r"^[0-9A-Z]{26}$")


@dataclass(frozen=True)
class Location:
    lat: float
    lng: float
    address: str | None = None

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"lat": self.lat, "lng": self.lng}
        if self.address:
            d["address"] = self.address
        return d


@dataclass(frozen=True)
class Submission:
    type: str
    description: str
    region_code: str
    phone: str                      # E.164
    name: str | None = None
    category: str | None = None
    location: Location | None = None
    anonymous: bool = False
    public: bool = False
    attachments: tuple[str, ...] = field(default_factory=tuple)
    kb_entry_id: str | None = None      # the knowledge-base entry that answered this consult
    campaign_id: str | None = None      # the topic campaign this suggestion answers
    place_token: str | None = None      # 码上反映: the signed place of a scanned QR code

    def canonical(self) -> dict:
        """A stable dict of the request (what idempotency compares)."""
        return {
            "type": self.type, "description": self.description, "region_code": self.region_code,
            "phone": self.phone, "name": self.name, "category": self.category,
            "location": self.location.to_dict() if self.location else None,
            "anonymous": self.anonymous, "public": self.public,
            "attachments": list(self.attachments), "kb_entry_id": self.kb_entry_id,
            "campaign_id": self.campaign_id, "place_token": self.place_token,
        }


def _require_str(body: Mapping, name: str, *, max_len: int, required: bool = True,
                 min_len: int = 1) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} 应为文字", field=name, code="wrong_type")
    value = value.strip()
    if len(value) < min_len:
        if required:
            raise ValidationError(f"{name} 不能为空", field=name, code="missing_field")
        return None
    if len(value) > max_len:
        raise ValidationError(f"{name} 不能超过 {max_len} 个字", field=name, code="too_long")
    return value


def _bool(body: Mapping, name: str) -> bool:
    value = body.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationError(f"{name} 应为 true 或 false", field=name, code="wrong_type")
    return value


def normalize_phone(raw: Any, field_name: str = "phone") -> str:
    """Parse a Chinese (or +country) phone number to E.164; ValidationError if it is not real."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError("请填写有效的手机号码", field=field_name, code="invalid_phone")
    import phonenumbers  # lazy: 0.1 s of a cold start, needed by submissions only
    try:
        parsed = phonenumbers.parse(raw.strip(), "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None:
        raise ValidationError("手机号码格式不正确", field=field_name, code="invalid_phone")
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError("手机号码格式不正确", field=field_name, code="invalid_phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _location(raw: Any) -> Location | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError("location 应为对象", field="location", code="wrong_type")
    lat, lng = raw.get("lat"), raw.get("lng")
    for name, value, bound in (("lat", lat, 90), ("lng", lng, 180)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(
            value
        ) or abs(value) > bound:
            raise ValidationError("位置坐标不正确", field=f"location.{name}",
                                  code="invalid_location")
    address = _require_str(raw, "address", max_len=200, required=False)
    return Location(float(lat), float(lng), address)


def attachment_keys(raw: Any, field_name: str = "attachments") -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(k, str) for k in raw):
        raise ValidationError("附件应为上传后返回的 key 列表", field=field_name, code="wrong_type")
    if len(raw) > MAX_ATTACHMENTS:
        raise ValidationError(f"附件最多 {MAX_ATTACHMENTS} 个", field=field_name,
                              code="too_many_attachments")
    if len(set(raw)) != len(raw):
        raise ValidationError("附件重复", field=field_name, code="duplicate_attachment")
    for key in raw:
        if not ATTACHMENT_KEY_RE.match(key):
            raise ValidationError("附件 key 无效", field=field_name, code="invalid_attachment")
    return tuple(raw)


def parse_submission(body: Any) -> Submission:
    if not isinstance(body, dict):
        raise ValidationError("请求内容应为 JSON 对象", code="wrong_type")
    unknown = set(body) - SUBMISSION_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(f"不认识的字段：{name}", field=name, code="unknown_field")
    ticket_type = body.get("type")
    if ticket_type is None:
        raise ValidationError("缺少必填项：type", field="type", code="missing_field")
    if ticket_type not in TICKET_TYPES:
        raise ValidationError("诉求类型应为 咨询/投诉/求助/建议/举报 之一", field="type",
                              code="invalid_type")
    description = _require_str(body, "description", max_len=MAX_DESCRIPTION, min_len=5)
    if description is None or len(description) < 5:
        raise ValidationError("请用至少 5 个字描述您的诉求", field="description",
                              code="missing_field")
    region = body.get("region_code")
    if region is None:
        raise ValidationError("缺少必填项：region_code", field="region_code", code="missing_field")
    if not isinstance(region, str) or not _REGION_RE.match(region):
        raise ValidationError("地区编码不正确", field="region_code", code="unknown_region")
    category = body.get("category")
    if category is not None and (not isinstance(category, str)
                                 or not _CATEGORY_RE.match(category)):
        raise ValidationError("诉求分类不正确", field="category", code="unknown_category")
    return Submission(
        type=ticket_type,
        description=description,
        region_code=region,
        phone=normalize_phone(body.get("phone")),
        name=_require_str(body, "name", max_len=MAX_NAME, required=False),
        category=category,
        location=_location(body.get("location")),
        anonymous=_bool(body, "anonymous"),
        public=_bool(body, "public"),
        attachments=attachment_keys(body.get("attachments")),
        kb_entry_id=_record_id(body, "kb_entry_id"),
        campaign_id=_record_id(body, "campaign_id"),
        place_token=_place_token(body.get("place_token")),
    )


def _place_token(value: Any, name: str = "place_token") -> str | None:
    """Shape only (the signature is checked by services/places.py)."""
    if value is None:
        return None
    if not isinstance(value, str) or not 10 <= len(value) <= 1024:
        raise ValidationError("二维码无效或已被篡改，请扫描现场张贴的二维码", field=name,
                              code="invalid_place_token")
    return value


def _record_id(body: Mapping, name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not _RECORD_ID_RE.match(value):
        raise ValidationError(f"{name} 不正确", field=name, code="invalid_reference")
    return value


def parse_supplement(body: Any) -> tuple[str, tuple[str, ...]]:
    if not isinstance(body, dict):
        raise ValidationError("请求内容应为 JSON 对象", code="wrong_type")
    unknown = set(body) - {"text", "attachments"}
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(f"不认识的字段：{name}", field=name, code="unknown_field")
    text = _require_str(body, "text", max_len=MAX_SUPPLEMENT)
    return text or "", attachment_keys(body.get("attachments"))


def mask_phone(phone: str | None) -> str | None:
    """``+8613812345678`` -> ``+86138****5678`` for logs and staff lists."""
    if not phone:
        return phone
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:-8] + "****" + phone[-4:]


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * (len(name) - 1)
