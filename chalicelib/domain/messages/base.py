"""The template machinery: typed parameters, provider variable rules, the catalogue
(``template`` registers a class). Pure Python."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

# priorities (the daily per-number quota keeps a reserve for ESSENTIAL: services/sms_delivery)
ESSENTIAL = "essential"      # the acceptance SMS (受理): a citizen must never be cut off from it
NORMAL = "normal"
LOW = "low"                  # reminders, clarifications: the first to stop near the quota

CITIZEN = "citizen"
UNIT = "unit"

# parameter kinds
CODE = "code"                # a ticket code: 13 digits, never shortened
TIME = "time"                # "11月23日10:00": never shortened
NUMBER = "number"
NAME = "name"                # a unit's name, a channel: shortened if a provider requires it
TEXT = "text"                # free text (a summary, a comment): shortened to fit

MAX_MESSAGE = 500            # both providers: the whole SMS, signature included
ELLIPSIS = "…"
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class ParameterTooLong(ValueError):
    """A parameter that must not be shortened does not fit the provider's rules."""

    def __init__(self, template: str, name: str, length: int, limit: int):
        super().__init__(f"{template}.{name}: {length} characters, the provider allows {limit}")
        self.template, self.name, self.length, self.limit = template, name, length, limit


@dataclass(frozen=True)
class VariableRules:
    """One provider account's limits on template variables."""

    provider: str
    max_variable: int | None          # characters per variable value (None: no limit)
    allow_empty: bool = True
    max_message: int = MAX_MESSAGE


TENCENT_INDIVIDUAL = VariableRules("tencent", 12)
TENCENT_ORGANISATION = VariableRules("tencent", None)
ALIYUN = VariableRules("aliyun", 35, allow_empty=False)
UNLIMITED = VariableRules("text", None)


def param(kind: str, max_len: int | None = None, choices: tuple[str, ...] = ()):
    """A template parameter: its kind, our own cap, and (optionally) the values it may take."""
    return field(metadata={"kind": kind, "max_len": max_len, "choices": choices})


def _check_kind(template: str, name: str, kind: str, value: str) -> None:
    if kind == CODE and not re.fullmatch(r"\d{13}", value):
        raise ValueError(f"{template}.{name}: not a ticket code: {value!r}")
    if kind == NUMBER and not value.isdigit():
        raise ValueError(f"{template}.{name}: not a number: {value!r}")


@dataclass(frozen=True)
class Message:
    """One SMS: a template and its parameters (subclasses are the catalogue)."""

    name: ClassVar[str]
    wording: ClassVar[str]
    priority: ClassVar[str] = NORMAL
    audience: ClassVar[str] = CITIZEN

    def __post_init__(self):
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, f.name, str(value))
                value = str(value)
            if not isinstance(value, str):
                raise TypeError(f"{self.name}.{f.name} must be text, not {type(value).__name__}")
            meta = f.metadata
            cap = meta.get("max_len")
            if cap and len(value) > cap:
                object.__setattr__(self, f.name, _shorten(value, cap))
            if meta.get("choices") and value not in meta["choices"]:
                raise ValueError(f"{self.name}.{f.name}: {value!r} not in {meta['choices']}")
            _check_kind(self.name, f.name, meta.get("kind", TEXT), value)

    # --- what a provider needs ---------------------------------------------------------------
    @classmethod
    def variables(cls) -> list[str]:
        """Placeholder names in the order they appear in the wording (Tencent's {1}, {2}...)."""
        return _PLACEHOLDER.findall(cls.wording)

    @classmethod
    def cap(cls, name: str) -> int | None:
        """Our own length cap for parameter ``name`` (free text is shortened to it)."""
        return next(f.metadata.get("max_len") for f in dataclasses.fields(cls) if f.name == name)

    def params(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.variables()}

    def param_list(self) -> list[str]:
        return list(self.params().values())

    @classmethod
    def tencent_text(cls) -> str:
        order = {name: i + 1 for i, name in enumerate(cls.variables())}
        return _PLACEHOLDER.sub(lambda m: f"{{{order[m.group(1)]}}}", cls.wording)

    @classmethod
    def aliyun_text(cls) -> str:
        return _PLACEHOLDER.sub(lambda m: f"${{{m.group(1)}}}", cls.wording)

    def text(self) -> str:
        """The body without the signature."""
        return self.wording.format(**self.params())

    def render(self, sign: str = "12345") -> str:
        """The whole SMS as the phone shows it: 【signature】 and the filled-in wording."""
        return f"【{sign}】{self.text()}"

    def fit(self, rules: VariableRules, sign: str = "12345") -> Message:
        """This message with its free text shortened to the provider's rules; a code, a time or
        a number that does not fit raises ``ParameterTooLong``."""
        kinds = {f.name: f.metadata.get("kind", TEXT) for f in dataclasses.fields(self)}
        changes = {}
        for name, value in self.params().items():
            if not value and not rules.allow_empty:
                raise ParameterTooLong(self.name, name, 0, 1)
            limit = rules.max_variable
            if limit is not None and len(value) > limit:
                if kinds[name] in (CODE, TIME, NUMBER):
                    raise ParameterTooLong(self.name, name, len(value), limit)
                changes[name] = _shorten(value, limit)
        fitted = dataclasses.replace(self, **changes) if changes else self
        total = len(fitted.render(sign))
        if total > rules.max_message:
            raise ParameterTooLong(self.name, "*", total, rules.max_message)
        return fitted


