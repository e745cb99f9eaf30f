"""Suggest a minor category for a request text (工单分类建议).

Two kinds of evidence are added up per minor category:

* keyword hits: the category's keywords (and its name) found in the text. A hit that lies
  inside a longer hit is dropped ("突然停电" hides "停电"); a keyword shared by several
  categories counts for less; longer keywords count for more. Hits on a major category's
  keywords confirm those of its minors that already have evidence.
* similarity to past routed tickets: tf-idf cosine between the text's jieba tokens and each
  category's centroid, learned from examples and :meth:`Classifier.learn`. What is learned is
  kept as :class:`Stats` (document frequencies and, per category, the sum of its examples'
  length-normalised term weights): statistics that add up, so the model is a compact artifact
  (``classifier_model.json`` for the shipped examples, DynamoDB for what dispatchers taught)
  instead of every example re-tokenised on each cold start. The idf weights are applied to the
  sums when the centroids are built.

The confidence of the best category is its share of all evidence plus a fixed "unknown" mass,
so a single clear keyword gives about 0.6, two or more give 0.7 and up, competing categories
or faint evidence fall below 0.5 and send the ticket to the review queue. No evidence at all
gives ``category=None`` and confidence 0.

jieba loads its dictionary (about a second) on first use, once per process; importing this
module does nothing.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
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


@dataclass
class Stats:
    """What the similarity evidence learns, in a form that adds up: ``n`` examples, ``df`` (how
    many examples hold each token) and, per category, the sum of each example's unit-length
    sublinear term weights. Two Stats of disjoint examples merge into the Stats of both."""

    n: int = 0
    df: Counter[str] = field(default_factory=Counter)
    sums: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, category: str, tokens: Counter[str]) -> None:
        if not tokens:
            return
        self.n += 1
        self.df.update(tokens.keys())
        self.sums.setdefault(category, Counter()).update(
            _unit({t: 1 + math.log(c) for t, c in tokens.items()}))

    def merge(self, other: Stats) -> Stats:
        out = Stats(self.n + other.n, self.df + other.df,
                    {c: Counter(v) for c, v in self.sums.items()})
        for category, vec in other.sums.items():
            out.sums.setdefault(category, Counter()).update(vec)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "df": dict(sorted(self.df.items())),
                "sums": {c: {t: round(w, 6) for t, w in sorted(v.items())}
                         for c, v in sorted(self.sums.items())}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stats:
        return cls(int(data.get("n", 0)), Counter(data.get("df") or {}),
                   {c: Counter(v) for c, v in (data.get("sums") or {}).items()})


@dataclass(frozen=True)
class Suggestion:
    category: str | None
    confidence: float
    scores: tuple[tuple[str, float], ...]  # top few (category, share of evidence), best first


class Classifier:
    """Keyword + tf-idf classifier over the minor categories."""

    def __init__(
        self, categories: Sequence[Category], examples: Sequence[tuple[str, str]] = (),
        stats: Stats | None = None,
    ) -> None:
        """``examples`` are tokenised on first use; ``stats`` is what was learned already
        (a model artifact), added to them."""
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
        self._stats = Stats()
        if stats is not None:
            self.learn_stats(stats)
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

    def stats(self) -> Stats:
        """Everything learned so far (examples given, learned, and the stats passed in)."""
        self._ensure_ready()
        return Stats().merge(self._stats)

    def example_stats(self, text: str, category: str) -> Stats:
        """The statistics one example adds (tokenised as this classifier tokenises, with the
        catalog's keywords as words), to keep in a model store."""
        self._check_category(category)
        self._ensure_words()
        stats = Stats()
        stats.add(category, Counter(tokenize(text)))
        return stats

    def _ensure_words(self) -> None:
        if not self._words_added:
            _add_words(list(self._minor_terms) + list(self._major_terms))
            self._words_added = True

    def learn_stats(self, stats: Stats) -> None:
        """Add what was learned elsewhere (a model artifact, another process's example). Sums of
        categories the catalog no longer has are left out."""
        known = {c: v for c, v in stats.sums.items() if c in self._minors}
        self._stats = self._stats.merge(Stats(stats.n, stats.df, known))
        self._dirty = True

    def _check_category(self, category: str) -> None:
        if category not in self._minors:
            raise ValueError(f"unknown minor category {category!r}")

    def _ensure_ready(self) -> None:
        self._ensure_words()
        if self._pending:
            for text, category in self._pending:
                self._stats.add(category, Counter(tokenize(text)))
            self._pending.clear()
            self._dirty = True
        if self._dirty:
            self._rebuild()
            self._dirty = False

    def _rebuild(self) -> None:
        n = self._stats.n
        self._idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in self._stats.df.items()}
        self._centroids = {cat: _unit({t: w * self._idf[t] for t, w in vec.items()})
                           for cat, vec in self._stats.sums.items()}

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


MODEL_FILE = Path(__file__).with_name("classifier_model.json")


def shipped_stats() -> Stats:
    """The statistics of data/routed_examples.json, built by ``python -m
    chalicelib.domain.classify`` into ``classifier_model.json`` (which the Lambda bundle
    carries; data/ is not bundled). A unit test keeps it equal to a fresh build."""
    return Stats.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def default_classifier() -> Classifier:
    """A process-wide classifier over the bundled categories and routed examples."""
    global _default
    if _default is None:
        from chalicelib.domain.catalog import load_categories

        classifier = Classifier(load_categories(), stats=shipped_stats())
        with _lock:
            if _default is None:
                _default = classifier
    return _default


def build_model_file(path: Path = MODEL_FILE) -> None:
    """Write the shipped examples' statistics (run after editing data/routed_examples.json)."""
    from chalicelib.domain.catalog import load_categories, load_routed_examples

    data = Classifier(load_categories(), load_routed_examples()).stats().to_dict()
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                    encoding="utf-8")


if __name__ == "__main__":
    build_model_file()
