"""Reading the customer (drafting.domain.asks) against tickets labelled by an independent author.

    python -m evals.asks [--split dev|test|all] [--data FILE ...] [--lexicon-only] [--misses] [--json] [--benign]

evals/data/asks/asks.jsonl, asks_b.jsonl, asks_c.jsonl and asks_d.jsonl (each written later than the one before,
by an author who never saw the code; `--data` picks files, default all four, each reported alone and pooled): one
ticket a line: id, lang, incident, messages, asks [{type, phrase, amount?, multiple?, who?}], role, anger (0-3). An ask is found when the reader reports its type for that ticket
(counted once per ticket and type), so per type: precision = tickets where the type was both found and
labelled / tickets where it was found; recall = … / tickets where it was labelled. Role accuracy and anger
agreement (exact, and within one step) are per language too.

Rows are split by the first hex digit of sha256(id): 0-7 dev, 8-f test. The lexicon and the classifier
(drafting/domain/ask_meaning.py, trained by evals/train_asks.py on dev rows and on the training-only sets of
evals/data/train/, never on test rows) are tuned on dev rows only; `--misses` lists
dev rows' misses and false asks and refuses the test split (a training-only set under evals/data/train/ has no test
half: `--split all --misses` lists every row's). The reader is the lexicon with the classifier's
second opinion; `--lexicon-only` scores the lexicon alone. On dev the classifier has seen every row it is scored
on: the honest dev figure is evals/train_asks.py's cross-validated one.

`--benign` counts asks per message on text the lexicon never saw: the ordinary complaints of
evals/data/attacks/benign.jsonl and evals/data/attacks_b/benign.jsonl, and real customers' tweets to brand
support accounts (real_replies/en_twitter_support.csv, column customer_text, in --shared data when present).
Neither is labelled for asks: the rate bounds how often a reply would be told to answer something.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drafting.domain.ask_meaning import AskMeaning, default_meaning
from drafting.domain.asks import ASK_TYPES, read_asks
from evals.datafiles import EvalDataError, read_jsonl
from evals.splits import split_of

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "evals" / "data" / "asks" / "asks.jsonl"
DATA_B = ROOT / "evals" / "data" / "asks" / "asks_b.jsonl"
DATA_C = ROOT / "evals" / "data" / "asks" / "asks_c.jsonl"
DATA_D = ROOT / "evals" / "data" / "asks" / "asks_d.jsonl"
DEFAULT_DATA = [DATA, DATA_B, DATA_C, DATA_D]  # the four sets, each by an author who never saw the code


def default_data() -> list[Path]:
    """The labelled sets that are there (a checkout may predate the newest)."""
    return [path for path in DEFAULT_DATA if path.exists()]


SHARED = Path(os.environ.get("TACTFUL_SHARED_DATA", ROOT.parent / "shared" / "data"))  # beside the checkout
BENIGN = [ROOT / "evals" / "data" / "attacks" / "benign.jsonl", ROOT / "evals" / "data" / "attacks_b" / "benign.jsonl"]
TRAINING = ROOT / "evals" / "data" / "train"  # training-only sets: no test half, so every row may be read


def training_only(path: Path) -> bool:
    """A set written for training (evals/data/train/): its misses may be read on every row."""
    return path.resolve().parent == TRAINING.resolve()


@dataclass
class Tally:
    found: Counter[str] = field(default_factory=Counter)  # per type: tickets where the reader found it
    labelled: Counter[str] = field(default_factory=Counter)
    both: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    role_right: int = 0
    anger_exact: int = 0
    anger_near: int = 0
    seconds: list[float] = field(default_factory=list)  # reading each ticket

    def add(self, found: set[str], labelled: set[str], role_right: bool, anger_gap: int) -> None:
        self.rows += 1
        self.found.update(found)
        self.labelled.update(labelled)
        self.both.update(found & labelled)
        self.role_right += role_right
        self.anger_exact += anger_gap == 0
        self.anger_near += anger_gap <= 1

    def per_type(self) -> dict[str, dict[str, float | int]]:
        table: dict[str, dict[str, float | int]] = {}
        for kind in ASK_TYPES:
            found, labelled, both = self.found[kind], self.labelled[kind], self.both[kind]
            table[kind] = {
                "precision": round(both / found, 3) if found else 1.0,
                "recall": round(both / labelled, 3) if labelled else 1.0,
                "found": found,
                "labelled": labelled,
            }
        return table

    def summary(self) -> dict[str, Any]:
        found, labelled, both = sum(self.found.values()), sum(self.labelled.values()), sum(self.both.values())
        share = (lambda n: round(n / self.rows, 3)) if self.rows else (lambda n: 0.0)
        return {
            "rows": self.rows,
            "precision": round(both / found, 3) if found else 1.0,
            "recall": round(both / labelled, 3) if labelled else 1.0,
            "role_accuracy": share(self.role_right),
            "anger_exact": share(self.anger_exact),
            "anger_within_1": share(self.anger_near),
            "ms_per_ticket_median": round(1000 * statistics.median(self.seconds), 1) if self.seconds else 0.0,
        }


def _checked(row: dict[str, Any], number: int, path: Path) -> dict[str, Any]:
    where = f"{path}: row {number} ({row.get('id')})"
    if not isinstance(row["messages"], list) or not all(isinstance(m, str) for m in row["messages"]):
        raise EvalDataError(f"{where}: messages must be a list of strings")
    unknown = {ask.get("type") for ask in row["asks"]} - set(ASK_TYPES)
    if unknown:
        raise EvalDataError(f"{where}: unknown ask types {sorted(map(str, unknown))}")
    return row


def load(path: Path = DATA) -> list[dict[str, Any]]:
    rows = read_jsonl(path, required=("id", "lang", "messages", "asks", "role", "anger"))
    return [_checked(row, number, path) for number, row in enumerate(rows, start=1)]


def in_split(rows: Iterable[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    return [row for row in rows if split == "all" or split_of(str(row["id"])) == split]


def evaluate(rows: list[dict[str, Any]], misses: list[str] | None = None, meaning: AskMeaning | None = None) -> dict[str, Any]:
    """Scores per language and overall; dev rows' misses are appended to `misses` when given. `meaning`: the
    classifier's second opinion (None: the lexicon alone)."""
    tallies = {"all": Tally(), "zh": Tally(), "en": Tally()}
    for row in rows:
        started = time.perf_counter()
        reading = read_asks(row["messages"], row["lang"], meaning=meaning)
        took = time.perf_counter() - started
        found, labelled = reading.types(), {ask["type"] for ask in row["asks"]}
        role_right, gap = reading.role == row["role"], abs(reading.anger - int(row["anger"]))
        for name in ("all", row["lang"]):
            if name in tallies:
                tallies[name].add(found, labelled, role_right, gap)
                tallies[name].seconds.append(took)
        if misses is not None and (found != labelled or not role_right or gap > 1):
            misses.append(_miss(row, reading.asks, found, labelled, reading.role, reading.anger))
    return {name: {**tally.summary(), "per_type": tally.per_type()} for name, tally in tallies.items() if tally.rows}


