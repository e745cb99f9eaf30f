"""Typed request models: what each endpoint accepts, parsed at the edge (pydantic v2).

One parse function, :func:`parse`, turns a decoded body into its model or raises the project's
:class:`~chalicelib.domain.errors.ValidationError` exactly as clients have always seen it (400, a
stable ``code``, a Chinese ``message``, the offending ``field``). Every field is declared with one
helper, :func:`checked`: a plain function ``check(value, name)`` that returns the clean value or
raises the domain error (the domain's own rules where they exist: phone numbers, attachment keys,
locations). Fields are checked in the order they are declared and the first failure is reported,
so the order here is the order clients have always been told about problems; an unknown field
(where a model forbids them) is reported before anything else.

The models also give the request schemas of the OpenAPI document (``chalicelib/api/openapi.py``).
This module imports pydantic and the domain only, never services or AWS.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from ..domain.calendar import SHANGHAI
from ..domain.errors import ValidationError
from ..domain.intake import (
    Location,
    Submission,
    _bool,
    _location,
    _record_id,
    _require_str,
    attachment_keys,
    normalize_phone,
)
from ..domain.measures import GRADES
from ..domain.sla import TICKET_TYPES
from ..domain.ticket import MAX_DESCRIPTION, MAX_NAME, MAX_SUPPLEMENT

NOT_AN_OBJECT = ("wrong_type", "请求内容应为 JSON 对象")
REQUIRED = "x-minyi-required"   # marks a field the client must send (the check decides how)


# ------------------------------------------------------------------ the one field helper
def checked(check: Callable[[Any, str], Any], schema: Any = str, *, required: bool = False,
            **schema_extra) -> Any:
    """A field whose value is ``check(value, field_name)``: the clean value, or the domain's
    ValidationError, which :func:`parse` reports unchanged. ``schema`` is the JSON type the
    OpenAPI document shows for it."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        try:
            return check(value, info.field_name)
        except ValidationError as exc:
            raise PydanticCustomError(exc.code, exc.message,
                                      {"field": exc.field, "status": exc.status}) from None

    extra = dict(schema_extra)
    if required:
        extra[REQUIRED] = True
    return Annotated[Any, PlainValidator(validate, json_schema_input_type=schema),
                     Field(default=None, validate_default=True, json_schema_extra=extra or None)]


class Body(BaseModel):
    """A request body. Unknown fields are ignored unless a model forbids them."""

    model_config = ConfigDict(frozen=True, extra="ignore", arbitrary_types_allowed=True)
    # an empty body reads as ``{}``; so does a JSON null where ``null_is_empty``, and any body
    # that is not an object where ``lenient``
    optional_body: ClassVar[bool] = False
    null_is_empty: ClassVar[bool] = False
    lenient: ClassVar[bool] = False


class Query(BaseModel):
    """Query parameters (strings as sent; the services check their values)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


def parse(model: type[BaseModel], data: Any) -> Any:
    """``data`` (a decoded JSON body) as ``model``, or the project's ValidationError."""
    if (data is None and getattr(model, "null_is_empty", False)) or (
            getattr(model, "lenient", False) and not isinstance(data, dict)):
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(NOT_AN_OBJECT[1], code=NOT_AN_OBJECT[0])
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise _domain_error(exc.errors(include_url=False)) from None


def coerce(model: type[BaseModel], body: Any) -> Any:
    """``body`` if it is already a ``model``; a raw body (other callers: channels that build a
    dict, tests) goes through :func:`parse` like an HTTP request's."""
    return body if isinstance(body, model) else parse(model, body)


def _domain_error(errors: list[dict]) -> ValidationError:
    extras = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if extras:
        return ValidationError(f"不认识的字段：{extras[0]}", field=extras[0],
                               code="unknown_field")
    error = errors[0]
    ctx = error.get("ctx") or {}
    name = ".".join(str(part) for part in error["loc"]) or None
    if "status" in ctx:             # raised by a check: the domain's own error
        return ValidationError(error["msg"], field=ctx.get("field"), code=error["type"],
                               status=ctx["status"])
    return ValidationError(f"{name} 格式不正确" if name else "提交的内容有误", field=name)


def from_body(rule: Callable[..., Any], **options) -> Callable[[Any, str], Any]:
    """A domain rule written as ``rule(body, name, ...)`` used as a field check."""
    return lambda value, name: rule({name: value}, name, **options)


# ------------------------------------------------------------------ shared checks
def text(max_len: int, *, required: bool = True) -> Callable[[Any, str], str | None]:
    """Staff text: missing or blank is missing (or None when optional); the length counts what
    was sent; the value is stripped."""

    def check(value: Any, name: str) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
            return None
        if not isinstance(value, str):
            raise ValidationError(f"{name} 应为文字", field=name, code="wrong_type")
        if len(value) > max_len:
            raise ValidationError(f"{name} 不能超过 {max_len} 个字", field=name, code="too_long")
        return value.strip()

    return check


