"""Every SMS (and the survey call's script) minyi sends: the one place their wording lives.

Chinese SMS providers send only pre-approved templates: a signature (签名, shown as 【12345】),
a template id (Tencent ``TemplateId``) or code (Aliyun ``TemplateCode``) and the parameters. So
each message is a named template class with typed parameters:

- ``wording`` is the approved text, with ``{name}`` placeholders. ``tencent_text()`` and
  ``aliyun_text()`` give the text to submit for approval in each provider's syntax
  (``{1}``/``${name}``); ``render()`` fills it in for SNS and the local adapters.
- the template ids come from configuration (``MINYI_SMS_TEMPLATE_IDS``), never from here.
- ``fit(rules)`` checks the parameters against a provider's variable rules: free text is
  shortened to fit, a ticket code or a time that does not fit is refused
  (``ParameterTooLong``), never cut.

Provider rules (checked 2026): Tencent Cloud SMS allows at most 12 characters per variable value
for individually verified accounts and does not limit a single variable for organisation
(企业/政府) accounts; a whole message, signature included, at most 500 characters. Aliyun SMS
notification templates allow 1-35 characters per variable (never empty) and 500 in all.

Pure Python: no AWS, no provider SDK.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
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


# ================================================================== to the citizen
@template
@dataclass(frozen=True)
class Accepted(Message):
    name = "accepted"
    priority = ESSENTIAL
    wording = ("您的诉求已受理，工单号{code}，将在{due}前答复。"
               "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。")
    code: str = param(CODE)
    due: str = param(TIME)
    query: str = param(CODE)         # the same code, quoted for the "查询" reply


@template
@dataclass(frozen=True)
class AcceptedUndated(Message):
    """Accepted and answered at once (the knowledge base): no deadline to promise."""

    name = "accepted_undated"
    priority = ESSENTIAL
    wording = ("您的诉求已受理，工单号{code}。"
               "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。")
    code: str = param(CODE)
    query: str = param(CODE)


@template
@dataclass(frozen=True)
class AcceptedRouted(Message):
    name = "accepted_routed"
    priority = ESSENTIAL
    wording = ("您的诉求已受理，工单号{code}，已转交{unit}办理，将在{due}前答复。"
               "凭工单号和手机号后4位可在网上查询进度，或回复“查询 {query}”。")
    code: str = param(CODE)
    unit: str = param(NAME, 30)
    due: str = param(TIME)
    query: str = param(CODE)


@template
@dataclass(frozen=True)
class Dispatched(Message):
    name = "dispatched"
    wording = "您的工单{code}已转交{unit}办理，办理单位将尽快与您联系。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class Redispatched(Message):
    name = "redispatched"
    wording = "您的工单{code}已重新派发至{unit}办理。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class Returned(Message):
    name = "returned"
    wording = "您的工单{code}正在重新确定办理单位，请耐心等待。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class Replied(Message):
    name = "replied"
    wording = "您的工单{code}已办理答复，请在小程序查看答复内容。稍后将请您评价办理结果。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class Extended(Message):
    name = "extended"
    wording = "您的工单{code}办理期限已延长至{due}，感谢您的理解。"
    code: str = param(CODE)
    due: str = param(TIME)


@template
@dataclass(frozen=True)
class Rejected(Message):
    name = "rejected"
    wording = "您的工单{code}不属于热线受理范围，建议您通过{channel}反映。"
    code: str = param(CODE)
    channel: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class Survey(Message):
    name = "survey"
    wording = ("您的工单{code}已办理答复，请评价：回复1非常满意 2满意 3基本满意 4不满意 "
               "5非常不满意，可加“解决”或“没解决”（如“2 解决”）。回复TD退订")
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class SurveyUnclear(Message):
    name = "survey_unclear"
    priority = LOW
    wording = ("未能识别您的回复。请回复数字1-5评价工单{code}：1非常满意 2满意 3基本满意 "
               "4不满意 5非常不满意。")
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class NoOpenSurvey(Message):
    name = "no_open_survey"
    priority = LOW
    wording = "您目前没有待评价的工单。如需反映诉求，请直接发送诉求内容（至少5个字）。"


@template
@dataclass(frozen=True)
class TooShort(Message):
    name = "too_short"
    priority = LOW
    wording = "请用至少5个字描述您的诉求，我们将为您登记并转交办理。"


@template
@dataclass(frozen=True)
class OptedOut(Message):
    name = "opted_out"
    wording = "您已退订12345回访短信，今后不再向您发送回访评价短信。"


@template
@dataclass(frozen=True)
class SupplementAdded(Message):
    name = "supplement_added"
    priority = LOW
    wording = "已将您的短信内容补充到工单{code}。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class EvaluatedClosed(Message):
    name = "evaluated_closed"
    wording = "感谢您的评价，工单{code}已办结。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class Reopened(Message):
    name = "reopened"
    wording = "收到您的评价，工单{code}已重新交{unit}办理，办理单位将再次与您联系。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class ReviewQueued(Message):
    name = "review_queued"
    wording = "您对工单{code}的办理结果仍不满意，已提交社会评议，评议结果将短信告知您。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class ReviewRehandle(Message):
    name = "review_rehandle"
    wording = "经社会评议，工单{code}将由{unit}在督办下重新办理。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)


@template
@dataclass(frozen=True)
class ReviewExplained(Message):
    name = "review_explained"
    wording = "经社会评议，工单{code}的办理符合规定。说明：{note}。工单已办结，感谢您的理解。"
    code: str = param(CODE)
    note: str = param(TEXT, 200)


# duplicates, merging (并单) and repeat requests (services/duplicates.py, merging.py)
@template
@dataclass(frozen=True)
class RepeatAttached(Message):
    name = "repeat_attached"
    wording = ("您反映的问题与您的工单{code}为同一诉求，已作为补充材料并入该工单办理，"
               "请留意该工单的办理进度。")
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class Merged(Message):
    name = "merged"
    wording = ("您的工单{code}与工单{primary}反映的是同一问题，已合并办理，"
               "办理结果将短信告知您。可凭工单号{track}查询进度。")
    code: str = param(CODE)
    primary: str = param(CODE)
    track: str = param(CODE)         # the primary's code again, to track progress by


@template
@dataclass(frozen=True)
class Unmerged(Message):
    name = "unmerged"
    wording = "您的工单{code}已恢复单独办理，办理单位将与您联系。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class MergedReplied(Message):
    name = "merged_replied"
    wording = ("您的工单{code}（与工单{primary}合并办理）已办理答复，"
               "请在小程序查看答复内容。稍后将请您评价办理结果。")
    code: str = param(CODE)
    primary: str = param(CODE)


# the answer to "查询 <code>" (services/inbound_sms.py)
@template
@dataclass(frozen=True)
class StatusReply(Message):
    name = "status_reply"
    priority = LOW
    wording = "您的工单{code}当前状态：{status}。"
    code: str = param(CODE)
    status: str = param(NAME, 20)


@template
@dataclass(frozen=True)
class StatusReplyStep(Message):
    name = "status_reply_step"
    priority = LOW
    wording = "您的工单{code}当前状态：{status}，最新进展：{step}。"
    code: str = param(CODE)
    status: str = param(NAME, 20)
    step: str = param(NAME, 20)


@template
@dataclass(frozen=True)
class StatusUnknown(Message):
    name = "status_unknown"
    priority = LOW
    wording = "未查到该工单。请核对13位工单号，并用提交诉求的手机号码发送“查询 工单号”。"


# ================================================================== to a unit's on-duty phone
@template
@dataclass(frozen=True)
class UnitNewTicket(Message):
    name = "unit_new_ticket"
    audience = UNIT
    wording = "新工单{code}已派至贵单位，请于{due}前签收并联系诉求人。内容：{summary}"
    code: str = param(CODE)
    due: str = param(TIME)
    summary: str = param(TEXT, 30)


@template
@dataclass(frozen=True)
class UnitLookAgain(Message):
    name = "unit_look_again"
    audience = UNIT
    wording = ("回头看：工单{code}的诉求人对办理结果不满意（第{count}次重办），"
               "请重新签收办理并联系诉求人。")
    code: str = param(CODE)
    count: str = param(NUMBER)


@template
@dataclass(frozen=True)
class UnitLookAgainSaid(Message):
    name = "unit_look_again_said"
    audience = UNIT
    wording = ("回头看：工单{code}的诉求人对办理结果不满意（第{count}次重办），"
               "请重新签收办理并联系诉求人。诉求人意见：{comment}")
    code: str = param(CODE)
    count: str = param(NUMBER)
    comment: str = param(TEXT, 30)


@template
@dataclass(frozen=True)
class UnitReviewRehandle(Message):
    name = "unit_review_rehandle"
    audience = UNIT
    wording = "工单{code}经社会评议需重新办理，已列入督办，请尽快签收办理并联系诉求人。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class UnitOverdue(Message):
    name = "unit_overdue"
    audience = UNIT
    wording = "工单{code}在{unit}已超过{phase}期限，已列入待督办，请督促办理。"
    code: str = param(CODE)
    unit: str = param(NAME, 30)
    phase: str = param(NAME, choices=("签收", "答复", "研判派单", "办理"))


@template
@dataclass(frozen=True)
class UnitEscalated(Message):
    name = "unit_escalated"
    audience = UNIT
    wording = "工单{code}因下级超期已提级至贵单位，请于{due}前办理。"
    code: str = param(CODE)
    due: str = param(TIME)


@template
@dataclass(frozen=True)
class UnitCoHandle(Message):
    name = "unit_co_handle"
    audience = UNIT
    wording = "工单{code}邀请贵单位协办，请配合主办单位办理。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class UnitSupervised(Message):
    name = "unit_supervised"
    audience = UNIT
    wording = "工单{code}已被督办，请加快办理。"
    code: str = param(CODE)


@template
@dataclass(frozen=True)
class UnitReminder(Message):
    name = "unit_reminder"
    audience = UNIT
    priority = LOW
    wording = "工单{code}将于{due}到{phase}期限，请及时办理。"
    code: str = param(CODE)
    due: str = param(TIME)
    phase: str = param(NAME, choices=("签收", "答复"))


@template
@dataclass(frozen=True)
class UnitReminderLastDay(Message):
    name = "unit_reminder_last_day"
    audience = UNIT
    priority = LOW
    wording = "工单{code}今天到{phase}期限（{due}），请务必及时办理。"
    code: str = param(CODE)
    phase: str = param(NAME, choices=("签收", "答复"))
    due: str = param(TIME)


@template
@dataclass(frozen=True)
class UnitDeadlineMoved(Message):
    """The State Council's holiday notice moved a deadline (services/calendar_notice.py)."""

    name = "unit_deadline_moved"
    audience = UNIT
    wording = "因国务院节假日安排调整，工单{code}的办理期限改为{due}，请按新期限办理。"
    code: str = param(CODE)
    due: str = param(TIME)


