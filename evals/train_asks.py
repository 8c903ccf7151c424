"""Train the ask reader's second opinion (drafting/domain/ask_meaning.py) and write its weights.

    HF_HUB_OFFLINE=1 python -m evals.train_asks [--out FILE] [--folds 5] [--dry-run]

Sources: the DEV halves (evals/splits.py) of the team's own labelled sets, evals/data/asks/asks.jsonl,
asks_b.jsonl and asks_c.jsonl; test rows are never read. Each sentence of a customer's message
(ask_meaning.sentence_spans) is labelled with the ask types whose labelled phrase overlaps it; a sentence with
none is a negative for every type. One L2-regularised logistic regression per type over multilingual USE embeddings.

The regularisation and each type's cut-off are chosen by cross-validation with folds of whole tickets: the
out-of-fold probabilities give, per type, the classifier's own ticket-level precision and recall (a type is
heard in a ticket when a sentence the lexicon does not rule out reaches the cut-off, as in
drafting.domain.asks). Precision first: a type's cut-off gives lexicon + meaning its best F0.5, and only
where the asks meaning adds to the lexicon's are right at least MIN_ADDED_PRECISION of the time; a type where
no cut-off beats the lexicon alone gets one above 1 (never heard by meaning). The lexicon was written on these
same dev rows, so it leaves the classifier fewer misses to find here than on unseen text: the cut-offs are
conservative, on purpose. The report prints the cross-validated figures of the lexicon alone and of lexicon + meaning,
per set and pooled: that, not `python -m evals.asks --split dev` (which scores rows the weights saw), is the
honest dev figure.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from drafting.domain.ask_meaning import WEIGHTS, make_encoder
from drafting.domain.asks import ASK_TYPES, MeaningUnit, meaning_scores, meaning_units, read_asks
from evals.asks import benign_messages, default_data, in_split, load, twitter_customers

MIN_ADDED_PRECISION = 0.90
MIN_ADDED = 2  # a cut-off that adds fewer right asks than this is a guess
# On unlabelled real text (ordinary complaints, customers' tweets to brands) meaning may add a type to at most
# this share of messages: the dev rows are too few to show how often a topic ("phone", "contact") is mistaken
# for an ask, and there most messages ask for nothing.
MAX_UNLABELLED_ADDED = 0.01
L2_GRID = (0.03, 0.1, 0.3)
STEPS = 300
CUTS = np.round(np.arange(0.30, 0.96, 0.025), 3)


@dataclass
class Ticket:
    source: str
    id: str
    labelled: set[str]
    lexicon: set[str]
    units: list[MeaningUnit]
    unit_labels: np.ndarray  # (units, types) of 0/1
    first: int = 0  # index of its first unit in the stacked embeddings


def _overlaps(unit: MeaningUnit, message: str, phrase: str) -> bool:
    at = message.find(phrase)
    while at >= 0:
        if at < unit.end and at + len(phrase) > unit.start:
            return True
        at = message.find(phrase, at + 1)
    return False


def tickets(paths: list[Path]) -> list[Ticket]:
    found = []
    for path in paths:
        for row in in_split(load(path), "dev"):
            units = meaning_units(row["messages"], row["lang"])
            labels = np.zeros((len(units), len(ASK_TYPES)))
            for index, unit in enumerate(units):
                message = row["messages"][unit.message]
                for ask in row["asks"]:
                    if _overlaps(unit, message, ask["phrase"]):
                        labels[index, ASK_TYPES.index(ask["type"])] = 1
            lexicon = read_asks(row["messages"], row["lang"]).types()
            found.append(Ticket(path.stem, row["id"], {a["type"] for a in row["asks"]}, lexicon, units, labels))
    return found


def fit(X: np.ndarray, Y: np.ndarray, l2: float, steps: int = STEPS, rate: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """One L2-regularised logistic regression per column of Y, all at once, by a fixed number of Adam steps
    (deterministic: zero start, full batch); the bias is not penalised."""
    W, b = np.zeros((X.shape[1], Y.shape[1])), np.zeros(Y.shape[1])
    moments = [np.zeros_like(W), np.zeros_like(b), np.zeros_like(W), np.zeros_like(b)]
    for step in range(1, steps + 1):
        P = 1 / (1 + np.exp(-np.clip(X @ W + b, -30, 30)))
        for index, (param, grad) in enumerate(((W, X.T @ (P - Y) + l2 * W), (b, (P - Y).sum(axis=0)))):
            first, second = moments[index], moments[index + 2]
            first *= 0.9
            first += 0.1 * grad
            second *= 0.999
            second += 0.001 * grad * grad
            param -= rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return W, b


def fold_of(ticket_id: str, folds: int) -> int:
    # its own hash, not splits.py's first digit (which is the same for every dev row's half of the alphabet)
    return int(hashlib.sha256(f"fold:{ticket_id}".encode()).hexdigest(), 16) % folds


def out_of_fold(rows: list[Ticket], X: np.ndarray, l2: float, folds: int) -> np.ndarray:
    """(tickets, types): each ticket's best probability per type, from weights that never saw the ticket."""
    Y = np.vstack([t.unit_labels for t in rows])
    owner = np.concatenate([[i] * len(t.units) for i, t in enumerate(rows)]).astype(int)
    fold = np.array([fold_of(rows[i].id, folds) for i in owner])
    unit_p = np.zeros(Y.shape)
    for k in range(folds):
        train = fold != k
        w, b = fit(X[train], Y[train], l2)
        unit_p[~train] = 1 / (1 + np.exp(-(X[~train] @ w + b)))
    return ticket_scores(rows, unit_p)


