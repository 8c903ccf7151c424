"""Train the tone guard's semantic second opinion (drafting/guards/lexicon/semantic_tone.npz).

    python -m evals.train_tone [--shared DIR] [--out PATH] [--max-fpr 0.03] [--confident-fpr 0.005]

Training data — permissively licensed only (each source and its licence is recorded in the weights' meta):
- the team's own labelled sets, `dev` rows only (evals/data/tone_*.jsonl; project data);
- DiaSafety (../shared/data/dialogue_safety/train.json, Apache-2.0): replies rated "Offending User"/Unsafe
  as needing revision, a sample of Safe replies as fine;
- COLD (../shared/data/offensive_zh/cold_train.csv, Apache-2.0): offensive Chinese as rude, safe as fine;
- Stanford Politeness Corpus (../shared/data/politeness/wikipedia.annotated.csv, Apache-2.0): the least
  polite requests as needing revision, the most polite as fine.
Never trained on: the real replies and their labels (evaluation and calibration only), politeness_zh
(CC BY-NC, evaluation only), any `test` split.

Features: multilingual USE sentence embeddings. e5-small (`--encoder e5`, or `use+e5`) was compared on
2026-11-30 and is too slow for the 10 ms check: 32 ms per sentence for e5 and 21 ms for use+e5, against 4 ms
for USE, on this 2-core machine; nor did it separate better by cross-validation on the team's dev rows
(AUC 0.82 e5, 0.88 use+e5, 0.87 USE) or on DiaSafety validation (0.85, 0.88, 0.86; bench/RESULTS.md). Heads: L2-regularised logistic regression (Newton's method) for "needs revision" and one per
category (on the team's dev texts that need revision). The L2 strength is picked by 5-fold cross-validation
on the team's dev rows (AUC of out-of-fold probabilities).

Calibration (no training): the model judges sentence by sentence, and a reply takes its worst sentence's
probability. `threshold` is the lowest cut-off at which, on every source of ../shared/data/real_replies/
(minus the labelled test rows), the guard's flag rate (lexicon or meaning) stays at or under --max-rate and
its flag rate on the reviewer's dev `ok` replies stays at or under --max-fpr. `confident` — the cut-off
above which a meaning-based flag may discard a model's draft — keeps that share under --confident-fpr, and
is set only when the model separates the reviewer's dev stop replies from ok ones with AUC >=
MIN_AUC_TO_DISCARD; otherwise (as in the shipped weights: AUC about 0.58) its flags are only ever hints.
Deterministic: the same data gives the same weights.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from drafting.guards.tone import CATEGORIES, ToneChecker
from drafting.guards.tone_semantic import make_encoder, sentence_spans, toneless_removed

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
TEAM_DATA = sorted((ROOT / "evals" / "data").glob("tone_*.jsonl"))
OUT = ROOT / "drafting" / "guards" / "lexicon" / "semantic_tone.npz"
SCALE = 4.0
ENCODER = "use"
EMBEDDINGS = {"use": "use-multilingual", "e5": "multilingual-e5-small", "use+e5": "use-multilingual + multilingual-e5-small"}
L2_CHOICES = (0.3, 1.0, 3.0, 10.0, 30.0)
SEED = 20261130
# A meaning-based flag may discard a model's draft only if the model tells the reviewer's stop replies from
# ok ones on real text at least this well (AUC on the real dev labels); below it, its flags stay hints.
MIN_AUC_TO_DISCARD = 0.75


@dataclass(frozen=True)
class Example:
    text: str
    bad: bool
    source: str
    categories: tuple[str, ...] = ()
    team_dev: bool = False


SOURCES = {
    "team": "Tactful team's labelled tone sets, dev splits (project data)",
    "diasafety": "DiaSafety, thu-coai/DiaSafety, Apache-2.0",
    "cold": "COLD, thu-coai/COLDataset, Apache-2.0",
    "stanford_politeness": "Stanford Politeness Corpus (Wikipedia), Apache-2.0",
}


def team_rows(paths: list[Path]) -> list[Example]:
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("split") == "dev":
                out.append(Example(row["text"], row["label"] == "revise", "team", tuple(row.get("categories") or ()), True))
    return out


def diasafety_rows(shared: Path, rng: random.Random, safe_sample: int = 1500) -> list[Example]:
    rows = json.loads((shared / "dialogue_safety" / "train.json").read_text(encoding="utf-8"))
    bad = [Example(r["response"], True, "diasafety") for r in rows if r["category"] == "Offending User" and r["label"] == "Unsafe"]
    safe = [r["response"] for r in rows if r["label"] == "Safe"]
    return bad + [Example(t, False, "diasafety") for t in rng.sample(safe, min(safe_sample, len(safe)))]


def cold_rows(shared: Path, rng: random.Random, per_label: int = 1200) -> list[Example]:
    with (shared / "offensive_zh" / "cold_train.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for label in ("1", "0"):
        texts = [r["TEXT"] for r in rows if r["label"] == label]
        out += [Example(t, label == "1", "cold") for t in rng.sample(texts, min(per_label, len(texts)))]
    return out


def politeness_rows(shared: Path, share: float = 0.15) -> list[Example]:
    with (shared / "politeness" / "wikipedia.annotated.csv").open(encoding="utf-8", newline="") as handle:
        rows = sorted(csv.DictReader(handle), key=lambda r: float(r["Normalized Score"]))
    cut = int(len(rows) * share)
    return [Example(r["Request"], True, "stanford_politeness") for r in rows[:cut]] + [
        Example(r["Request"], False, "stanford_politeness") for r in rows[-cut:]
    ]


# ── fitting ────────────────────────────────────────────────────────────────────────────────────────


def logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0, weights: np.ndarray | None = None, iterations: int = 25) -> tuple[np.ndarray, float]:
    """L2-regularised (weighted) logistic regression by Newton's method; the bias is not penalised."""
    n, d = X.shape
    sample = np.ones(n) if weights is None else weights
    Xb = np.hstack([X, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(Xb @ theta, -30, 30)))
        gradient = Xb.T @ (sample * (p - y)) + penalty * theta
        hessian = (Xb * (sample * p * (1 - p))[:, None]).T @ Xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return theta[:-1], float(theta[-1])


