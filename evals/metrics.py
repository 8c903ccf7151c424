"""Small, dependency-free metrics for the evaluation scripts (numpy only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks starting at 1, ties sharing their average rank."""
    array = np.asarray(values, dtype=float)
    order = np.argsort(array, kind="mergesort")
    sorted_values = array[order]
    result = np.empty(len(array), dtype=float)
    start = 0
    while start < len(array):
        end = start
        while end + 1 < len(array) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        result[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return result


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rho (Pearson on average ranks); nan when either side is constant."""
    if len(x) != len(y):
        raise ValueError("spearman needs two sequences of the same length")
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def auc(scores: Sequence[float], positives: Sequence[bool]) -> float:
    """Area under the ROC curve: the chance a random positive scores above a random negative (ties ½)."""
    labels = np.asarray(positives, dtype=bool)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    r = ranks(scores)
    return float((r[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@dataclass(frozen=True)
class PRF:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if np.isnan(p) or np.isnan(r) or p + r == 0:
            return 0.0 if self.tp + self.fn else float("nan")
        return 2 * p * r / (p + r)

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


def prf(gold: Sequence[bool], predicted: Sequence[bool]) -> PRF:
    g = np.asarray(gold, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    return PRF(tp=int((g & p).sum()), fp=int((~g & p).sum()), fn=int((g & ~p).sum()), tn=int((~g & ~p).sum()))


def macro_f1(gold: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean F1 of the two classes (positive and negative), as for "needs revision" vs "fine"."""
    positive = prf(gold, predicted).f1
    negative = prf([not g for g in gold], [not p for p in predicted]).f1
    return float((positive + negative) / 2)