def _miss(row: dict[str, Any], asks: list[Any], found: set[str], labelled: set[str], role: str, anger: int) -> str:
    lines = [f"## {row['id']} role {role} (label {row['role']}) anger {anger} (label {row['anger']})"]
    lines += [f"  > {message}" for message in row["messages"]]
    lines += [f"  missed {kind}: {[a['phrase'] for a in row['asks'] if a['type'] == kind]}" for kind in sorted(labelled - found)]
    lines += [f"  false {kind}: {[a.phrase for a in asks if a.type == kind]}" for kind in sorted(found - labelled)]
    return "\n".join(lines)


def benign_messages(paths: list[Path] = BENIGN) -> list[str]:
    messages: list[str] = []
    for path in paths:
        for row in read_jsonl(path):
            texts = row.get("messages") or [row.get("text", "")]
            messages += [t if isinstance(t, str) else str(t.get("text", "")) for t in texts]
    return messages


def twitter_customers(shared: Path = SHARED) -> list[str]:
    """Real customers' tweets to brand support accounts (the customer_text column), when the shared data is
    there; [] otherwise."""
    path = shared / "real_replies" / "en_twitter_support.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["customer_text"] for row in csv.DictReader(handle) if (row.get("customer_text") or "").strip()]


def ask_rate(messages: list[str], meaning: AskMeaning | None = None) -> dict[str, Any]:
    """Asks found per message on text nobody labelled (the lexicon was never tuned on it)."""
    per_type: Counter[str] = Counter()
    with_ask = 0
    for message in messages:
        kinds = read_asks([message], meaning=meaning).types()
        per_type.update(kinds)
        with_ask += bool(kinds)
    total = sum(per_type.values())
    return {
        "messages": len(messages),
        "asks_per_message": round(total / len(messages), 3) if messages else 0.0,
        "messages_with_an_ask": round(with_ask / len(messages), 3) if messages else 0.0,
        "per_type": dict(per_type.most_common()),
    }


def _print(report: dict[str, Any], split: str, label: str) -> None:
    for name, scores in report.items():
        print(
            f"\n[{label} {split} · {name}] rows {scores['rows']}  P {scores['precision']}  R {scores['recall']}  "
            f"role {scores['role_accuracy']}  anger exact {scores['anger_exact']} ±1 {scores['anger_within_1']}  "
            f"{scores['ms_per_ticket_median']} ms/ticket (median)"
        )
        for kind, row in scores["per_type"].items():
            print(f"  {kind:18} P {row['precision']:.3f}  R {row['recall']:.3f}  (found {row['found']}, labelled {row['labelled']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--data", nargs="+", type=Path, default=None, metavar="FILE", help="labelled sets (default: all three)")
    parser.add_argument("--lexicon-only", action="store_true", help="score the lexicon without the classifier's second opinion")
    parser.add_argument("--misses", action="store_true", help="list dev rows the reader got wrong")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--benign", action="store_true", help="also count asks on ordinary complaints")
    args = parser.parse_args(argv)
    if args.misses and args.split != "dev" and not (args.data and all(map(training_only, args.data))):
        parser.error(
            "--misses shows dev rows only (or any row of a training-only set under evals/data/train/): test rows are for reporting, never for reading"
        )
    try:
        sets = {path.stem: in_split(load(path), args.split) for path in args.data or default_data()}
    except EvalDataError as exc:
        parser.exit(2, f"evals.asks: {exc}\n")
    meaning = None if args.lexicon_only else default_meaning()
    misses: list[str] | None = [] if args.misses else None
    report: dict[str, Any] = {"reader": "lexicon" if meaning is None else f"lexicon + {meaning.describe()}"}
    report["asks"] = {name: evaluate(rows, misses, meaning) for name, rows in sets.items()}
    if len(sets) > 1:
        report["asks"]["pooled"] = evaluate([row for rows in sets.values() for row in rows], None, meaning)
    if args.benign:
        report["benign"] = ask_rate(benign_messages(), meaning)
        report["twitter_customers"] = ask_rate(twitter_customers(), meaning)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for miss in misses or []:
        print(miss)
    print(f"reader: {report['reader']}")
    for name, scores in report["asks"].items():
        _print(scores, args.split, name)
    if args.benign:
        print(f"\n[benign complaints] {json.dumps(report['benign'], ensure_ascii=False)}")
        print(f"[twitter customers] {json.dumps(report['twitter_customers'], ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
