"""The callback survey (回访) and evaluation (评价): pure rules, no I/O.

- what a citizen's reply means: an answer (satisfaction 1-5 and/or solved / not solved), an
  opt-out (退订 / TD), or something else;
- when a survey may go out: the daytime window (08:00-21:00 Asia/Shanghai by default), at most
  one attempt per day, at most ``max_attempts`` attempts;
- what an answer does: satisfied closes the ticket (办结); dissatisfied (4-5, or not solved)
  reopens it to the same unit until the reopenings are used up, then social review (社会评议);
- a unit's scores, leaving out tickets social review excluded.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .calendar import SHANGHAI

# satisfaction: 1 非常满意 .. 5 非常不满意 (the order the survey SMS lists them)
SATISFACTION_LABELS_ZH = {1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意"}
RATING_KEYS = {1: "very_satisfied", 2: "satisfied", 3: "basically_satisfied",
               4: "dissatisfied", 5: "very_dissatisfied"}
DISSATISFIED_FROM = 4

SATISFIED = "satisfied"
DISSATISFIED = "dissatisfied"
NOT_EVALUATED = "not_evaluated"
EVALUATIONS = (SATISFIED, DISSATISFIED, NOT_EVALUATED)

ANSWER = "answer"
OPT_OUT = "opt_out"
UNKNOWN = "unknown"

REOPEN = "reopen"
REVIEW = "review"
CLOSE = "close"

# longest / negative first: "不满意" contains "满意", "没解决" contains "解决"
_SATISFACTION_WORDS = (
    ("非常不满意", 5), ("很不满意", 5), ("特别不满意", 5), ("不太满意", 4), ("不满意", 4),
    ("非常满意", 1), ("很满意", 1), ("特别满意", 1), ("基本满意", 3), ("比较满意", 2),
    ("满意", 2),
)
_RESOLVED_WORDS = (
    ("没有解决", False), ("没解决", False), ("未解决", False), ("还没解决", False),
    ("不解决", False), ("已经解决", True), ("已解决", True), ("解决了", True), ("解决", True),
)
_OPT_OUT_EXACT = frozenset({"TD", "STOP", "UNSUBSCRIBE", "退订", "取消订阅", "QXDY"})
_SEPARATORS = " \t\r\n,，.。、;；:：!！?？-—~～/\\|\"'“”‘’()（）[]【】"
_DIGIT_RE = re.compile(r"^([1-5])(?![0-9])")
SHORT_TEXT = 12           # a short message that merely contains an answer word is an answer


@dataclass(frozen=True)
class Answer:
    satisfaction: int | None = None      # 1..5
    resolved: bool | None = None
    comment: str | None = None

    def __post_init__(self):
        if self.satisfaction is not None and self.satisfaction not in SATISFACTION_LABELS_ZH:
            raise ValueError("satisfaction must be 1-5")
        if self.satisfaction is None and self.resolved is None:
            raise ValueError("an answer says something: satisfaction or resolved")


@dataclass(frozen=True)
class Reply:
    kind: str                            # answer | opt_out | unknown
    text: str                            # normalized text (NFKC, trimmed)
    answer: Answer | None = None


def normalize(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def _take_word(rest: str, words) -> tuple[object, str] | None:
    for word, value in words:
        if rest.startswith(word):
            return value, rest[len(word):]
    return None


def parse_reply(raw: str | None) -> Reply:
    """What a citizen's SMS means. Lenient about form ("4", "４", "4 不满意", "满意，已解决",
    "没解决"), strict about meaning: a long message that merely mentions 满意 is not an answer."""
    text = normalize(raw)
    bare = text.strip(_SEPARATORS)
    if not bare:
        return Reply(UNKNOWN, text)
    if bare.upper() in _OPT_OUT_EXACT or bare.startswith("退订"):
        return Reply(OPT_OUT, text)
    satisfaction: int | None = None
    resolved: bool | None = None
    rest = bare
    for _ in range(3):
        rest = rest.lstrip(_SEPARATORS)
        match = _DIGIT_RE.match(rest)
        if satisfaction is None and match:
            satisfaction, rest = int(match.group(1)), rest[1:]
            continue
        took = _take_word(rest, _SATISFACTION_WORDS)
        if took:                          # "4 不满意": the digit already said it
            satisfaction = took[0] if satisfaction is None else satisfaction
            rest = took[1]
            continue
        took = _take_word(rest, _RESOLVED_WORDS)
        if took:
            resolved = took[0] if resolved is None else resolved
            rest = took[1]
            continue
        break
    if satisfaction is None and resolved is None and len(bare) <= SHORT_TEXT:
        # "我不满意", "问题没解决啊": short, and the answer word is in it
        for word, value in _SATISFACTION_WORDS:
            if word in bare:
                satisfaction = value
                break
        for word, value in _RESOLVED_WORDS:
            if word in bare:
                resolved = value
                break
        rest = ""
    if satisfaction is None and resolved is None:
        return Reply(UNKNOWN, text)
    comment = rest.strip(_SEPARATORS) or None
    return Reply(ANSWER, text, Answer(satisfaction, resolved, comment))


def outcome(answer: Answer) -> str:
    """Dissatisfied when rated 4-5 or when the problem is not solved; otherwise satisfied."""
    if answer.resolved is False:
        return DISSATISFIED
    if answer.satisfaction is not None and answer.satisfaction >= DISSATISFIED_FROM:
        return DISSATISFIED
    return SATISFIED


def next_step(answer: Answer, reopen_count: int, max_reopen: int) -> str:
    """close (办结) | reopen (重办, same unit) | review (社会评议, the reopenings are used up)."""
    if outcome(answer) == SATISFIED:
        return CLOSE
    return REOPEN if int(reopen_count or 0) < max_reopen else REVIEW


def rating_key(answer: Answer) -> str:
    if answer.satisfaction is not None:
        return RATING_KEYS[answer.satisfaction]
    return "resolved" if answer.resolved else "not_resolved"


# ------------------------------------------------------------------ when a survey may go out
@dataclass(frozen=True)
class Window:
    """The daytime window in Asia/Shanghai, [start_hour, end_hour)."""

    start_hour: int = 8
    end_hour: int = 21

    def __post_init__(self):
        if not 0 <= self.start_hour < self.end_hour <= 24:
            raise ValueError("survey window: 0 <= start < end <= 24")

    def contains(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(SHANGHAI)
        return self.start_hour <= local.hour < self.end_hour

    def next_attempt(self, moment: dt.datetime) -> dt.datetime:
        """The next day (Shanghai), at the same time of day clamped into the window, so each
        attempt falls on its own day and inside the window."""
        local = moment.astimezone(SHANGHAI)
        day = local.date() + dt.timedelta(days=1)
        earliest = dt.time(self.start_hour, 0)
        latest_minutes = self.end_hour * 60 - 30          # leave room for the job's period
        clock = local.time().replace(microsecond=0)
        if clock < earliest:
            clock = earliest
        if clock.hour * 60 + clock.minute > latest_minutes:
            clock = dt.time(latest_minutes // 60, latest_minutes % 60)
        return dt.datetime.combine(day, clock, tzinfo=SHANGHAI)


def local_day(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).date().isoformat()


def may_attempt(last_day: str | None, moment: dt.datetime) -> bool:
    """Never two attempts on the same day."""
    return last_day is None or last_day < local_day(moment)


# ------------------------------------------------------------------ scores
@dataclass(frozen=True)
class Evaluated:
    """One ticket's final result, as the scores see it."""

    unit_id: str
    evaluation: str | None                   # satisfied | dissatisfied | not_evaluated | None
    satisfaction: int | None = None
    resolved: bool | None = None
    excluded: bool = False                   # social review judged the request unreasonable


