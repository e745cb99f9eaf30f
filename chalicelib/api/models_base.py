"""The one field helper and the one parse function of the request models (``api/models.py``).

:func:`parse` turns a decoded body into its model or raises the project's
:class:`~chalicelib.domain.errors.ValidationError` exactly as clients have always seen it (400, a
stable ``code``, a Chinese ``message``, the offending ``field``). Every field is declared with
:func:`checked`: a plain function ``check(value, name)`` that returns the clean value or raises the
domain error (the domain's own rules where they exist: phone numbers, attachment keys,
locations). Fields are checked in the order they are declared and the first failure is reported,
so a model's field order is the order clients have always been told about problems; an unknown
field (where a model forbids them) is reported before anything else. Pydantic and the domain
only: never services or AWS.
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationInfo
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from ..domain.calendar import SHANGHAI
from ..domain.errors import ValidationError

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
