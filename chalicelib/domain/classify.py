"""Suggest a minor category for a request text (工单分类建议).

Two kinds of evidence are added up per minor category:

* keyword hits: the category's keywords (and its name) found in the text. A hit that lies
  inside a longer hit is dropped ("突然停电" hides "停电"); a keyword shared by several
  categories counts for less; longer keywords count for more. Hits on a major category's
  keywords confirm those of its minors that already have evidence.
* similarity to past routed tickets: tf-idf cosine between the text's jieba tokens and each
  category's centroid, learned from examples and :meth:`Classifier.learn`.

The confidence of the best category is its share of all evidence plus a fixed "unknown" mass,
so a single clear keyword gives about 0.6, two or more give 0.7 and up, competing categories
or faint evidence fall below 0.5 and send the ticket to the review queue. No evidence at all
gives ``category=None`` and confidence 0.

jieba loads its dictionary (about a second) on first use, once per process; importing this
module does nothing.
"""

from __future__ import annotations

import logging
import math
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.catalog import Category

TOP_N = 5
KEYWORD_WEIGHT = 1.5  # evidence of one two-character keyword that no other category shares
UNKNOWN_MASS = 1.0  # evidence of "none of these" that every suggestion competes with
SIMILARITY_WEIGHT = 2.0
SIMILARITY_FLOOR = 0.1  # cosine below this is noise
SIMILARITY_TOP = 3  # only the nearest few categories get similarity evidence
MAJOR_BONUS = 0.3  # share of a major keyword's weight given to its minors with evidence

_STOPWORDS = frozenset(
    """
    一下 一个 一些 一直 一样 不是 不能 为什么 什么 怎么 怎么样 这个 那个 这些 那些 这样 那样
    我们 你们 他们 她们 自己 大家 现在 已经 还是 还有 可以 能否 能不能 是否 希望 请问 麻烦
    问题 情况 反映 反应 投诉 举报 咨询 诉求 相关 部门 处理 解决 帮忙 帮助 尽快 及时 谢谢
    有人 有个 没有 但是 因为 所以 如果 就是 而且 或者 以及 并且 然后 目前 之前 之后 时候
    一下子 多次 好几 几次 每天 经常 今天 昨天 明天 今年 去年 市民 群众 本人 家里 这里 那里
    事情 东西 地方 不管 没人管 管管 怎么办 办法 你好 您好 请求 要求 一直 总是 还是 这么 那么
    """.split()
)

_lock = threading.Lock()
_tokenizer: Any = None
_added_words: set[str] = set()


def _get_tokenizer() -> Any:
    """The process-wide jieba tokenizer, created and initialized on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def _add_words(words: Iterable[str]) -> None:
    """Teach jieba the multi-character keywords so they come out as single tokens."""
    tokenizer = _get_tokenizer()
    with _lock:
        for word in words:
            if len(word) >= 2 and word not in _added_words:
                tokenizer.add_word(word)
                _added_words.add(word)


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split())


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens of at least two characters, without stopwords or numbers."""
    norm = normalize(text)
    if not norm:
        return []
    tokens = []
    for token in _get_tokenizer().lcut_for_search(norm):
        if len(token) < 2 or token in _STOPWORDS or token.isdigit():
            continue
        if not any(ch.isalnum() for ch in token):
            continue
        tokens.append(token)
    return tokens


@dataclass(frozen=True)
class Suggestion:
    category: str | None
    confidence: float
    scores: tuple[tuple[str, float], ...]  # top few (category, share of evidence), best first


