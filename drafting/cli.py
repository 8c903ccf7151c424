"""`tactful` — the command line. A front door: it parses, calls services, prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from drafting import services
from drafting.tone import ToneReport
from drafting.tone_batch import check_jsonl_lines, report_json
from knowledge.ingest import ingest as ingest_paths
from knowledge.policy import PolicyBook, PolicyError, TicketFacts, describe_remedy
from drafting.settings import Settings, SettingsError
from knowledge.store import KnowledgeStore, StoreError

app = typer.Typer(
    help="Tactful drafts honest, non-dismissive crisis replies grounded in your policies.",
    no_args_is_help=True,
    add_completion=False,
)
policy_app = typer.Typer(help="The policy book: validate rule files, compute remedies.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
tone_app = typer.Typer(help="The tone guard: flag dismissive phrasing, score tone.", no_args_is_help=True)
app.add_typer(tone_app, name="tone")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return services.default_settings()
    except SettingsError as exc:
        raise _fail(str(exc)) from None


def _store() -> KnowledgeStore:
    try:
        return services.open_store(_settings())
    except (StoreError, ValueError) as exc:
        raise _fail(str(exc)) from None


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.md, .txt, .pdf with YAML front matter).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Add or update documents in the knowledge store. Unchanged files are skipped;
    files deleted from an ingested folder are removed from the store."""
    store = _store()
    quiet = as_json or not sys.stderr.isatty()
    with Progress(
        TextColumn("[bold]ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        disable=quiet,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def report_progress(path: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, description=Path(path).name if path else "")
            if quiet and not as_json and path:
                # No terminal (CI, a log file): one plain line per file instead of a bar.
                err.print(f"[{done + 1}/{total}] {path}", highlight=False)

        report = ingest_paths(store, paths, progress=report_progress)
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for error in report.errors:
            err.print(f"[red]✗[/] {error.path}: {error.problem}", highlight=False)
        out.print(f"{report.summary()} ({report.chunks} chunks written, {store.count()} in the store)")
    if report.errors:
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in Chinese or English.")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many results.")] = 5,
    kind: Annotated[Optional[str], typer.Option(help="policy or incident")] = None,
    lang: Annotated[Optional[str], typer.Option(help="zh or en: only documents in this language")] = None,
    tag: Annotated[Optional[list[str]], typer.Option(help="Only documents with this tag (repeatable).")] = None,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Include superseded documents.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of results.")] = False,
) -> None:
    """Search policies and past incident write-ups (dense + BM25, fused)."""
    if kind not in (None, "policy", "incident"):
        raise _fail(f"--kind must be policy or incident, got {kind!r}")
    if lang not in (None, "zh", "en"):
        raise _fail(f"--lang must be zh or en, got {lang!r}")
    store = _store()
    results = store.search(query, k, kind=kind, lang=lang, tags=tag or (), include_superseded=all_versions)
    if as_json:
        out.print_json(json.dumps([r.to_dict() for r in results], ensure_ascii=False))
        return
    if not results:
        out.print("No results." + ("" if store.count() else " The store is empty: run `tactful ingest PATH` first."))
        return
    for rank, result in enumerate(results, start=1):
        out.print(
            f"[bold]{rank}. {result.title}[/] › {result.heading}  [dim]({result.kind}, {result.lang}, "
            f"score {result.score:.4f}, {result.chunk_id})[/]",
            highlight=False,
        )
        snippet = " ".join(result.text.split())
        out.print(f"   {snippet[:240]}{'…' if len(snippet) > 240 else ''}", highlight=False)
        out.print(f"   [dim]{result.source}[/]", highlight=False)


