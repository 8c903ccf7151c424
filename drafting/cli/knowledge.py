"""`tactful ingest | search | documents | policy …`: the knowledge base and the policy book."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from drafting import services
from drafting.cli.common import app, configured_settings, configured_store, err, fail, out
from drafting.domain.entitlements import entitlements
from knowledge.ingest import ingest as ingest_paths
from knowledge.ingest import ingest_with_status
from knowledge.policy import PolicyBook, PolicyError, TicketFacts, describe_remedy

policy_app = typer.Typer(help="The policy book: validate rule files, compute remedies.", no_args_is_help=True)


app.add_typer(policy_app, name="policy")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.md, .txt, .pdf with YAML front matter).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    status: Annotated[
        Path | None,
        typer.Option(
            "--status", help="Write the progress to this JSON file as it goes, for `tactful app --ingest` to show, instead of a progress bar."
        ),
    ] = None,
) -> None:
    """Add or update documents in the knowledge store. Unchanged files are skipped;
    files deleted from an ingested folder are removed from the store."""
    if status is not None:
        _ingest_reporting_to(status, paths, as_json)
        return
    store = configured_store()
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
                err.print(f"[{done}/{total}] {path}", highlight=False)

        report = ingest_paths(store, paths, progress=report_progress)
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for error in report.errors:
            err.print(f"[red]✗[/] {error.path}: {error.problem}", highlight=False)
        out.print(f"{report.summary()} ({report.chunks} chunks written, {store.count()} in the store)")
    if report.errors:
        raise typer.Exit(1)


def _ingest_reporting_to(status: Path, paths: list[Path], as_json: bool) -> None:
    """The ingest `tactful app --ingest` runs beside the app: progress to the status file, one line here."""
    settings = configured_settings()
    try:  # opened inside, so a store that cannot be opened shows in the app as a failed load
        report = ingest_with_status(lambda: services.open_store(settings), paths, status)
    except Exception as exc:  # in the status file for the app to show, and said here for the terminal
        raise fail(f"the knowledge base could not be loaded: {type(exc).__name__}: {exc}") from None
    if as_json:
        out.print_json(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for error in report.errors:
            err.print(f"[red]✗[/] {error.path}: {error.problem}", highlight=False)
        out.print(f"knowledge base loaded: {report.summary()} ({report.chunks} chunks written)", highlight=False)
    if report.errors:
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in Chinese or English.")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many results.")] = 5,
    kind: Annotated[str | None, typer.Option(help="policy or incident")] = None,
    lang: Annotated[str | None, typer.Option(help="zh or en: only documents in this language")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Only documents with this tag (repeatable).")] = None,
    all_versions: Annotated[bool, typer.Option("--all-versions", help="Include superseded documents.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array of results.")] = False,
) -> None:
    """Search policies and past incident write-ups (dense + BM25, fused)."""
    if kind not in (None, "policy", "incident"):
        raise fail(f"--kind must be policy or incident, got {kind!r}")
    if lang not in (None, "zh", "en"):
        raise fail(f"--lang must be zh or en, got {lang!r}")
    store = configured_store()
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
    docs = sorted(configured_store().documents().values(), key=lambda d: (d.kind, d.doc_id, d.lang))
    if as_json:
        out.print_json(json.dumps([d.__dict__ | {"chunk_ids": list(d.chunk_ids)} for d in docs], ensure_ascii=False))
        return
    table = Table("id", "lang", "kind", "title", "version", "status", "chunks")
    for d in docs:
        table.add_row(d.doc_id, d.lang, d.kind, d.title, d.version or d.effective, "current" if d.active else "superseded", str(len(d.chunk_ids)))
    out.print(table)


@policy_app.command("check")
def policy_check(directory: Annotated[Path | None, typer.Argument(help="Folder of rule files; default: the configured one.")] = None) -> None:
    """Validate the policy book and list its rules."""
    try:
        book = PolicyBook.load(directory or services.policy_folder(configured_settings()))
    except PolicyError as exc:
        raise fail(str(exc)) from None
    for rule in book.rules:
        out.print(f"[bold]{rule.id}[/] ({rule.document}) {rule.title}", highlight=False)
    out.print(f"{len(book.rules)} rules, {len(book.caps)} caps, {len(book.approvals)} approval limits: OK")


@policy_app.command("add")
def policy_add(files: Annotated[list[Path], typer.Argument(help="Rule files (.yaml) to add to the policy book, or to replace by name.")]) -> None:
    """Add rule files to the policy book; each is checked together with the whole book first, and a file
    that would break it is refused with the file, rule and field at fault (the book stays as it was)."""
    settings = configured_settings()
    failed = 0
    for path in files:
        try:
            book = services.add_policy_file(settings, path.name, path.read_bytes())
        except OSError as exc:
            err.print(f"{path}: cannot be read: {exc.strerror}", highlight=False, markup=False)
            failed += 1
            continue
        except PolicyError as exc:
            err.print(
                f"{path}: {exc.problem}" + (f" (rule {exc.rule_id})" if exc.rule_id else "") + (f" field '{exc.field}'" if exc.field else ""),
                highlight=False,
                markup=False,
            )
            failed += 1
            continue
        out.print(f"{path.name} added: the book now has {len(book.rules)} rules", highlight=False)
    if failed:
        raise typer.Exit(1)


@policy_app.command("remedies")
def policy_remedies(
    facts: Annotated[str, typer.Argument(help='Ticket facts as JSON, e.g. \'{"issue_type": "late_delivery", "delay_minutes": 45}\', or @file.json')],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compute the remedies a ticket is entitled to."""
    text = Path(facts[1:]).read_text(encoding="utf-8") if facts.startswith("@") else facts
    try:
        ticket = TicketFacts.model_validate_json(text)
        book = services.load_policy_book(configured_settings())
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'facts'}: {e['msg']}" for e in exc.errors())
        raise fail(f"invalid ticket facts: {problems}") from None
    except PolicyError as exc:
        raise fail(str(exc)) from None
    remedies = entitlements(book, ticket)
    if as_json:
        out.print_json(json.dumps([r.model_dump(mode="json", exclude_none=True) for r in remedies], ensure_ascii=False))
        return
    if not remedies:
        out.print("No rule in the policy book grants a remedy for these facts.")
    for remedy in remedies:
        out.print(f"• {describe_remedy(remedy)}", highlight=False)