def auc(scores: np.ndarray, gold: np.ndarray) -> float:
    from evals.metrics import auc as metric

    return float(metric(list(scores), list(map(bool, gold))))


def source_weights(examples: list[Example], team_weight: float = 1.0) -> np.ndarray:
    """Each outside source weighs as much in total as the team's rows do unweighted, and the team's rows
    count `team_weight` times, so thousands of forum comments cannot drown the support-domain rows."""
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.source] = counts.get(e.source, 0) + 1
    team = counts.get("team", 1)
    return np.array([team / counts[e.source] if e.source != "team" else team_weight for e in examples])


def pick_l2(X: np.ndarray, y: np.ndarray, w: np.ndarray, team: np.ndarray) -> tuple[float, dict[str, float]]:
    """5-fold cross-validation; scored on the team's dev rows only (the support domain)."""
    folds = np.arange(len(y)) % 5
    scores = {}
    for l2 in L2_CHOICES:
        oof = np.zeros(len(y))
        for fold in range(5):
            fit = folds != fold
            coef, bias = logistic(X[fit], y[fit], l2, w[fit])
            oof[~fit] = X[~fit] @ coef + bias
        scores[str(l2)] = auc(oof[team], y[team])
    best = max(L2_CHOICES, key=lambda value: scores[str(value)])
    return best, scores


# ── calibration on real replies ──────────────────────────────────────────────────────────────────


def sentence_maxima(texts: list[str], encode: Callable[[list[str]], np.ndarray], coef: np.ndarray, bias: float) -> np.ndarray:
    pieces, owners = [], []
    for index, text in enumerate(texts):
        for start, end in sentence_spans(text):
            pieces.append(toneless_removed(text[start:end]))
            owners.append(index)
    out = np.zeros(len(texts))
    for begin in range(0, len(pieces), 512):
        chunk = pieces[begin : begin + 512]
        p = 1 / (1 + np.exp(-(encode(chunk) * SCALE @ coef + bias)))
        np.maximum.at(out, np.array(owners[begin : begin + 512]), p)
    return out


