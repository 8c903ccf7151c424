"""`tactful tone check` and `tactful commitments check`: the guards on any text."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from drafting import services
from drafting.cli.common import app, configured_settings, err, fail, out, read_incident
from drafting.domain.entitlements import counted_facts, entitlements
from drafting.domain.files import RecordError, read_tickets
from drafting.domain.models import Ticket
from drafting.guards import commitments as commitment_guard
from drafting.guards.tone import ToneReport
from drafting.guards.tone_batch import check_jsonl_lines, report_json

tone_app = typer.Typer(help="The tone guard: flag dismissive phrasing, score tone.", no_args_is_help=True)


app.add_typer(tone_app, name="tone")


commitments_app = typer.Typer(help="The commitment guard: is every promise in a text backed by policy?", no_args_is_help=True)


app.add_typer(commitments_app, name="commitments")


@tone_app.command("check")
def tone_check(
    text: Annotated[str | None, typer.Argument(help="The text to check (omit with --jsonl).")] = None,
    jsonl: Annotated[str | None, typer.Option("--jsonl", help='A JSONL file, or - for stdin: one {"id", "text", "lang"?, "kind"?} per line.')] = None,
    kind: Annotated[str, typer.Option(help="draft (reply/statement), chat (short message) or auto.")] = "auto",
    lang: Annotated[str | None, typer.Option(help="zh or en; detected when omitted.")] = None,
    pretty: Annotated[bool, typer.Option("--pretty", help="Readable output instead of JSON (TEXT only).")] = False,
    answering: Annotated[
        list[str] | None,
        typer.Option(
            "--answering",
            help='The customer\'s message TEXT replies to (repeat for several; in --jsonl, an "answering" field): '
            "courtesy alone in answer to a complaint is flagged.",
        ),
    ] = None,
) -> None:
    """Check tone: one JSON object per text — score, verdict, sub-scores and flags with spans,
    severity, explanation and a suggested rewrite. With --jsonl, a line that cannot be read gets an
    error object naming its line number and the rest are still checked; the exit code is 1 if any line
    failed."""
    if (text is None) == (jsonl is None):
        raise fail("give either TEXT or --jsonl FILE|- (not both)")
    if answering and jsonl is not None:
        raise fail('--answering goes with TEXT; with --jsonl, give each line an "answering" field')
    if kind not in ("auto", "draft", "chat"):
        raise fail(f"--kind must be auto, draft or chat, got {kind!r}")
    if lang is not None and lang not in ("zh", "en"):
        raise fail(f"--lang must be zh or en, got {lang!r}")
    checker = services.tone_checker(configured_settings())
    if text is not None:
        report = checker.check(text, kind=kind, lang=lang, answering=answering or [])
        if pretty:
            _print_tone(report)
        else:
            out.print(json.dumps(report_json(None, report), ensure_ascii=False), highlight=False, markup=False)
        return
    if jsonl == "-":
        stream = sys.stdin.buffer
    else:
        path = Path(str(jsonl))
        if not path.is_file():
            raise fail(f"{path}: no such file")
        stream = path.open("rb")
    failed = 0
    with stream:
        for result in check_jsonl_lines(stream, checker, kind=kind, lang=lang):
            failed += "error" in result
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    if failed:
        err.print(f"{failed} line(s) could not be checked; see the error objects in the output", highlight=False)
        raise typer.Exit(1)


SEVERITY_COLOUR = {"low": "cyan", "medium": "yellow", "high": "red"}


def _print_tone(report: ToneReport) -> None:
    colour = {"ok": "green", "revise": "yellow", "block": "red"}[report.verdict]
    out.print(f"[bold {colour}]{report.verdict}[/]  score {report.score}/100  ({report.kind}, {report.lang})")
    out.print("  " + "  ".join(f"{name} {value}" for name, value in report.subscores.items()), highlight=False)
    for flag in report.flags:
        out.print(
            f"  [{SEVERITY_COLOUR[flag.severity]}]{flag.severity}[/] {flag.category} [{flag.start}:{flag.end}] “{flag.phrase}”", highlight=False
        )
        out.print(f"      why: {flag.explanation}", highlight=False, markup=False)
        out.print(f"      try: {flag.suggestion}", highlight=False, markup=False)
    for note in report.style:
        out.print(f"  [dim]style note[/] {note.category} [{note.start}:{note.end}] “{note.phrase}” — {note.explanation}", highlight=False)
    for excused in report.excused:
        out.print(f"  [dim]not counted ({excused.reason}): “{excused.phrase}”[/]", highlight=False)


@commitments_app.command("check")
def commitments_check(
    ticket: Annotated[Path, typer.Option(help="The ticket (a JSON file, or a .jsonl/.csv with one ticket).")],
    text: Annotated[str, typer.Option(help="The draft text to check.")],
    incident: Annotated[Path | None, typer.Option(help="Incident record, for its decisions and declared status.")] = None,
) -> None:
    """List every promise in TEXT as backed (with the rule) or unbacked/exceeds (with the reason), as JSON.
    Exit code 1 when any promise is not backed."""
    try:
        if ticket.suffix.lower() == ".json":
            raw = ticket.read_text(encoding="utf-8")
            one = Ticket.model_validate_json(raw)
        else:
            found = [line for line in read_tickets(ticket)]
            if len(found) != 1 or found[0].ticket is None:
                raise fail(
                    f"{ticket}: expected exactly one readable ticket, found {len(found)}"
                    + (f" ({found[0].error})" if found and found[0].error else "")
                )
            one = found[0].ticket
    except RecordError as exc:
        raise fail(str(exc)) from None
    except (ValidationError, OSError, UnicodeDecodeError) as exc:
        raise fail(f"{ticket}: {exc}") from None
    book = services.load_policy_book(configured_settings())
    record = read_incident(incident) if incident else None
    entitled = entitlements(book, one.facts, record)
    report = commitment_guard.check(
        text, entitled, order_amount=counted_facts(one.facts, record).order_amount, recorded=record.recorded_texts() if record else ()
    )
    sys.stdout.write(json.dumps({"ticket": one.id, **report.to_dict()}, ensure_ascii=False) + "\n")
    if not report.ok:
        raise typer.Exit(1)
