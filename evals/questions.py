"""A calm customer's plain question, answered from the incident record or honestly not at all
(drafting.drafters.record_answers), against questions labelled by an author who never saw the code.

    python -m evals.questions [--split dev|test|all] [--data FILE] [--lexical-only] [--meaning SIM MARGIN] [--misses] [--json]

evals/data/questions/questions.jsonl: one question a line — id, incident (a scenario of evals/data/scenarios, or
of the evals/data folder named by an optional `incident_dir`: questions_b.jsonl asks about the reader sets), lang,
messages, and where the record answers it: {"kind": "action", "index": n}, {"kind": "clause", "field",
"text"} or {"kind": "none"} (the record is silent, so the honest reply is "not yet").

Per language and overall:
- answered right: answerable questions answered with the labelled action, or a clause overlapping the labelled
  text, over all answerable questions (recall);
- wrong answers: questions answered with another part of the record, over every question answered — the
  costly error: a customer told something that is not what they asked;
- false answers on silent questions: "none" rows answered anyway, over all "none" rows.
Rows are split by the first hex digit of sha256(id): 0-7 dev, 8-f test; `--misses` lists dev rows only.
`--meaning SIM MARGIN` tries the meaning fallback (record_answers._by_meaning) with these limits instead of
the shipped ones (templates/questions.yaml `meaning`; none ships: see bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from drafting.domain.files import load_incident
from drafting.domain.models import Incident
from drafting.drafters import record_answers
from evals.datafiles import EvalDataError, read_jsonl
from evals.splits import split_of

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "evals" / "data" / "questions" / "questions.jsonl"
SCENARIOS = ROOT / "evals" / "data" / "scenarios"


@cache
def _incident(name: str, folder: str = "") -> Incident:
    """A scenario incident, or one of another folder of evals/data (a row's `incident_dir`: the reader sets)."""
    where = SCENARIOS if not folder else ROOT / "evals" / "data" / folder
    if folder and (not folder.replace("_", "").isalnum() or not where.is_dir()):
        raise EvalDataError(f"incident_dir {folder!r}: not a folder of {ROOT / 'evals' / 'data'}")
    path = where / f"{name}.incident.yaml"
    if not path.exists():
        raise EvalDataError(f"no incident {name!r} in {where}")
    return load_incident(path)


@dataclass
class Outcome:
    row: dict[str, Any]
    found: record_answers.Found | None
    verdict: str  # right | wrong | missed | silent_ok | false_answer


def _overlaps(clause: str, text: str) -> bool:
    """The answer's clause and the labelled text are the same part of the record: one holds the other, or
    they share most of the shorter one's characters in order (the record's clauses are cut at punctuation
    the author may have cut differently)."""
    a, b = clause.strip(" 。.，,"), text.strip(" 。.，,")
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    shorter, longer = sorted((a, b), key=len)
    window = max(4, len(shorter) // 2)
    return any(shorter[i : i + window] in longer for i in range(0, len(shorter) - window + 1))


def judge(row: dict[str, Any], semantic: bool = True) -> Outcome:
    incident = _incident(row["incident"], str(row.get("incident_dir", "")))
    lang = row["lang"]
    asked = record_answers.questions(row["messages"], lang)
    question = asked[0] if asked else " ".join(row["messages"])
    found = record_answers.answer_from_record(question, incident, lang, " ".join(row["messages"]), semantic=semantic)
    want = row["answer"]
    if want["kind"] == "none":
        return Outcome(row, found, "silent_ok" if found is None else "false_answer")
    if found is None:
        return Outcome(row, found, "missed")
    if want["kind"] == "action":
        right = found.action is not None and found.action == incident.actions[int(want["index"])]
    else:
        right = found.kind == "clause" and _overlaps(found.clause, str(want["text"]))
    return Outcome(row, found, "right" if right else "wrong")


def score(outcomes: list[Outcome]) -> dict[str, Any]:
    def figures(rows: list[Outcome]) -> dict[str, Any]:
        count = defaultdict(int)
        for o in rows:
            count[o.verdict] += 1
        answerable = count["right"] + count["wrong"] + count["missed"]
        answered = count["right"] + count["wrong"] + count["false_answer"]
        silent = count["silent_ok"] + count["false_answer"]
        return {
            "rows": len(rows),
            "answered_right": round(count["right"] / answerable, 3) if answerable else None,
            "wrong_answers": round((count["wrong"] + count["false_answer"]) / answered, 3) if answered else None,
            "false_answers_on_silent": round(count["false_answer"] / silent, 3) if silent else None,
            "counts": dict(count),
        }

    by_lang = {lang: figures([o for o in outcomes if o.row["lang"] == lang]) for lang in ("zh", "en")}
    return {"all": figures(outcomes), **by_lang}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.questions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--lexical-only", action="store_true", help="word overlap alone, without the meaning fallback")
    parser.add_argument("--meaning", nargs=2, type=float, metavar=("SIM", "MARGIN"), help="try the meaning fallback with these limits")
    parser.add_argument("--misses", action="store_true", help="print the dev rows answered wrongly or missed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.misses and args.split != "dev":
        parser.error("--misses lists dev rows only: test rows are for reporting, never for tuning")
    if args.meaning:
        grammar = dataclasses.replace(record_answers._grammar(), meaning={"min_similarity": args.meaning[0], "min_margin": args.meaning[1]})
        record_answers._grammar = lambda: grammar  # type: ignore[assignment]  # this process only
    rows = [
        r
        for r in read_jsonl(args.data, required=("id", "incident", "lang", "messages", "answer"))
        if args.split == "all" or split_of(r["id"]) == args.split
    ]
    outcomes = [judge(row, semantic=not args.lexical_only) for row in rows]
    result = score(outcomes)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(f"{args.data.name} ({args.split}, {'word overlap only' if args.lexical_only else 'word overlap + meaning'})")
        for name, f in result.items():
            print(
                f"  {name:>3}: {f['rows']} rows; answered right {f['answered_right']}; wrong answers {f['wrong_answers']}; "
                f"false answers on silent questions {f['false_answers_on_silent']}  {f['counts']}"
            )
    if args.misses:
        for o in outcomes:
            if o.verdict in ("wrong", "missed", "false_answer"):
                got = o.found.action.what.pick(o.row["lang"]) if o.found and o.found.action else (o.found.clause if o.found else None)
                print(
                    json.dumps(
                        {"id": o.row["id"], "verdict": o.verdict, "messages": o.row["messages"], "want": o.row["answer"], "got": got},
                        ensure_ascii=False,
                    )
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
