"""Train the tone guard's semantic second opinion (drafting/guards/lexicon/semantic_tone.npz).

    python -m evals.train_tone [--shared DIR] [--out PATH] [--max-rate 0.04] [--max-fpr 0.02] [--confident-fpr 0.005]

Training data — permissively licensed only (each source and its licence is recorded in the weights' meta):
- the team's own labelled sets, `dev` rows only (evals/data/tone_*.jsonl; project data);
- the team-commissioned training set, every row (evals/data/train/tone*.jsonl, same schema, split "train":
  written for us by an author who never saw the guard, under the project licence; training only, never scored);
- DiaSafety (../shared/data/dialogue_safety/train.json, Apache-2.0): replies rated "Offending User"/Unsafe
  as needing revision, a sample of Safe replies as fine;
- COLD (../shared/data/offensive_zh/cold_train.csv, Apache-2.0): offensive Chinese as rude, safe as fine;
- Stanford Politeness Corpus (../shared/data/politeness/wikipedia.annotated.csv, Apache-2.0): the least
  polite requests as needing revision, the most polite as fine.
Never trained on: the real replies and their labels (evaluation and calibration only), politeness_zh
(CC BY-NC, evaluation only), any `test` split.

Features: multilingual USE embeddings of the whole reply (what carries no tone removed first). e5-small (`--encoder e5`, or `use+e5`) was compared on
2026-11-30 and is too slow for the 10 ms check: 32 ms per sentence for e5 and 21 ms for use+e5, against 4 ms
for USE, on this 2-core machine; nor did it separate better by cross-validation on the team's dev rows
(AUC 0.82 e5, 0.88 use+e5, 0.87 USE) or on DiaSafety validation (0.85, 0.88, 0.86; bench/RESULTS.md). Heads: L2-regularised logistic regression (Newton's method) for "needs revision", each source's two
classes weighed equally, and one head per category (on the support-domain texts that need revision). The L2
strength is picked by 5-fold cross-validation on the support-domain rows (the team's dev rows and the
training set; AUC of out-of-fold probabilities).

Options compared by that cross-validation on 2026-11-30 (1,211 domain rows; bench/RESULTS.md, session 7):
judging the whole reply (AUC 0.85) beats taking the worst sentence's probability (0.73-0.74, whether the
head is trained on whole texts, on every sentence, or on each bad text's worst sentence in turn), the mean
sentence embedding (0.82-0.83), the larger of whole and worst sentence (0.74) and their average (0.81):
long fine drafts hold an apology or a firm sentence that, alone, reads like the bad replies. Class-balanced
weights add about 0.005, per-category "needs revision" heads (max over them) 0.003 (not worth a head per
category), and counting each domain row twice against the outside sources 0.03 (`--team-weight 2`).

Calibration (no training): a reply takes its whole text's probability. `threshold` is the lowest cut-off at which, on every source of ../shared/data/real_replies/
(minus the labelled test rows), the guard's flag rate (lexicon or meaning) stays at or under --max-rate and
its flag rate on the reviewer's dev `ok` replies stays at or under --max-fpr. `confident` — the cut-off
above which a meaning-based flag may discard a model's draft — keeps that share under --confident-fpr, and
is set only when the model separates the reviewer's dev stop replies from ok ones with AUC >=
MIN_AUC_TO_DISCARD; otherwise (as in the shipped weights: AUC 0.61) its flags are only ever hints.
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
from drafting.guards.tone_semantic import WHOLE_REPLY, judged_reply, make_encoder, toneless_removed

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
TEAM_DATA = sorted((ROOT / "evals" / "data").glob("tone_*.jsonl"))
TRAIN_DATA = ROOT / "evals" / "data" / "train"
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
    team_dev: bool = False  # a support-domain row (team dev or training set): scored by cross-validation


SOURCES = {
    "team": "Tactful team's labelled tone sets, dev splits (project data)",
    "train": "Tactful tone training set (evals/data/train/), team-commissioned, project licence",
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


class TrainingDataError(ValueError):
    """A training row cannot be read; the message names the file and the line."""


def training_set_rows(folder: Path) -> list[Example]:
    """Every row of the team-commissioned tone training set (evals/data/train/tone*.jsonl): written to be
    trained on, so unlike the labelled sets it has no held-out half."""
    out = []
    for path in sorted(folder.glob("tone*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise TrainingDataError(f"{where}: not JSON ({error.msg})") from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
                raise TrainingDataError(f'{where}: needs a non-empty "text"')
            if row.get("label") not in ("fine", "revise"):
                raise TrainingDataError(f'{where}: "label" must be "fine" or "revise", not {row.get("label")!r}')
            categories = row.get("categories") or []
            if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
                raise TrainingDataError(f'{where}: "categories" must be a list of names, not {categories!r}')
            # A category the guard has no head for (the author's "sarcasm", "rude") still marks a text that
            # needs revision; it only trains no category head.
            out.append(Example(row["text"], row["label"] == "revise", "train", tuple(categories), True))
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
    """Each outside source weighs as much in total as the support-domain rows (team dev and training set) do
    unweighted, and the domain rows count `team_weight` times, so thousands of forum comments cannot drown
    them; within each source the two classes weigh the same, so no source teaches a base rate."""
    counts: dict[tuple[str, bool], int] = {}
    for e in examples:
        counts[(e.source, e.bad)] = counts.get((e.source, e.bad), 0) + 1
    domain = max(1, sum(e.team_dev for e in examples))

    def weight(e: Example) -> float:
        in_source = counts.get((e.source, True), 0) + counts.get((e.source, False), 0)
        classes = ((e.source, True) in counts) + ((e.source, False) in counts)
        total = in_source * team_weight if e.team_dev else domain
        return total / classes / counts[(e.source, e.bad)]

    return np.array([weight(e) for e in examples])


def pick_l2(X: np.ndarray, y: np.ndarray, w: np.ndarray, team: np.ndarray) -> tuple[float, dict[str, float]]:
    """5-fold cross-validation; scored on the support-domain rows only (team dev and training set)."""
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


def reply_probabilities(texts: list[str], encode: Callable[[list[str]], np.ndarray], coef: np.ndarray, bias: float) -> np.ndarray:
    """What the shipped model will say of each reply: its whole text's probability, 0 when nothing in it is
    worth judging (the same rule as SemanticToneModel.probabilities)."""
    judged = [judged_reply(text) for text in texts]
    keep = [index for index, reply in enumerate(judged) if reply]
    out = np.zeros(len(texts))
    for begin in range(0, len(keep), 512):
        chunk = keep[begin : begin + 512]
        out[chunk] = 1 / (1 + np.exp(-(encode([judged[i] for i in chunk]) * SCALE @ coef + bias)))
    return out


def training_text(text: str) -> str:
    """The training rows are read the way replies are judged: without what carries no tone."""
    return toneless_removed(text) or text


def calibrate(coef: np.ndarray, bias: float, encode: Callable, max_rate: float, max_fpr: float, confident_fpr: float) -> dict[str, Any]:
    from evals.tone_real import read_labels, read_replies, split_of

    replies = read_replies(SHARED / "real_replies")
    labels = read_labels(replies=replies)
    held_out = {(r.file, r.row) for _, r in labels if split_of(r.file, r.row) == "test"}
    lexicon = ToneChecker()
    pool = [r for rows in replies.values() for r in rows if r.text.strip() and (r.file, r.row) not in held_out]
    lexicon_flags = np.array([bool(lexicon.check(r.text).flags) for r in pool])
    silent = np.array([not (rep.flags or rep.excused) for rep in (lexicon.check(r.text) for r in pool)])
    probability = reply_probabilities([r.text for r in pool], encode, coef, bias)
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
    parser.add_argument("--train-data", type=Path, default=TRAIN_DATA, help="folder of the tone training set (tone*.jsonl; every row is used)")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--encoder",
        choices=("use", "e5", "use+e5"),
        default=ENCODER,
        help="sentence encoder (the shipped weights use USE: e5 is far over the 10 ms budget per check)",
    )
    # Stricter than the 5% / 3%: the model's hints on real replies are mostly false alarms (it separates
    # the reviewer's real dev stop replies from ok ones at AUC ~0.61), so a hint must leave room under both
    # rails; at 4.5% / 3% the session-7 weights raised en-Twitter's dev flag rate from 3.4% to 4.4%.
    parser.add_argument("--max-rate", type=float, default=0.04, help="flag rate allowed on each real-reply source")
    parser.add_argument("--max-fpr", type=float, default=0.02, help="flag rate allowed on the reviewer's dev ok replies")
    parser.add_argument("--confident-fpr", type=float, default=0.005, help="share of real replies a meaning-based flag may call confidently")
    parser.add_argument(
        "--team-weight",
        type=float,
        default=2.0,
        help="how many times each support-domain row (team dev, training set) counts against the outside sources "
        "(1: each outside source weighs as much as all of them; 2 cross-validated best)",
    )
    args = parser.parse_args(argv)

    rng = random.Random(SEED)
    examples = (
        team_rows(args.data)
        + training_set_rows(args.train_data)
        + diasafety_rows(args.shared, rng)
        + cold_rows(args.shared, rng)
        + politeness_rows(args.shared)
    )
    encode = make_encoder(args.encoder)
    texts = [training_text(e.text) for e in examples]
    X = np.vstack([encode(texts[i : i + 512]) for i in range(0, len(texts), 512)]) * SCALE
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
        "training_files": sorted(p.name for p in args.train_data.glob("tone*.jsonl")),
        "l2": l2,
        "team_weight": args.team_weight,
        "cv_auc_domain": cv,
        "decision": WHOLE_REPLY,
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
                    "cv_auc_domain",
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
