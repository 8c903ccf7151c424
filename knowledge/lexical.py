"""Keyword retrieval: BM25 (bm25s) over jieba-segmented Chinese and lightly
stemmed English. Strong on exact terms (rule ids, amounts, 退款, 超时) where dense
embeddings blur; useless across languages, which is why it is fused, not used alone."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import yaml

from knowledge.cjk import CJK_RANGES, is_cjk
from knowledge.documents import KINDS

# Han runs go to jieba; kana, hangul and CJK punctuation are not indexed (Tactful's documents are zh and en).
_RUN = re.compile(rf"[{CJK_RANGES}]+|[a-z0-9]+(?:[-'][a-z0-9]+)*")

# Words that carry no retrieval signal. Kept short on purpose: "not", "no" and
# "没有" matter in complaints.
_STOP_EN = frozenset(
    "a an the and or of to in on at for with by from is are was were be been it its this that "
    "i me my we our you your he she they them their do does did have has had will would can could "
    "please hi hello there what which who when where how".split()
)
_STOP_ZH = frozenset("的 了 是 我 你 他 她 它 们 我们 你们 在 和 与 及 就 都 也 吗 呢 吧 啊 呀 哦 嘛 这 那 一个 请 把 被 给".split())

_jieba_lock = threading.Lock()
QUERY_TERMS = Path(__file__).parent / "lexicon" / "query_terms.yaml"
QUESTION_KINDS = Path(__file__).parent / "lexicon" / "question_kinds.yaml"
LANGUAGES = ("en", "zh")


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _jieba_lock:
        jieba.initialize()
    return jieba


def _stem(word: str) -> str:
    """A deliberately small English stemmer: plurals and common verb endings, so
    'refunds'/'refunded' meet 'refund' without a stemming dependency."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    tokens: list[str] = []
    for run in _RUN.findall(text):
        if is_cjk(run[0]):
            for word in _jieba().lcut_for_search(run):
                word = word.strip()
                if word and word not in _STOP_ZH:
                    tokens.append(word)
        elif run not in _STOP_EN:
            tokens.append(_stem(run))
    return tokens


class QueryTermsError(ValueError):
    """The query-term file is malformed; the message names the file and the concept."""


@dataclass(frozen=True)
class Concept:
    name: str
    zh: tuple[str, ...]  # matched as substrings of the folded question
    en: tuple[tuple[str, ...], ...]  # stemmed token phrases, matched as runs of the question's tokens


