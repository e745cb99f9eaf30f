"""The knowledge base (知识库, seed 001; 国办发〔2020〕53号): entries, their validation, and a
ranked search. Pure: no I/O.

Search is Okapi BM25 over jieba tokens (``classify.tokenize``: search mode, stopwords out),
over a small in-memory index of the approved entries that are still valid and apply to the
place asked about. The index is rebuilt when the entries change; an entry past its
``valid_until`` is filtered out on every read, whatever the index holds. BM25 is written out
here (a few lines) rather than taken from rank-bm25, which would bring numpy into the Lambda
bundle.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ValidationError

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
MAX_QUESTION, MAX_ANSWER = 200, 4000
K1, B = 1.5, 0.75
CATEGORY_BOOST = 1.3
DEFAULT_RESULTS = 5
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CATEGORY = re.compile(r"^[A-Z]\d{2,6}$")
_REGION = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Entry:
    entry_id: str
    question: str
    answer: str
    unit_id: str
    valid_until: str                      # YYYY-MM-DD, local; the last day it is shown
    category: str | None = None
    region_scope: str | None = None       # a region code; None = the whole city
    status: str = PENDING
    extra: Mapping[str, Any] = field(default_factory=dict)

    def valid_on(self, day: str) -> bool:
        return self.valid_until >= day

    def applies_to(self, chain: Iterable[str] | None) -> bool:
        return self.region_scope is None or chain is None or self.region_scope in set(chain)

    def to_dict(self) -> dict:
        return {"id": self.entry_id, "question": self.question, "answer": self.answer,
                "unit_id": self.unit_id, "valid_until": self.valid_until,
                "category": self.category, "region_scope": self.region_scope,
                "status": self.status, **dict(self.extra)}


def _text(body: Mapping, name: str, max_len: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"缺少必填项：{name}", field=name, code="missing_field")
    if len(value) > max_len:
        raise ValidationError(f"{name} 不能超过 {max_len} 个字", field=name, code="too_long")
    return value.strip()


def parse_entry(body: Any, today: str) -> dict:
    """The fields a unit writes: question, answer, valid_until, and optionally category and
    region_scope (existence of the category and region is the service's check)."""
    if not isinstance(body, dict):
        raise ValidationError("请求内容应为 JSON 对象", code="wrong_type")
    unknown = set(body) - {"question", "answer", "valid_until", "category", "region_scope"}
    if unknown:
        name = sorted(unknown)[0]
        raise ValidationError(f"不认识的字段：{name}", field=name, code="unknown_field")
    valid_until = body.get("valid_until")
    if not isinstance(valid_until, str) or not _DATE.match(valid_until):
        raise ValidationError("valid_until 应为 YYYY-MM-DD", field="valid_until",
                              code="invalid_date")
    try:
        dt.date.fromisoformat(valid_until)
    except ValueError:
        raise ValidationError("valid_until 不是有效日期", field="valid_until",
                              code="invalid_date") from None
    if valid_until < today:
        raise ValidationError("有效期不能早于今天", field="valid_until", code="invalid_date")
    category = body.get("category")
    if category is not None and (not isinstance(category, str) or not _CATEGORY.match(category)):
        raise ValidationError("诉求分类不正确", field="category", code="unknown_category")
    scope = body.get("region_scope")
    if scope is not None and (not isinstance(scope, str) or not _REGION.match(scope)):
        raise ValidationError("地区编码不正确", field="region_scope", code="unknown_region")
    return {"question": _text(body, "question", MAX_QUESTION),
            "answer": _text(body, "answer", MAX_ANSWER), "valid_until": valid_until,
            "category": category, "region_scope": scope}


class Index:
    """BM25 over the question (twice: it says what the entry is about) and the answer."""

    def __init__(self, entries: Iterable[Entry], tokenize: Callable[[str], list[str]]):
        self.entries = list(entries)
        self._tokenize = tokenize
        self._docs = [Counter(tokenize(e.question) * 2 + tokenize(e.answer))
                      for e in self.entries]
        self._lengths = [sum(d.values()) for d in self._docs]
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0
        df: Counter = Counter()
        for doc in self._docs:
            df.update(doc.keys())
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, text: str, *, today: str, chain: Iterable[str] | None = None,
               category: str | None = None, limit: int = DEFAULT_RESULTS,
               ) -> list[tuple[Entry, float]]:
        terms = self._tokenize(text or "")
        chain = list(chain) if chain is not None else None
        scored = []
        for entry, doc, length in zip(self.entries, self._docs, self._lengths, strict=True):
            if entry.status != APPROVED or not entry.valid_on(today) or \
                    not entry.applies_to(chain):
                continue
            score = 0.0
            for term in terms:
                tf = doc.get(term, 0)
                if tf:
                    norm = tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / (self._avg or 1)))
                    score += self._idf[term] * norm
            if score <= 0:
                continue
            if category and entry.category and (entry.category == category
                                                or category.startswith(entry.category)):
                score *= CATEGORY_BOOST
            scored.append((entry, round(score, 4)))
        scored.sort(key=lambda pair: (-pair[1], pair[0].entry_id))
        return scored[:limit]
