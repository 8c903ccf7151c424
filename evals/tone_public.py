"""How well the tone guard ranks public, human-rated text it was not written for.

    python -m evals.tone_public [--shared DIR] [--json FILE]

Two sets from ../shared/data (read at run time, never copied into the repository):

- DiaSafety validation split (dialogue_safety/val.json, Apache-2.0): AUC for telling the replies rated
  offensive to the user (category "Offending User", label Unsafe) from the replies rated Safe (all
  categories). `offending_only` is the harder within-category AUC (Offending User: Unsafe vs Safe).
- Chinese politeness ratings (politeness_zh/chinese_train.csv, CC BY-NC, evaluation only; the English half
  is reported too): Spearman between the human politeness rating (0 rude … 4 very polite) and how polite the
  guard finds the text. Positive means the guard agrees with people.

Each is reported for three scores, all oriented so that higher means "needs revision":
- `lexicon`: 100 minus the lexicon guard's score (`ToneChecker()`);
- `semantic`: the second opinion's probability (its worst sentence's; `SemanticToneModel.probabilities`);
- `both`: their sum, the lexicon part scaled to 0..1.
For politeness the Spearman is taken against minus that score, so both directions read "higher is better".
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from drafting.guards.tone import ToneChecker
from evals.metrics import auc, spearman

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
OFFENDING = "Offending User"


class PublicDataError(ValueError):
    """A public set is missing or malformed; the message names the file and, where known, the row."""


def read_diasafety(path: Path) -> tuple[list[str], list[bool], list[str]]:
    """Response texts, whether each is offensive to the user, and each row's category; Unsafe rows of other
    categories (agreeing with toxicity, risky advice…) are left out: they are not about tone."""
    if not path.is_file():
        raise PublicDataError(f"{path}: no such file (DiaSafety lives beside the checkout, in ../shared/data/dialogue_safety)")
    rows = json.loads(path.read_text(encoding="utf-8"))
    texts, offensive, categories = [], [], []
    for number, row in enumerate(rows):
        try:
            category, label, response = row["category"], row["label"], row["response"]
        except (KeyError, TypeError):
            raise PublicDataError(f"{path}: row {number} lacks category/label/response") from None
        if label == "Safe" or category == OFFENDING:
            texts.append(response)
            offensive.append(label == "Unsafe")
            categories.append(category)
    return texts, offensive, categories


def read_ratings(path: Path) -> tuple[list[str], list[float]]:
    if not path.is_file():
        raise PublicDataError(f"{path}: no such file (the politeness ratings live in ../shared/data/politeness_zh)")
    texts, ratings = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                ratings.append(float(row["labels"]))
            except (KeyError, TypeError, ValueError):
                raise PublicDataError(f"{path}:{number}: no numeric `labels` column") from None
            texts.append(row["Utterance"] or "")
    return texts, ratings


def needs_revision_scores(texts: Sequence[str], model: Any | None) -> dict[str, np.ndarray]:
    """Per text, higher = more in need of revision, for the lexicon, the second opinion and both."""
    checker = ToneChecker()
    lexicon = np.array([(100 - checker.check(t, kind="auto").score) / 100 for t in texts])
    out = {"lexicon": lexicon}
    if model is not None:
        probability = np.asarray(model.probabilities(list(texts)), dtype=float)
        out["semantic"] = probability
        out["both"] = lexicon + probability
    return out


def run(shared: Path = SHARED, model: Any | None = None) -> dict[str, Any]:
    texts, offensive, categories = read_diasafety(shared / "dialogue_safety" / "val.json")
    scores = needs_revision_scores(texts, model)
    within = np.array([c == OFFENDING for c in categories])
    gold = np.array(offensive)
    result: dict[str, Any] = {
        "diasafety_val": {
            "offensive": int(gold.sum()),
            "safe": int((~gold).sum()),
            **{name: {"auc": auc(list(s), list(gold)), "offending_only": auc(list(s[within]), list(gold[within]))} for name, s in scores.items()},
        }
    }
    for language in ("chinese", "english"):
        texts, ratings = read_ratings(shared / "politeness_zh" / f"{language}_train.csv")
        scores = needs_revision_scores(texts, model)
        result[f"politeness_{language}"] = {"rows": len(texts), **{name: {"spearman": spearman(list(-s), ratings)} for name, s in scores.items()}}
    return result


def _print(result: dict[str, Any]) -> None:
    d = result["diasafety_val"]
    print(f"DiaSafety val: offensive-to-user {d['offensive']} vs safe {d['safe']} (AUC; within Offending User in brackets)")
    for name in ("lexicon", "semantic", "both"):
        if name in d:
            print(f"  {name:9s} AUC {d[name]['auc']:.3f}  ({d[name]['offending_only']:.3f})")
    for language in ("chinese", "english"):
        p = result[f"politeness_{language}"]
        print(f"politeness_zh {language} ({p['rows']} rows): Spearman of the human rating with the guard's politeness")
        for name in ("lexicon", "semantic", "both"):
            if name in p:
                print(f"  {name:9s} rho {p[name]['spearman']:+.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.tone_public", description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED, help="folder holding dialogue_safety/ and politeness_zh/")
    parser.add_argument("--weights", type=Path, help="second-opinion weights (default: the packaged ones)")
    parser.add_argument("--lexicon-only", action="store_true", help="skip the second opinion (no embedding model)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    model = None
    if not args.lexicon_only:
        from drafting.guards.tone_semantic import SemanticToneModel, default_model

        model = SemanticToneModel.load(args.weights) if args.weights else default_model()
    try:
        result = run(args.shared, model)
    except PublicDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
