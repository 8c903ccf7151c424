"""The blind reader's evaluation: replies read as the customer would read them, scored 1–5 by a person
who never saw the code (P10's seven dimensions), on incidents written by yet another person.

    python -m evals.reader packet [--scenarios DIR] [--out FILE.md]   # what the reader reads
    python -m evals.reader summary SCORES.jsonl                       # means per dimension and language

`packet` drafts, with the composer, every ticket of every incident in DIR (default
evals/data/reader_incidents/, written by a separate author) in one batch per incident, as staff would, plus
the public statement for the incident's stage in each language, and writes them with the incident record and
the customers' own words as one Markdown file. The reader writes one JSON line per reply
`{"ticket", "lang", "person", "answers", "apology", "remedy", "next", "length", "natural", "worst"}` and per
statement `{"statement", "overall", "why"}`; `summary` prints the means.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from drafting import services
from drafting.domain.files import load_incident, read_tickets
from drafting.domain.models import Incident
from drafting.drafters.batch import draft_many
from drafting.drafters.composer import Composer
from evals.datafiles import EvalDataError, read_jsonl
from evals.drafts import scenario_files
from knowledge.policy import PolicyBook, Remedy, Rule, describe_remedy

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / "evals" / "data" / "reader_incidents"
DIMENSIONS = ("person", "answers", "apology", "remedy", "next", "length", "natural")


def _decision(remedy: Remedy, lang: str) -> str:
    who = f" for {', '.join(remedy.for_issue_types)}" if remedy.for_issue_types else ""
    what = remedy.text.pick(lang) if remedy.text is not None else describe_remedy(remedy).split(" — rule ")[0]
    return f"- decided remedy ({remedy.rule_id}{who}): {what}"


def _rule(rule: Rule) -> str:
    """A policy-book rule the incident invokes, as the reader needs it to judge a remedy: when it applies, what
    it gives (a blind reader read a rule's coupon as invented when the packet showed only the decisions)."""
    when = "; or ".join(", ".join(f"{k} {v}" for k, v in block.items()) for block in rule.when) or "always"
    gives = "; ".join(describe_remedy(r).split(" — rule ")[0] for r in rule.remedies)
    return f"- policy rule ({rule.id}{f', {rule.title}' if rule.title else ''}) when {when}: {gives}"


def _record(incident: Incident, lang: str, book: PolicyBook | None = None) -> list[str]:
    lines = [f"- what happened: {incident.what_happened.pick(lang)}"]
    if incident.impact.pick(lang):
        lines.append(f"- who was affected: {incident.impact.pick(lang)}")
    if incident.cause.pick(lang):
        lines.append(f"- cause: {incident.cause.pick(lang)}")
    lines += [f"- action: {a.what.pick(lang)} ({a.owner.pick(lang) or '—'}, {a.due or 'no date'})" for a in incident.actions]
    lines += [_decision(r, lang) for r in incident.decisions]
    if book is not None:
        lines += [_rule(rule) for rule in (book.rule(rule_id) for rule_id in incident.rules) if rule is not None]
    if incident.next_update:
        lines.append(f"- next update: {incident.next_update:%Y-%m-%d %H:%M}")
    return lines


def packet(dirs: list[Path]) -> str:
    settings = services.default_settings()
    composer = Composer(PolicyBook.load(settings.policy_dir))
    out = ["# Replies to read", ""]
    for incident_path, tickets_path in scenario_files(dirs):
        incident = load_incident(incident_path)
        out += [f"## Incident {incident.id}: {incident.title.pick('en')} / {incident.title.pick('zh')}", f"stage {incident.stage}", ""]
        for lang in ("en", "zh"):
            out += [f"### The record ({lang})", *_record(incident, lang, composer.book), ""]
        if tickets_path is not None:
            tickets = [line.ticket for line in read_tickets(tickets_path, incident_id=incident.id) if line.ticket]
            drafts = {d.ticket_id: d for d in draft_many(composer, incident, tickets).drafts}
            for ticket in tickets:
                draft = drafts.get(ticket.id)
                out += [f"### Ticket {ticket.id} — {ticket.customer} ({ticket.language()})", "What the customer wrote:"]
                out += [f"> {message}" for message in ticket.messages]
                out += ["", "Reply drafted:", "", "```", draft.text if draft else "(no draft)", "```", ""]
        for lang in incident.languages:
            statement = composer.draft_statement(incident, incident.stage, lang)
            out += [f"### Statement {incident.id}/{incident.stage}/{lang}", "", "```", statement.text, "```", ""]
    return "\n".join(out)


def summary(path: Path) -> dict[str, Any]:
    rows = read_jsonl(path, required=())
    per: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    statements: list[float] = []
    for row in rows:
        if "statement" in row:
            statements.append(float(row["overall"]))
            continue
        for dimension in DIMENSIONS:
            per[row["lang"]][dimension].append(float(row[dimension]))
    result: dict[str, Any] = {lang: {d: round(statistics.mean(v), 2) for d, v in dims.items()} for lang, dims in sorted(per.items())}
    everything = [x for dims in per.values() for values in dims.values() for x in values]
    result["replies_mean"] = round(statistics.mean(everything), 2) if everything else None
    result["statements_mean"] = round(statistics.mean(statements), 2) if statements else None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("packet")
    make.add_argument("--scenarios", type=Path, nargs="+", default=[DEFAULT_DIR])
    make.add_argument("--out", type=Path)
    score = sub.add_parser("summary")
    score.add_argument("scores", type=Path)
    args = parser.parse_args(argv)
    if args.command == "packet":
        text = packet(args.scenarios)
        if args.out:
            args.out.write_text(text, encoding="utf-8")
            print(f"wrote {args.out}")
        else:
            print(text)
        return 0
    try:
        print(json.dumps(summary(args.scores), ensure_ascii=False, indent=2))
    except EvalDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