def ticket_scores(rows: list[Ticket], unit_p: np.ndarray) -> np.ndarray:
    scores = np.zeros((len(rows), len(ASK_TYPES)))
    for i, ticket in enumerate(rows):
        block = unit_p[ticket.first : ticket.first + len(ticket.units)]
        best = meaning_scores(ticket.units, block, ASK_TYPES)
        for kind, (p, _) in best.items():
            scores[i, ASK_TYPES.index(kind)] = p
    return scores


def _pr(found: np.ndarray, gold: np.ndarray) -> tuple[float, float, int, int]:
    tp, n_found, n_gold = int((found & gold).sum()), int(found.sum()), int(gold.sum())
    return (tp / n_found if n_found else 1.0), (tp / n_gold if n_gold else 1.0), n_found, n_gold


def choose_cut(scores: np.ndarray, gold: np.ndarray, lexicon: np.ndarray, floor: float = MIN_ADDED_PRECISION) -> float:
    """The cut-off that gives lexicon + meaning its best F0.5, among those where the tickets meaning adds (the
    lexicon did not hear the type) are right at least MIN_ADDED_PRECISION of the time, at least MIN_ADDED
    times, and the type's precision with meaning stays at that floor too; 1.01 (never) when none beats the
    lexicon alone."""
    best, cut = _f_half(*_pr(lexicon, gold)[:2]), 1.01
    for t in CUTS:
        added = (scores >= t) & ~lexicon
        right = int((added & gold).sum())
        if right < MIN_ADDED or right < floor * int(added.sum()):
            continue
        precision, recall, _, _ = _pr(lexicon | (scores >= t), gold)
        if precision < floor:
            continue
        f = _f_half(precision, recall)
        if f > best:
            best, cut = f, float(t)
    return cut