@dataclass(frozen=True)
class UnitScore:
    unit_id: str
    counted: int            # tickets with a result that counts
    evaluated: int          # of which the citizen evaluated
    satisfied: int
    dissatisfied: int
    not_evaluated: int
    excluded: int           # left out by social review
    satisfaction_rate: float | None     # satisfied / evaluated
    resolution_rate: float | None       # resolved / answered whether resolved
    participation_rate: float | None    # evaluated / counted (参评率)
    score: float | None                 # mean of 100/80/60/40/20 for ratings 1..5

    def to_dict(self) -> dict:
        return dict(self.__dict__)


POINTS = {1: 100, 2: 80, 3: 60, 4: 40, 5: 20}


def _rate(n: int, d: int) -> float | None:
    return round(n / d, 4) if d else None


def unit_scores(items: Iterable[Evaluated]) -> dict[str, UnitScore]:
    """Per-unit satisfaction (三率 / 五率两评价 inputs). A ticket social review excluded is left
    out of everything but the ``excluded`` count."""
    acc: dict[str, dict] = {}
    for item in items:
        a = acc.setdefault(item.unit_id, {"counted": 0, "evaluated": 0, "satisfied": 0,
                                          "dissatisfied": 0, "not_evaluated": 0, "excluded": 0,
                                          "resolved": 0, "resolved_known": 0, "points": []})
        if item.excluded:
            a["excluded"] += 1
            continue
        if item.evaluation not in EVALUATIONS:
            continue
        a["counted"] += 1
        if item.evaluation == NOT_EVALUATED:
            a["not_evaluated"] += 1
            continue
        a["evaluated"] += 1
        a[item.evaluation] += 1
        if item.resolved is not None:
            a["resolved_known"] += 1
            a["resolved"] += int(bool(item.resolved))
        if item.satisfaction in POINTS:
            a["points"].append(POINTS[item.satisfaction])
    out = {}
    for unit_id, a in acc.items():
        points = a["points"]
        out[unit_id] = UnitScore(
            unit_id=unit_id, counted=a["counted"], evaluated=a["evaluated"],
            satisfied=a["satisfied"], dissatisfied=a["dissatisfied"],
            not_evaluated=a["not_evaluated"], excluded=a["excluded"],
            satisfaction_rate=_rate(a["satisfied"], a["evaluated"]),
            resolution_rate=_rate(a["resolved"], a["resolved_known"]),
            participation_rate=_rate(a["evaluated"], a["counted"]),
            score=round(sum(points) / len(points), 2) if points else None,
        )
    return out