def _shorten(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters with an ellipsis; never inside a redaction
    placeholder such as ``[电话]`` (domain/redaction.py): a placeholder cut off is dropped."""
    if len(value) <= limit:
        return value
    cut = value[:max(limit - 1, 0)]
    opened = cut.rfind("[")
    if opened > cut.rfind("]"):
        cut = cut[:opened]
    return cut + ELLIPSIS


CATALOGUE: dict[str, type[Message]] = {}


def template(cls: type[Message]) -> type[Message]:
    """Register a template class in the catalogue (its ``name`` is the configuration key)."""
    if cls.name in CATALOGUE:
        raise ValueError(f"two templates named {cls.name!r}")
    names = cls.variables()
    if len(set(names)) != len(names):      # Tencent numbers each variable once: {1}, {2}...
        raise ValueError(f"{cls.name}: a placeholder used twice: {names}")
    unknown = set(names) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise ValueError(f"{cls.name}: placeholders without a parameter: {sorted(unknown)}")
    CATALOGUE[cls.name] = cls
    return cls


def define(cls_name: str, name: str, *, wording: str, priority: str = NORMAL,
           audience: str = CITIZEN, **params: str | dataclasses.Field) -> type[Message]:
    """One row of the catalogue: a frozen :class:`Message` dataclass named ``cls_name``, with a
    text parameter per keyword in order (its kind, or ``param(kind, cap, choices)``), registered
    by :func:`template`."""
    fields = [(pname, str, spec if isinstance(spec, dataclasses.Field) else param(spec))
              for pname, spec in params.items()]
    namespace = {"name": name, "wording": wording, "priority": priority, "audience": audience,
                 "__module__": __name__.rsplit(".", 1)[0]}
    cls = dataclasses.make_dataclass(cls_name, fields, bases=(Message,), frozen=True,
                                     namespace=namespace)
    return template(cls)


def load(filename: str) -> dict[str, type[Message]]:
    """The catalogue rows of a data file beside this module (TOML: a table per template, in
    order; a parameter is a kind, or ``{kind, cap, choices}``)."""
    import tomllib
    rows = tomllib.loads(Path(__file__).with_name(filename).read_text(encoding="utf-8"))
    out = {}
    for cls_name, row in rows.items():
        params = {pname: spec if isinstance(spec, str) else param(
            spec["kind"], spec.get("cap"), tuple(spec.get("choices", ())))
            for pname, spec in (row.get("params") or {}).items()}
        out[cls_name] = define(cls_name, row["name"], wording=row["wording"],
                               priority=row.get("priority", NORMAL),
                               audience=row.get("audience", CITIZEN), **params)
    return out