def unlabelled_scores(messages: list[str], encode: Callable[[list[str]], np.ndarray], w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(messages, types): the probability meaning would add each type to a message the lexicon read without it."""
    units = [meaning_units([message]) for message in messages]
    flat = [unit.text for found in units for unit in found]
    probabilities = 1 / (1 + np.exp(-(encode(flat) @ w + b))) if flat else np.zeros((0, len(ASK_TYPES)))
    out, at = np.zeros((len(messages), len(ASK_TYPES))), 0
    for index, (message, found) in enumerate(zip(messages, units, strict=True)):
        heard = read_asks([message]).types()
        for kind, (p, _) in meaning_scores(found, probabilities[at : at + len(found)], ASK_TYPES).items():
            if kind not in heard:
                out[index, ASK_TYPES.index(kind)] = p
        at += len(found)
    return out


def capped_cut(cut: float, unlabelled: list[np.ndarray], scores: np.ndarray, gold: np.ndarray, lexicon: np.ndarray, floor: float) -> float:
    """The cross-validated cut-off, raised until meaning adds the type to at most MAX_UNLABELLED_ADDED of the
    messages of each unlabelled set; 1.01 (never) when the raised cut-off no longer adds precisely on dev."""
    if cut > 1:
        return cut
    for t in (c for c in CUTS if c >= cut):
        if all(float((p >= t).mean()) <= MAX_UNLABELLED_ADDED for p in unlabelled):
            added = (scores >= t) & ~lexicon
            right = int((added & gold).sum())
            return float(t) if right >= MIN_ADDED and right >= floor * int(added.sum()) else 1.01
    return 1.01


def figures(rows: list[Ticket], scores: np.ndarray, cuts: np.ndarray) -> dict[str, Any]:
    """Per set and pooled, per type: P/R of the lexicon alone and of lexicon + meaning (cross-validated)."""
    report: dict[str, Any] = {}
    for name in sorted({t.source for t in rows}) + ["pooled"]:
        pick = np.array([name in ("pooled", t.source) for t in rows])
        gold = np.array([[kind in t.labelled for kind in ASK_TYPES] for t in rows])[pick]
        lexicon = np.array([[kind in t.lexicon for kind in ASK_TYPES] for t in rows])[pick]
        both = lexicon | (scores[pick] >= cuts)
        per_type = {}
        for k, kind in enumerate(ASK_TYPES):
            lp, lr, _, _ = _pr(lexicon[:, k], gold[:, k])
            cp, cr, found, labelled = _pr(both[:, k], gold[:, k])
            per_type[kind] = {
                "lexicon": [round(lp, 3), round(lr, 3)],
                "with_meaning": [round(cp, 3), round(cr, 3)],
                "found": found,
                "labelled": labelled,
            }
        lp, lr, _, _ = _pr(lexicon.ravel(), gold.ravel())
        cp, cr, _, _ = _pr(both.ravel(), gold.ravel())
        report[name] = {
            "tickets": int(pick.sum()),
            "lexicon": [round(lp, 3), round(lr, 3)],
            "with_meaning": [round(cp, 3), round(cr, 3)],
            "per_type": per_type,
        }
    return report


def train(
    paths: list[Path], encode: Callable[[list[str]], np.ndarray], folds: int, grid: tuple[float, ...] = L2_GRID, floor: float = MIN_ADDED_PRECISION
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    rows = tickets(paths)
    first = 0
    for ticket in rows:
        ticket.first, first = first, first + len(ticket.units)
    X = encode([unit.text for t in rows for unit in t.units])
    Y = np.vstack([t.unit_labels for t in rows])
    gold = np.array([[kind in t.labelled for kind in ASK_TYPES] for t in rows])
    trials: dict[float, tuple[dict[str, Any], np.ndarray, np.ndarray]] = {}
    for l2 in grid:
        scores = out_of_fold(rows, X, l2, folds)
        lexicon = np.array([[kind in t.lexicon for kind in ASK_TYPES] for t in rows])
        cuts = np.array([choose_cut(scores[:, k], gold[:, k], lexicon[:, k], floor) for k in range(len(ASK_TYPES))])
        trials[l2] = (figures(rows, scores, cuts), cuts, scores)
        pooled = trials[l2][0]["pooled"]["with_meaning"]
        print(f"l2 {l2}: pooled CV P {pooled[0]} R {pooled[1]}")
    # the pooled F0.5 of lexicon + meaning picks the regularisation
    l2 = max(trials, key=lambda key: _f_half(*trials[key][0]["pooled"]["with_meaning"]))
    _, cuts, scores = trials[l2]
    w, b = fit(X, Y, l2)
    unlabelled = {"benign complaints": benign_messages(), "twitter customers": twitter_customers()}
    added = {name: unlabelled_scores(messages, encode, w, b) for name, messages in unlabelled.items() if messages}
    lexicon = np.array([[kind in t.lexicon for kind in ASK_TYPES] for t in rows])
    cv_cuts = cuts
    cuts = np.array(
        [capped_cut(float(cuts[k]), [a[:, k] for a in added.values()], scores[:, k], gold[:, k], lexicon[:, k], floor) for k in range(len(ASK_TYPES))]
    )
    report = figures(rows, scores, cuts)
    rates = {
        name: {kind: round(float((a[:, k] >= cv_cuts[k]).mean()), 4) for k, kind in enumerate(ASK_TYPES) if cv_cuts[k] <= 1}
        for name, a in added.items()
    }
    meta = {
        "types": list(ASK_TYPES),
        "encoder": "use",
        "date": date.today().isoformat(),
        "sources": [
            {"file": f"evals/data/asks/{p.name}", "rows": "dev half only (evals/splits.py)", "tickets": sum(t.source == p.stem for t in rows)}
            for p in paths
        ],
        "units": {"sentences": int(len(Y)), "positives_per_type": {kind: int(Y[:, k].sum()) for k, kind in enumerate(ASK_TYPES)}},
        "l2": l2,
        "folds": folds,
        "min_added_precision": floor,
        "max_unlabelled_added": MAX_UNLABELLED_ADDED,
        "cross_validated_thresholds": {kind: float(cv_cuts[k]) for k, kind in enumerate(ASK_TYPES)},
        # at the cross-validated cut-offs, before the cap: why a type was switched off
        "unlabelled_added_share": {"messages": {name: len(unlabelled[name]) for name in added}, "per_type": rates},
        "thresholds": {kind: float(cuts[k]) for k, kind in enumerate(ASK_TYPES)},
        "cross_validated": report,
        "trained_by": "python -m evals.train_asks",
    }
    arrays = {
        "w": w.astype(np.float32),
        "b": b.astype(np.float32),
        "thresholds": cuts.astype(np.float32),
        "meta": np.array(json.dumps(meta, ensure_ascii=False)),
    }
    return arrays, meta


def _f_half(precision: float, recall: float) -> float:
    return 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0


def _print(report: dict[str, Any], cuts: dict[str, float]) -> None:
    for name, scores in report.items():
        print(f"\n[cv dev · {name}] tickets {scores['tickets']}  lexicon P/R {scores['lexicon']}  lexicon+meaning P/R {scores['with_meaning']}")
        for kind, row in scores["per_type"].items():
            print(
                f"  {kind:18} cut {cuts[kind]:.3f}  lexicon {row['lexicon']}  +meaning {row['with_meaning']}  (found {row['found']}, labelled {row['labelled']})"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", type=Path, default=None, metavar="FILE", help="default: every labelled set there is")
    parser.add_argument("--out", type=Path, default=None, help=f"default: the packaged {WEIGHTS[1]}")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, nargs="+", default=list(L2_GRID), help="regularisation strengths to cross-validate")
    parser.add_argument("--min-added-precision", type=float, default=MIN_ADDED_PRECISION)
    parser.add_argument("--dry-run", action="store_true", help="report the cross-validated figures, write nothing")
    args = parser.parse_args(argv)
    arrays, meta = train(args.data or default_data(), make_encoder("use"), args.folds, tuple(args.l2), args.min_added_precision)
    print(f"\nchosen l2 {meta['l2']}")
    _print(meta["cross_validated"], meta["thresholds"])
    if not args.dry_run:
        out = args.out or Path(str(resources.files(WEIGHTS[0]).joinpath(WEIGHTS[1])))
        with out.open("wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
        print(f"\nwrote {out} ({out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