class Classifier:
    """Keyword + tf-idf classifier over the minor categories."""

    def __init__(
        self, categories: Sequence[Category], examples: Sequence[tuple[str, str]] = ()
    ) -> None:
        self._minors = {c.code: c for c in categories if c.level == 2}
        if not self._minors:
            raise ValueError("the classifier needs at least one minor category")
        self._children: dict[str, list[str]] = defaultdict(list)
        for cat in self._minors.values():
            if cat.parent is not None:
                self._children[cat.parent].append(cat.code)
        # term -> categories it is a keyword of (minor terms and major terms kept apart)
        self._minor_terms: dict[str, set[str]] = defaultdict(set)
        for cat in self._minors.values():
            for term in (*cat.keywords, cat.name):
                term = normalize(term)
                if term:
                    self._minor_terms[term].add(cat.code)
        self._major_terms: dict[str, set[str]] = defaultdict(set)
        for cat in categories:
            if cat.level == 1 and self._children.get(cat.code):
                for term in cat.keywords:
                    term = normalize(term)
                    if term:
                        self._major_terms[term].add(cat.code)
        self._words_added = False
        self._docs: list[tuple[str, Counter[str]]] = []
        self._pending: list[tuple[str, str]] = []
        self._dirty = True
        self._idf: dict[str, float] = {}
        self._centroids: dict[str, dict[str, float]] = {}
        for text, category in examples:
            self._check_category(category)
            self._pending.append((text, category))

    # -- training ---------------------------------------------------------------------------

    def learn(self, text: str, category: str) -> None:
        """Add a past routed ticket (its text and the minor category it was routed under)."""
        self._check_category(category)
        self._pending.append((text, category))
        self._dirty = True

    def _check_category(self, category: str) -> None:
        if category not in self._minors:
            raise ValueError(f"unknown minor category {category!r}")

    def _ensure_ready(self) -> None:
        if not self._words_added:
            _add_words(list(self._minor_terms) + list(self._major_terms))
            self._words_added = True
        if self._pending:
            for text, category in self._pending:
                tokens = Counter(tokenize(text))
                if tokens:
                    self._docs.append((category, tokens))
            self._pending.clear()
            self._dirty = True
        if self._dirty:
            self._rebuild()
            self._dirty = False

    def _rebuild(self) -> None:
        df: Counter[str] = Counter()
        for _, tokens in self._docs:
            df.update(tokens.keys())
        n = len(self._docs)
        self._idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}
        sums: dict[str, Counter[str]] = defaultdict(Counter)
        for category, tokens in self._docs:
            vec = _unit({t: (1 + math.log(c)) * self._idf[t] for t, c in tokens.items()})
            sums[category].update(vec)
        self._centroids = {cat: _unit(dict(vec)) for cat, vec in sums.items()}

    # -- prediction -------------------------------------------------------------------------

    def suggest(self, text: str) -> Suggestion:
        """The most likely minor category with a confidence in [0, 1]."""
        norm = normalize(text)
        if not norm:
            return Suggestion(None, 0.0, ())
        self._ensure_ready()
        evidence: dict[str, float] = defaultdict(float)
        self._keyword_evidence(norm, evidence)
        self._similarity_evidence(norm, evidence)
        evidence = {c: e for c, e in evidence.items() if e > 0}
        if not evidence:
            return Suggestion(None, 0.0, ())
        total = sum(evidence.values()) + UNKNOWN_MASS
        ranked = sorted(evidence.items(), key=lambda kv: (-kv[1], kv[0]))
        scores = tuple((c, round(e / total, 4)) for c, e in ranked[:TOP_N])
        best, best_e = ranked[0]
        return Suggestion(best, round(min(1.0, best_e / total), 4), scores)

    def _keyword_evidence(self, norm: str, evidence: dict[str, float]) -> None:
        hits: list[tuple[int, int, str]] = []
        for term in (*self._minor_terms, *self._major_terms):
            start = norm.find(term)
            while start >= 0:
                hits.append((start, start + len(term), term))
                start = norm.find(term, start + 1)
        kept: set[str] = set()
        for start, end, term in hits:
            covered = any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in hits)
            if not covered:
                kept.add(term)
        for term in kept:
            for cat in self._minor_terms.get(term, ()):
                evidence[cat] += _term_weight(term, len(self._minor_terms[term]))
        for term in kept:
            majors = self._major_terms.get(term, ())
            for major in majors:
                bonus = MAJOR_BONUS * _term_weight(term, len(majors))
                for cat in self._children[major]:
                    if evidence.get(cat, 0.0) > 0:
                        evidence[cat] += bonus

    def _similarity_evidence(self, norm: str, evidence: dict[str, float]) -> None:
        tokens = Counter(tokenize(norm))
        if not tokens or not self._centroids:
            return
        query = _unit(
            {t: (1 + math.log(c)) * self._idf[t] for t, c in tokens.items() if t in self._idf}
        )
        if not query:
            return
        sims = []
        for cat, centroid in self._centroids.items():
            cos = sum(w * centroid.get(t, 0.0) for t, w in query.items())
            if cos >= SIMILARITY_FLOOR:
                sims.append((cos, cat))
        for cos, cat in sorted(sims, reverse=True)[:SIMILARITY_TOP]:
            evidence[cat] += SIMILARITY_WEIGHT * cos


def _term_weight(term: str, shared_by: int) -> float:
    """Longer keywords weigh more; a keyword shared by several categories weighs less."""
    length_factor = 1.0 + 0.25 * min(max(len(term) - 2, 0), 2)
    return KEYWORD_WEIGHT * length_factor / math.sqrt(shared_by)


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    if norm == 0:
        return {}
    return {k: v / norm for k, v in vec.items()}


_default: Classifier | None = None


def default_classifier() -> Classifier:
    """A process-wide classifier over the bundled categories and routed examples."""
    global _default
    if _default is None:
        from chalicelib.domain.catalog import load_categories, load_routed_examples

        classifier = Classifier(load_categories(), load_routed_examples())
        with _lock:
            if _default is None:
                _default = classifier
    return _default
