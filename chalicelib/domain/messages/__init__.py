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

from .base import (  # noqa: F401 - the catalogue's one import path
    _PLACEHOLDER,
    ALIYUN,
    CATALOGUE,
    CITIZEN,
    CODE,
    ELLIPSIS,
    ESSENTIAL,
    LOW,
    MAX_MESSAGE,
    NAME,
    NORMAL,
    NUMBER,
    TENCENT_INDIVIDUAL,
    TENCENT_ORGANISATION,
    TEXT,
    TIME,
    UNIT,
    UNLIMITED,
    Message,
    ParameterTooLong,
    VariableRules,
    _check_kind,
    _shorten,
    param,
    template,
)
from .call import (  # noqa: F401 - the catalogue's one import path
    VoiceSurvey,
)
from .citizen import (  # noqa: F401 - the catalogue's one import path
    Accepted,
    AcceptedRouted,
    AcceptedUndated,
    Dispatched,
    Escalated,
    EvaluatedClosed,
    Extended,
    HandedOff,
    Merged,
    MergedReplied,
    NoOpenSurvey,
    OptedOut,
    Redispatched,
    Rejected,
    Reopened,
    RepeatAttached,
    Replied,
    Returned,
    ReviewExplained,
    ReviewQueued,
    ReviewRehandle,
    Signed,
    StatusReply,
    StatusReplyStep,
    StatusUnknown,
    Supervised,
    SupplementAdded,
    Survey,
    SurveyUnclear,
    TooShort,
    Unmerged,
)
from .followup import AskPlace, UnitOrderSteppedUp  # noqa: F401 - the catalogue's one import
from .unit import (  # noqa: F401 - the catalogue's one import path
    HotspotAlert,
    PoolDigest,
    ReportReady,
    UnitCoHandle,
    UnitContactReminder,
    UnitDeadlineMoved,
    UnitEmergency,
    UnitEmergencyCo,
    UnitEscalated,
    UnitKbExpired,
    UnitLookAgain,
    UnitLookAgainSaid,
    UnitNewTicket,
    UnitOverdue,
    UnitReminder,
    UnitReminderLastDay,
    UnitReviewRehandle,
    UnitSupervised,
)

SMS_TEMPLATES = tuple(name for name in CATALOGUE if name != VoiceSurvey.name)