def Text(max_len: int, *, required: bool = True) -> Any:     # reads as a type
    """A staff text field (:func:`text`), its length limit in the schema."""
    return checked(text(max_len, required=required), required=required, maxLength=max_len)


def one_of(choices: tuple, code: str, message: str) -> Callable[[Any, str], Any]:
    def check(value: Any, name: str) -> Any:
        if value not in choices:
            raise ValidationError(message, field=name, code=code)
        return value

    return check


def choice(choices: tuple, code: str, message: str) -> Any:
    """A required field that must be one of ``choices`` (an enum in the schema)."""
    return checked(one_of(choices, code, message), Literal[choices], required=True)


def version(value: Any, name: str) -> int | None:
    """The ticket version the user saw (optional): an integer."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValidationError("version 应为整数", field=name, code="wrong_type")
    return value


def unit_list(*, required: bool) -> Callable[[Any, str], tuple[str, ...]]:
    """Unit ids (at most 10, duplicates dropped); whether they exist is the service's check."""

    def check(value: Any, name: str) -> tuple[str, ...]:
        if value is None:
            if required:
                raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
            return ()
        if not isinstance(value, list) or not all(isinstance(u, str) for u in value) or len(
                value) > 10:
            raise ValidationError(f"{name} 应为单位编号列表（最多 10 个）", field=name,
                                  code="wrong_type")
        return tuple(dict.fromkeys(value))

    return check


def moment(value: Any, name: str) -> float:
    """An ISO-8601 date or datetime as epoch seconds; a date (18:00) or naive time is read in
    Asia/Shanghai."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} 应为日期时间（ISO 8601）", field=name, code="wrong_type")
    try:
        if len(value) == 10:
            when = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(18, 0))
        else:
            when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name} 不是有效的日期时间", field=name,
                              code="invalid_datetime") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=SHANGHAI)
    return when.timestamp()


def _strict_bool(message: str) -> Callable[[Any, str], bool]:
    def check(value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(message.format(name=name), field=name, code="wrong_type")
        return value

    return check


class LocationIn(BaseModel):
    """The schema of ``location`` (checked by ``domain.intake``)."""

    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)
    address: str | None = Field(default=None, max_length=200)


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

    def to_domain(self) -> Submission:
        return Submission(
            type=self.type, description=self.description, region_code=self.region_code,
            phone=self.phone, name=self.name, category=self.category, location=self.location,
            anonymous=self.anonymous, public=self.public, attachments=self.attachments,
            kb_entry_id=self.kb_entry_id, campaign_id=self.campaign_id)


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


# ------------------------------------------------------------------ staff actions
CONTACT_OUTCOMES = ("reached", "unreachable", "refused")
REJECT_CHANNELS = ("110报警", "119火警", "120急救", "人民法院", "仲裁机构", "信访部门",
                   "纪检监察机关", "公安机关", "其他")
MAX_NOTE = 2000
MAX_PLAN = 1000


VERSION = checked(version, int)     # the last field of every action: checked after the others


class Action(Body):
    """A staff action on a ticket; ``version`` is the ticket version the user saw."""

    optional_body: ClassVar[bool] = True
    null_is_empty: ClassVar[bool] = True


class Sign(Action):
    """签收."""

    version: VERSION


class Contact(Action):
    """The handler phoned the citizen."""

    outcome: choice(CONTACT_OUTCOMES, "invalid_outcome",
                    "outcome 应为 reached / unreachable / refused")
    note: Text(MAX_NOTE, required=False)
    version: VERSION


class Reply(Action):
    """答复, with its grade (C needs an approved extension or a ``plan``)."""

    text: Text(4000)
    grade: choice(GRADES, "invalid_grade",
                  "grade 应为 A（已解决）/B（已解释）/C（暂不能解决）/D（不认可）")
    plan: Text(MAX_PLAN, required=False)
    version: VERSION


class Extension(Action):
    """A request for a later deadline."""

    reason: Text(1000)
    new_due_at: checked(moment, dt.datetime, required=True)
    version: VERSION


class ExtensionDecision(Action):
    """The dispatch center approves or refuses a pending extension."""

    approve: checked(_strict_bool("{name} 应为 true 或 false"), bool, required=True)
    note: Text(MAX_NOTE, required=False)
    version: VERSION


class Reasoned(Action):
    """An action that needs a reason (退单, 提级)."""

    reason: Text(1000)
    version: VERSION


class CoUnits(Action):
    """Co-units (协办) brought in."""

    units: checked(unit_list(required=True), list[str], required=True, maxItems=10)
    version: VERSION


def _dispatch_category(value: Any, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationError("未知的诉求分类", field=name, code="unknown_category")
    return value


class Dispatch(Action):
    """The dispatch center sends the ticket to a unit (and may correct its category)."""

    unit_id: Text(64)
    co_units: checked(unit_list(required=False), list[str], maxItems=10)
    category: checked(_dispatch_category)
    version: VERSION


class Reject(Action):
    """不予受理, naming the right channel."""

    channel: choice(REJECT_CHANNELS, "invalid_channel",
                    "channel 应为：" + "、".join(REJECT_CHANNELS))
    reason: Text(1000)
    version: VERSION


class Note(Action):
    """A leader's supervision order (督办) or instruction (批示)."""

    note: Text(1000)
    version: VERSION