def _lexicon_mapping(path: Path, key: str, what: str, error: type[ValueError]) -> dict[Any, Any]:
    """The non-empty mapping under `key` of a lexicon file, or `error` naming the file and what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from None
    raw = data.get(key) if isinstance(data, dict) else None
    if not isinstance(raw, dict) or not raw:
        raise error(f"{path}: expected a non-empty mapping under '{key}'")
    return raw


class QueryTerms:
    """Domain concepts in both languages, for widening a keyword query: colloquial
    words reach the documents' words (退钱 → 退款) and a question reaches documents
    in the other language (退款 → refund), which BM25 alone never can."""

    def __init__(self, concepts: Sequence[Concept]) -> None:
        self.concepts = list(concepts)

    @classmethod
    def load(cls, path: Path = QUERY_TERMS) -> QueryTerms:
        raw = _lexicon_mapping(path, "concepts", "query terms", QueryTermsError)
        return cls([_concept(path, str(name), words) for name, words in raw.items()])

    def expand(self, query: str) -> dict[str, list[str]]:
        """Index tokens of the documents' word (each language's first) for every concept
        the question names, per document language. Only the first word: the colloquial
        ones are there to be recognised, and their fragments (钱, back) would match noise."""
        folded = unicodedata.normalize("NFKC", query).lower()
        tokens = tuple(tokenize(folded))
        out: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
        for concept in self.concepts:
            if any(word in folded for word in concept.zh) or any(_has_run(tokens, phrase) for phrase in concept.en):
                out["zh"].extend(tokenize(concept.zh[0]) if concept.zh else ())
                out["en"].extend(concept.en[0] if concept.en else ())
        return {lang: list(dict.fromkeys(words)) for lang, words in out.items()}


def _concept(path: Path, name: str, words: Any) -> Concept:
    if not isinstance(words, Mapping) or set(words) - set(LANGUAGES):
        raise QueryTermsError(f"{path}: concept {name!r} must map 'zh' and/or 'en' to lists of words")
    for lang, items in words.items():
        if not isinstance(items, list) or not all(isinstance(w, str) and w.strip() for w in items):
            raise QueryTermsError(f"{path}: concept {name!r}: '{lang}' must be a list of non-empty words")
    zh = tuple(unicodedata.normalize("NFKC", w).lower().strip() for w in words.get("zh", []))
    short = [w for w in zh if len(w) < 2]
    if short:
        raise QueryTermsError(f"{path}: concept {name!r}: Chinese words of one character match too much: {short}")
    en = tuple(phrase for phrase in (tuple(tokenize(w)) for w in words.get("en", [])) if phrase)
    return Concept(name=name, zh=zh, en=en)


def _has_run(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


@lru_cache(maxsize=1)
def query_terms() -> QueryTerms:
    return QueryTerms.load()


class QuestionKindsError(ValueError):
    """The question-kind file is malformed; the message names the file and the kind."""


@dataclass(frozen=True)
class QuestionCues:
    kind: str  # a document kind: policy | incident
    zh: tuple[str, ...]  # matched as substrings of the folded question
    en: re.Pattern[str] | None  # whole-word phrases, one alternation


class QuestionKinds:
    """How a question is asked says which kind of document answers it: "can I get a
    refund?" wants a policy, "what did we do last time?" an incident write-up. Cues are
    data (knowledge/lexicon/question_kinds.yaml)."""

    def __init__(self, cues: Sequence[QuestionCues]) -> None:
        self.cues = list(cues)

    @classmethod
    def load(cls, path: Path = QUESTION_KINDS) -> QuestionKinds:
        raw = _lexicon_mapping(path, "kinds", "question kinds", QuestionKindsError)
        return cls([_question_cues(path, str(kind), words) for kind, words in raw.items()])

    def kind_of(self, question: str) -> str | None:
        """The one document kind whose cues the question uses; None for none or several."""
        folded = unicodedata.normalize("NFKC", question).lower()
        kinds = {cues.kind for cues in self.cues if any(w in folded for w in cues.zh) or (cues.en is not None and cues.en.search(folded))}
        return kinds.pop() if len(kinds) == 1 else None


def _question_cues(path: Path, kind: str, words: Any) -> QuestionCues:
    if kind not in KINDS:
        raise QuestionKindsError(f"{path}: {kind!r} is not a document kind (expected one of: {', '.join(KINDS)})")
    if not isinstance(words, Mapping) or not words or set(words) - set(LANGUAGES):
        raise QuestionKindsError(f"{path}: kind {kind!r} must map 'zh' and/or 'en' to lists of cues")
    for lang, items in words.items():
        if not isinstance(items, list) or not all(isinstance(w, str) and w.strip() for w in items):
            raise QuestionKindsError(f"{path}: kind {kind!r}: '{lang}' must be a list of non-empty cues")
    zh = tuple(unicodedata.normalize("NFKC", w).lower().strip() for w in words.get("zh", []))
    short = [w for w in zh if len(w) < 2]
    if short:
        raise QuestionKindsError(f"{path}: kind {kind!r}: Chinese cues of one character match too much: {short}")
    phrases = [r"\s+".join(map(re.escape, unicodedata.normalize("NFKC", w).lower().split())) for w in words.get("en", [])]
    en = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(phrases)})(?![a-z0-9])") if phrases else None
    return QuestionCues(kind=kind, zh=zh, en=en)


@lru_cache(maxsize=1)
def question_kinds() -> QuestionKinds:
    return QuestionKinds.load()


class LexicalIndex:
    """BM25 over a fixed list of chunk ids. Rebuilt whole when the corpus changes:
    bm25s indexes 10k chunks in well under a second, cheaper than keeping deltas."""

    def __init__(self, ids: Sequence[str], tokens: Sequence[list[str]]) -> None:
        self.ids = list(ids)
        self._position = {chunk_id: i for i, chunk_id in enumerate(self.ids)}
        self._bm25: bm25s.BM25 | None = None
        if self.ids:
            self._bm25 = bm25s.BM25()
            # An empty token list would make bm25s drop the document and shift positions.
            self._bm25.index([t or ["\u2205"] for t in tokens], show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, allowed: set[str]) -> np.ndarray:
        mask = np.zeros(len(self.ids), dtype=np.float32)
        for chunk_id in allowed:
            position = self._position.get(chunk_id)
            if position is not None:
                mask[position] = 1.0
        return mask

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; only chunks that share a term with the query."""
        return self.search_tokens(tokenize(query), k, mask)

    def search_tokens(self, tokens: Sequence[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """`search` for a query already tokenized (and perhaps widened by QueryTerms)."""
        if self._bm25 is None or k <= 0:
            return []
        vocab = self._bm25.vocab_dict
        query_tokens = [t for t in tokens if t in vocab]
        if not query_tokens:
            return []
        scores = self._bm25.get_scores(query_tokens, weight_mask=mask)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