@app.command()
def documents(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List stored documents and whether each is current or superseded."""
    docs = sorted(_store().documents().values(), key=lambda d: (d.kind, d.doc_id, d.lang))
    if as_json:
        out.print_json(json.dumps([d.__dict__ | {"chunk_ids": list(d.chunk_ids)} for d in docs], ensure_ascii=False))
        return
    table = Table("id", "lang", "kind", "title", "version", "status", "chunks")
    for d in docs:
        table.add_row(
            d.doc_id, d.lang, d.kind, d.title, d.version or d.effective, "current" if d.active else "superseded",
            str(len(d.chunk_ids)),
        )
    out.print(table)


@policy_app.command("check")
def policy_check(
    directory: Annotated[Optional[Path], typer.Argument(help="Folder of rule files; default: the configured one.")] = None,
) -> None:
    """Validate the policy book and list its rules."""
    try:
        book = PolicyBook.load(directory or _settings().policy_dir)
    except PolicyError as exc:
        raise _fail(str(exc)) from None
    for rule in book.rules:
        out.print(f"[bold]{rule.id}[/] ({rule.document}) {rule.title}", highlight=False)
    out.print(f"{len(book.rules)} rules, {len(book.caps)} caps, {len(book.approvals)} approval limits: OK")


@policy_app.command("remedies")
def policy_remedies(
    facts: Annotated[str, typer.Argument(help='Ticket facts as JSON, e.g. \'{"issue_type": "late_delivery", "delay_minutes": 45}\', or @file.json')],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compute the remedies a ticket is entitled to."""
    text = Path(facts[1:]).read_text(encoding="utf-8") if facts.startswith("@") else facts
    try:
        ticket = TicketFacts.model_validate_json(text)
        book = services.load_policy_book(_settings())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'facts'}: {e['msg']}" for e in exc.errors())
        raise _fail(f"invalid ticket facts: {problems}") from None
    except PolicyError as exc:
        raise _fail(str(exc)) from None
    remedies = book.remedies_for(ticket)
    if as_json:
        out.print_json(json.dumps([r.model_dump(mode="json", exclude_none=True) for r in remedies], ensure_ascii=False))
        return
    if not remedies:
        out.print("No rule in the policy book grants a remedy for these facts.")
    for remedy in remedies:
        out.print(f"• {describe_remedy(remedy)}", highlight=False)


@tone_app.command("check")
def tone_check(
    text: Annotated[Optional[str], typer.Argument(help="The text to check (omit with --jsonl).")] = None,
    jsonl: Annotated[
        Optional[str],
        typer.Option("--jsonl", help='A JSONL file, or - for stdin: one {"id", "text", "lang"?, "kind"?} per line.'),
    ] = None,
    kind: Annotated[str, typer.Option(help="draft (reply/statement), chat (short message) or auto.")] = "auto",
    lang: Annotated[Optional[str], typer.Option(help="zh or en; detected when omitted.")] = None,
    pretty: Annotated[bool, typer.Option("--pretty", help="Readable output instead of JSON (TEXT only).")] = False,
) -> None:
    """Check tone: one JSON object per text — score, verdict, sub-scores and flags with spans,
    severity, explanation and a suggested rewrite. With --jsonl, a line that cannot be read gets an
    error object naming its line number and the rest are still checked; the exit code is 1 if any line
    failed."""
    if (text is None) == (jsonl is None):
        raise _fail("give either TEXT or --jsonl FILE|- (not both)")
    if kind not in ("auto", "draft", "chat"):
        raise _fail(f"--kind must be auto, draft or chat, got {kind!r}")
    if lang is not None and lang not in ("zh", "en"):
        raise _fail(f"--lang must be zh or en, got {lang!r}")
    checker = services.tone_checker(_settings())
    if text is not None:
        report = checker.check(text, kind=kind, lang=lang)
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
            raise _fail(f"{path}: no such file")
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
            f"  [{SEVERITY_COLOUR[flag.severity]}]{flag.severity}[/] {flag.category} [{flag.start}:{flag.end}] “{flag.phrase}”",
            highlight=False,
        )
        out.print(f"      why: {flag.explanation}", highlight=False, markup=False)
        out.print(f"      try: {flag.suggestion}", highlight=False, markup=False)
    for excused in report.excused:
        out.print(f"  [dim]not counted ({excused.reason}): “{excused.phrase}”[/]", highlight=False)


@app.command()
def config() -> None:
    """Show the configuration in force (secrets masked)."""
    for key, value in _settings().describe().items():
        out.print(f"[bold]{key}[/]: {value}", highlight=False)


@app.command(name="app")
def run_app(
    port: Annotated[int, typer.Option(help="Port for the Streamlit app.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 to serve the team's network.")] = "localhost",
) -> None:
    """Start the Streamlit app."""
    script = Path(__file__).resolve().parent.parent / "app.py"
    if not script.exists():
        raise _fail(f"app.py not found next to the package ({script}); install Tactful from its checkout")
    command = [
        sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
        "--server.address", address, "--browser.gatherUsageStats", "false", "--server.headless", "true",
    ]
    raise typer.Exit(subprocess.call(command))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