def calibrate(coef: np.ndarray, bias: float, encode: Callable, max_rate: float, max_fpr: float, confident_fpr: float) -> dict[str, Any]:
    from evals.tone_real import read_labels, read_replies, split_of

    replies = read_replies(SHARED / "real_replies")
    labels = read_labels(replies=replies)
    held_out = {(r.file, r.row) for _, r in labels if split_of(r.file, r.row) == "test"}
    lexicon = ToneChecker()
    pool = [r for rows in replies.values() for r in rows if r.text.strip() and (r.file, r.row) not in held_out]
    lexicon_flags = np.array([bool(lexicon.check(r.text).flags) for r in pool])
    silent = np.array([not (rep.flags or rep.excused) for rep in (lexicon.check(r.text) for r in pool)])
    probability = sentence_maxima([r.text for r in pool], encode, coef, bias)
    sources = sorted({r.source for r in pool})
    by_source = {s: np.array([r.source == s for r in pool]) for s in sources}
    index = {(r.file, r.row): i for i, r in enumerate(pool)}
    dev = [(label, index[(r.file, r.row)]) for label, r in labels if split_of(r.file, r.row) == "dev"]
    dev_ok = np.array([i for label, i in dev if label["label"] == "ok"])
    dev_stop = np.array([i for label, i in dev if label["label"] == "stop"])

    lang = np.array([r.file[:2] for r in pool])

    def flagged(cuts: dict[str, float]) -> np.ndarray:
        cut = np.where(lang == "zh", cuts["zh"], cuts["en"])
        return lexicon_flags | (silent & (probability >= cut))

    # Each language gets its own cut-off: the encoder places zh and en replies differently, and one shared
    # cut-off would be set by the noisier language alone.
    thresholds: dict[str, float] = {}
    for language in ("zh", "en"):
        in_language = [m & (lang == language) for m in by_source.values() if (m & (lang == language)).any()]
        ok_here = dev_ok[lang[dev_ok] == language]
        thresholds[language] = 0.995
        for cut in np.arange(0.50, 0.995, 0.005):
            f = lexicon_flags | (silent & (probability >= cut))
            if all(f[m].mean() <= max_rate for m in in_language) and f[ok_here].mean() <= max_fpr:
                thresholds[language] = float(round(cut, 3))
                break
    real_auc = auc(probability[np.concatenate([dev_ok, dev_stop])], np.array([False] * len(dev_ok) + [True] * len(dev_stop)))
    confident = 1.01  # never: the model's flags stay hints
    if real_auc >= MIN_AUC_TO_DISCARD:
        for cut in np.arange(max(thresholds.values()), 0.999, 0.001):
            if (silent & (probability >= cut)).mean() <= confident_fpr:
                confident = float(round(cut, 3))
                break
    f = flagged(thresholds)
    return {
        "threshold": min(thresholds.values()),
        "thresholds": thresholds,
        "real_dev_auc": real_auc,
        "confident": confident,
        "real_reply_flag_rate": {s: float(f[m].mean()) for s, m in by_source.items()},
        "dev_false_alarms": float(f[dev_ok].mean()),
        "dev_recall": float(f[dev_stop].mean()) if len(dev_stop) else float("nan"),
        "calibration_replies": len(pool),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.train_tone", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", type=Path, default=TEAM_DATA, help="the team's labelled sets (dev rows are used)")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--encoder",
        choices=("use", "e5", "use+e5"),
        default=ENCODER,
        help="sentence encoder (the shipped weights use USE: e5 is far over the 10 ms budget per check)",
    )
    parser.add_argument("--max-rate", type=float, default=0.045, help="flag rate allowed on each real-reply source")
    parser.add_argument("--max-fpr", type=float, default=0.03, help="flag rate allowed on the reviewer's dev ok replies")
    parser.add_argument("--confident-fpr", type=float, default=0.005, help="share of real replies a meaning-based flag may call confidently")
    parser.add_argument(
        "--team-weight",
        type=float,
        default=1.0,
        help="how many times each team row counts against the outside sources (1: each source weighs the same)",
    )
    args = parser.parse_args(argv)

    rng = random.Random(SEED)
    examples = team_rows(args.data) + diasafety_rows(args.shared, rng) + cold_rows(args.shared, rng) + politeness_rows(args.shared)
    encode = make_encoder(args.encoder)
    X = np.vstack([encode([e.text for e in examples[i : i + 512]]) for i in range(0, len(examples), 512)]) * SCALE
    y = np.array([e.bad for e in examples], dtype=float)
    w = source_weights(examples, args.team_weight)
    team = np.array([e.team_dev for e in examples])
    l2, cv = pick_l2(X, y, w, team)
    coef, bias = logistic(X, y, l2, w)

    cw = np.zeros((X.shape[1], len(CATEGORIES)))
    cb = np.full(len(CATEGORIES), -20.0)
    bad_team = [i for i, e in enumerate(examples) if e.team_dev and e.bad]
    for index, category in enumerate(CATEGORIES):
        target = np.array([category in examples[i].categories for i in bad_team], dtype=float)
        if target.sum() >= 3:
            cw[:, index], cb[index] = logistic(X[bad_team], target, 1.0)

    calibration = calibrate(coef, bias, encode, args.max_rate, args.max_fpr, args.confident_fpr)
    used = sorted({e.source for e in examples})
    meta = {
        "categories": list(CATEGORIES),
        "encoder": args.encoder,
        "embedding": EMBEDDINGS[args.encoder],
        "trained": date.today().isoformat(),
        "rows": len(examples),
        "rows_by_source": {s: sum(e.source == s for e in examples) for s in used},
        "training_sources": {s: SOURCES[s] for s in used},
        "team_files": [p.name for p in args.data],
        "l2": l2,
        "team_weight": args.team_weight,
        "cv_auc_team_dev": cv,
        "decision": "worst sentence",
        "calibrated_on": "real_replies (all sources, minus tone_real test rows) and tone_real dev labels; not trained on",
        **calibration,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        args.out,
        w=coef,
        b=bias,
        cw=cw,
        cb=cb,
        threshold=calibration["threshold"],
        confident=calibration["confident"],
        threshold_zh=calibration["thresholds"]["zh"],
        threshold_en=calibration["thresholds"]["en"],
        scale=SCALE,
        meta=json.dumps(meta),
    )
    print(
        json.dumps(
            {
                k: meta[k]
                for k in (
                    "rows_by_source",
                    "l2",
                    "cv_auc_team_dev",
                    "thresholds",
                    "confident",
                    "real_dev_auc",
                    "real_reply_flag_rate",
                    "dev_false_alarms",
                    "dev_recall",
                )
            },
            indent=1,
        )
    )
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