class PoolClose(Action):
    """销号 of a C or D ticket in the monitoring pool."""

    reason: Text(500)
    version: VERSION


class ReviewDecision(Action):
    """The social review's decision (社会评议)."""

    optional_body: ClassVar[bool] = False

    reasonable: checked(_strict_bool("{name} 应为 true（诉求合理）或 false（诉求不合理）"), bool,
                        required=True)
    note: Text(500)
    version: VERSION


def _flag(value: Any, name: str) -> bool:
    return True if value is None else _strict_bool("{name} 应为 true 或 false")(value, name)


class CallerFlag(Action):
    """Mark (``flag`` true, the default) or unmark the ticket's caller as malicious."""

    flag: checked(_flag, bool)
    reason: Text(500)
    version: VERSION


def _merge_note(value: Any, name: str) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 500):
        raise ValidationError(f"{name} 应为 500 字以内的文字", field=name, code="wrong_type")
    return (value or "").strip() or None


def _ticket_ref(value: Any, name: str) -> str:
    if value is None:
        raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
    if not isinstance(value, str) or len(value) != 26:
        raise ValidationError(f"{name} 应为工单编号", field=name, code="invalid_ticket")
    return value


class Unmerge(Action):
    """Undo a merge (并单), with a note."""

    note: checked(_merge_note, maxLength=500)
    version: VERSION


class Merge(Unmerge):
    """Merge this ticket (a duplicate) into another (并单)."""

    note: checked(_merge_note, maxLength=500)
    version: VERSION
    into: checked(_ticket_ref, required=True, minLength=26, maxLength=26)


def _withhold_reason(value: Any, name: str) -> str:
    from ..domain.disclosure import parse_withhold

    return parse_withhold({name: value})


class Withhold(Body):
    """Take a ticket out of public disclosure (不予公开), with a reason."""

    reason: checked(_withhold_reason, required=True)


ACTIONS: dict[str, type[Action]] = {
    "sign": Sign, "contact": Contact, "reply": Reply, "extension": Extension,
    "extension/decision": ExtensionDecision, "return": Reasoned, "co-units": CoUnits,
    "escalate": Reasoned, "dispatch": Dispatch, "reject": Reject, "supervise": Note,
    "instruction": Note,
}


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


# ------------------------------------------------------------------ query parameters
Param = Annotated[str | None, Field(default=None)]
Limit = Annotated[str | None, Field(default=None, description="1-100, default 20")]
Cursor = Annotated[str | None, Field(default=None, description="from the previous page")]
From = Annotated[str | None, Field(default=None, alias="from", description="YYYY-MM-DD")]
To = Annotated[str | None, Field(default=None, alias="to", description="YYYY-MM-DD")]


class Page(Query):
    limit: Limit
    cursor: Cursor


class QueueQuery(Page):
    status: Param
    light: Annotated[str | None, Field(default=None, description="green, yellow or red")]
    unit: Param


class LookupQuery(Page):
    code: Param
    phone: Param


class PeriodQuery(Query):
    start: From
    end: To


class MeasuresQuery(PeriodQuery):
    scope: Param
    granularity: Param
    unit: Param
    place: Param
    rank_by: Param


class UnitQuery(Query):
    unit: Param


class StatusQuery(Query):
    status: Param


class KbSearchQuery(Query):
    q: Param
    region_code: Param
    category: Param
    limit: Limit


class PublicListQuery(Page, PeriodQuery):
    category: Param
    township: Param
    status: Param


class SupervisionQuery(Query):
    all: Annotated[str | None, Field(default=None, description="1 or true: closed ones too")]


def query(model: type[Query], params: dict | None) -> Any:
    """Query parameters as ``model`` (an empty value counts as absent)."""
    values = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    return model.model_validate(values)


def model(name: str) -> type[BaseModel]:
    """A model by its name in this module (routes name their models without importing them)."""
    found = globals().get(name)
    if not (isinstance(found, type) and issubclass(found, BaseModel)):
        raise KeyError(name)
    return found


__all__ = ["parse", "coerce", "checked", "model", "ACTIONS", "Location"]