@template
@dataclass(frozen=True)
class ReportReady(Message):
    """A scheduled measures report for a level's leaders (services/measure_reports.py)."""

    name = "report_ready"
    audience = UNIT
    priority = LOW
    wording = "{title}已生成，请查阅：{url}"
    title: str = param(NAME)
    url: str = param(TEXT)


@template
@dataclass(frozen=True)
class HotspotAlert(Message):
    """A hotspot for a place's leaders (services/hotspots.py)."""

    name = "hotspot_alert"
    audience = UNIT
    wording = "热点预警：{place}「{category}」类诉求{detail}，请关注研判。"
    place: str = param(NAME)
    category: str = param(NAME)
    detail: str = param(TEXT)


@template
@dataclass(frozen=True)
class PoolDigest(Message):
    """The daily monitoring-pool count for a unit (services/pool.py)."""

    name = "pool_digest"
    audience = UNIT
    priority = LOW
    wording = "{unit}：工单监测池中有{count}件C/D类工单尚未销号，请跟进办理。"
    unit: str = param(NAME)
    count: str = param(NUMBER)


@template
@dataclass(frozen=True)
class UnitKbExpired(Message):
    """A unit's knowledge-base entry passed its validity date (services/kb.py)."""

    name = "unit_kb_expired"
    audience = UNIT
    priority = LOW
    wording = "贵单位的知识库条目“{question}”有效期至{until}，已停止展示，请更新后重新提交审核。"
    question: str = param(TEXT, 20)
    until: str = param(TIME)


# ================================================================== the survey call (语音通知)
@template
@dataclass(frozen=True)
class VoiceSurvey(Message):
    """The script of the survey call (Tencent VMS TTS template): one key press answers."""

    name = "voice_survey"
    wording = ("您好，这里是12345热线回访。您反映的工单{code}已办理答复。"
               "非常满意请按1，满意请按2，基本满意请按3，不满意请按4，非常不满意请按5。")
    code: str = param(CODE)


SMS_TEMPLATES = tuple(name for name in CATALOGUE if name != VoiceSurvey.name)
