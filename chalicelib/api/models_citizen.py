"""Request models of the citizens' and the public endpoints (see ``api/models.py``)."""

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, Literal

from pydantic import ConfigDict

from ..domain.errors import ValidationError
from ..domain.intake import (
    Submission,
    _bool,
    _location,
    _place_token,
    _record_id,
    _require_str,
    attachment_keys,
    normalize_phone,
)
from ..domain.sla import TICKET_TYPES
from ..domain.ticket import MAX_DESCRIPTION, MAX_NAME, MAX_SUPPLEMENT
from .models_base import Body, LocationIn, _strict_bool, checked, from_body


# ------------------------------------------------------------------ citizens
def _login_code(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 128:
        raise ValidationError("缺少微信登录凭证 code", field=name, code="missing_field")
    return value.strip()


class Login(Body):
    """``POST /v1/auth/wechat``: the code from ``wx.login()``."""

    lenient: ClassVar[bool] = True

    code: checked(_login_code, required=True, maxLength=128)


def _ticket_type(value: Any, name: str) -> str:
    if value is None:
        raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
    if value not in TICKET_TYPES:
        raise ValidationError("诉求类型应为 咨询/投诉/求助/建议/举报 之一", field=name,
                              code="invalid_type")
    return value


def _region(value: Any, name: str) -> str:
    from ..domain.intake import _REGION_RE

    if value is None:
        raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
    if not isinstance(value, str) or not _REGION_RE.match(value):
        raise ValidationError("地区编码不正确", field=name, code="unknown_region")
    return value


def _category(value: Any, name: str) -> str | None:
    from ..domain.intake import _CATEGORY_RE

    if value is not None and (not isinstance(value, str) or not _CATEGORY_RE.match(value)):
        raise ValidationError("诉求分类不正确", field=name, code="unknown_category")
    return value


class SubmissionBody(Body):
    """``POST /v1/tickets`` and ``POST /v1/staff/tickets``: a request (受理)."""

    model_config = ConfigDict(extra="forbid")

    type: checked(_ticket_type, Literal[TICKET_TYPES], required=True)
    description: checked(from_body(_require_str, max_len=MAX_DESCRIPTION, min_len=5),
                         required=True, minLength=5, maxLength=MAX_DESCRIPTION)
    region_code: checked(_region, required=True, pattern=r"^\d{6,12}$")
    category: checked(_category, pattern=r"^[A-Z]\d{2,6}$")
    phone: checked(normalize_phone, required=True)
    name: checked(from_body(_require_str, max_len=MAX_NAME, required=False), maxLength=MAX_NAME)
    location: checked(lambda value, name: _location(value), LocationIn)
    anonymous: checked(from_body(_bool), bool)
    public: checked(from_body(_bool), bool)
    attachments: checked(attachment_keys, list[str], maxItems=9)
    kb_entry_id: checked(from_body(_record_id), pattern=r"^[0-9A-Z]{26}$")
    campaign_id: checked(from_body(_record_id), pattern=r"^[0-9A-Z]{26}$")
    place_token: checked(_place_token, minLength=10, maxLength=1024)

    def to_domain(self) -> Submission:
        return Submission(
            type=self.type, description=self.description, region_code=self.region_code,
            phone=self.phone, name=self.name, category=self.category, location=self.location,
            anonymous=self.anonymous, public=self.public, attachments=self.attachments,
            kb_entry_id=self.kb_entry_id, campaign_id=self.campaign_id,
            place_token=self.place_token)


def _source_id(value: Any, name: str) -> str:
    from ..domain.partners import SOURCE_ID_RE

    if not isinstance(value, str) or not SOURCE_ID_RE.match(value):
        raise ValidationError("source_id 应为 1-64 位字母、数字或 _.:-", field=name,
                              code="missing_field")
    return value


class PartnerTicketBody(SubmissionBody):
    """``POST /v1/partners/{source}/tickets``: a request from another platform, with the
    platform's own id of it (one ticket per source id)."""

    source_id: checked(_source_id, required=True, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")


class SupplementBody(Body):
    """``POST /v1/tickets/{ticket_id}/supplements``: material added to an open ticket."""

    model_config = ConfigDict(extra="forbid")

    text: checked(from_body(_require_str, max_len=MAX_SUPPLEMENT), required=True,
                  maxLength=MAX_SUPPLEMENT)
    attachments: checked(attachment_keys, list[str], maxItems=9)


def _withdraw_reason(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 500:
        raise ValidationError("撤回原因应为 500 字以内的文字", field=name, code="wrong_type")
    return value.strip() or None


class WithdrawBody(Body):
    """``POST /v1/tickets/{ticket_id}/withdraw`` (the body is optional)."""

    optional_body: ClassVar[bool] = True
    lenient: ClassVar[bool] = True

    reason: checked(_withdraw_reason, maxLength=500)


UPLOAD_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _content_type(value: Any, name: str) -> str:
    if not isinstance(value, str) or value not in UPLOAD_TYPES:
        raise ValidationError("只能上传 JPG、PNG 图片或 PDF 文件", field=name,
                              code="unsupported_file_type")
    return value


def _upload_size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError("size 应为文件字节数", field=name, code="wrong_type")
    if value > MAX_UPLOAD_BYTES:
        raise ValidationError("单个文件不能超过 10 MB", field=name, code="file_too_large")
    return value


class AttachmentBody(Body):
    """``POST /v1/attachments``: a presigned upload for one file."""

    content_type: checked(_content_type, Literal[tuple(UPLOAD_TYPES)], required=True)
    size: checked(_upload_size, int, required=True, minimum=1, maximum=MAX_UPLOAD_BYTES)


MAX_COMMENT = 500


def _satisfaction(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError("satisfaction 应为 1-5 的整数（1 非常满意 … 5 非常不满意）",
                              field=name, code="invalid_satisfaction")
    return value


def _comment(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} 应为文字", field=name, code="wrong_type")
    if len(value) > MAX_COMMENT:
        raise ValidationError(f"{name} 不能超过 {MAX_COMMENT} 个字", field=name,
                              code="too_long")
    return value.strip() or None


class EvaluationBody(Body):
    """``POST /v1/tickets/{ticket_id}/evaluation``: resolved, satisfaction 1-5, a comment."""

    model_config = ConfigDict(extra="forbid")

    resolved: checked(_strict_bool("{name} 应为 true（已解决）或 false（未解决）"), bool,
                      required=True)
    satisfaction: checked(_satisfaction, int, required=True, minimum=1, maximum=5)
    comment: checked(_comment, maxLength=MAX_COMMENT)


# ------------------------------------------------------------------ public, knowledge, campaigns
def _digits(length: int, code: str, message: str) -> Callable[[Any, str], str]:
    def check(value: Any, name: str) -> str:
        if not isinstance(value, str) or not (value.isascii() and value.isdigit()
                                              and len(value) == length):
            raise ValidationError(message, field=name, code=code)
        return value

    return check


class Track(Body):
    """Tracking by code (no login): the code and the last four digits of the phone."""

    code: checked(_digits(13, "invalid_code", "请填写 13 位工单号"), required=True,
                  pattern=r"^\d{13}$")
    phone_last4: checked(_digits(4, "invalid_phone", "请填写手机号码后 4 位"), required=True,
                         pattern=r"^\d{4}$")


def _raw(value: Any, name: str) -> Any:
    return value            # the service reads it as a search query (any shape is harmless)


class Suggest(Body):
    """A consult's draft: the knowledge base's best answers for it."""

    description: checked(_raw)
    region_code: checked(_raw)
    category: checked(_raw)


def _optional_text(max_len: int) -> Callable[[Any, str], str | None]:
    def check(value: Any, name: str) -> str | None:
        if value is not None and (not isinstance(value, str) or len(value) > max_len):
            raise ValidationError(f"{name} 应为 {max_len} 字以内的文字", field=name,
                                  code="wrong_type")
        return value

    return check


class KbDecision(Body):
    """The dispatch center approves or rejects a knowledge-base entry."""

    approve: checked(_strict_bool("{name} 应为 true 或 false"), bool, required=True)
    reason: checked(_optional_text(500), maxLength=500)


def _title(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise ValidationError("title 应为 1-100 字的征集主题", field=name, code="missing_field")
    return value.strip()


def _day(value: Any, name: str) -> str:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name} 应为 YYYY-MM-DD", field=name, code="invalid_date") \
            from None
    return value


def _owner(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ValidationError("owner_unit 应为已知的单位编号", field=name, code="unknown_unit")
    return value


class CampaignOpen(Body):
    """A topic campaign for people's suggestions (人民建议征集)."""

    title: checked(_title, required=True, maxLength=100)
    description: checked(_optional_text(2000), maxLength=2000)
    starts_on: checked(_day, dt.date, required=True)
    ends_on: checked(_day, dt.date, required=True)
    owner_unit: checked(_owner, required=True)
