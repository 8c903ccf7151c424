"""`tactful` — the command line. A front door: it parses, calls services, prints."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from drafting import commitments as commitment_guard
from drafting import services
from drafting.batch import draft_many
from drafting.models import STAGES, Ticket
from drafting.records import RecordError, load_incident, read_tickets
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
draft_app = typer.Typer(help="Draft public statements and per-customer replies (composer mode: no LLM).", no_args_is_help=True)
app.add_typer(draft_app, name="draft")
commitments_app = typer.Typer(help="The commitment guard: is every promise in a text backed by policy?", no_args_is_help=True)
app.add_typer(commitments_app, name="commitments")
apikey_app = typer.Typer(help="API keys for ticket systems calling the HTTP API.", no_args_is_help=True)
app.add_typer(apikey_app, name="apikey")
webhooks_app = typer.Typer(help="Outbound webhooks: deliver what is due, redeliver failures, show the log.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")
db_app = typer.Typer(help="The workflow database (SQLite by default, PostgreSQL via TACTFUL_DATABASE_URL).", no_args_is_help=True)
app.add_typer(db_app, name="db")

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
        book = PolicyBook.load(directory or services.policy_folder(_settings()))
    except PolicyError as exc:
        raise _fail(str(exc)) from None
    for rule in book.rules:
        out.print(f"[bold]{rule.id}[/] ({rule.document}) {rule.title}", highlight=False)
    out.print(f"{len(book.rules)} rules, {len(book.caps)} caps, {len(book.approvals)} approval limits: OK")


@policy_app.command("add")
def policy_add(files: Annotated[list[Path], typer.Argument(help="Rule files (.yaml) to add to the policy book, or to replace by name.")]) -> None:
    """Add rule files to the policy book; each is checked together with the whole book first, and a file
    that would break it is refused with the file, rule and field at fault (the book stays as it was)."""
    settings = _settings()
    failed = 0
    for path in files:
        try:
            book = services.add_policy_file(settings, path.name, path.read_bytes())
        except OSError as exc:
            err.print(f"{path}: cannot be read: {exc.strerror}", highlight=False, markup=False)
            failed += 1
            continue
        except PolicyError as exc:
            err.print(f"{path}: {exc.problem}" + (f" (rule {exc.rule_id})" if exc.rule_id else "") + (f" field '{exc.field}'" if exc.field else ""),
                      highlight=False, markup=False)
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


def _incident(path: Path):  # noqa: ANN202 - an Incident
    try:
        return load_incident(path)
    except RecordError as exc:
        raise _fail(str(exc)) from None


@draft_app.command("statement")
def draft_statement(
    incident: Annotated[Path, typer.Option(help="Incident record (YAML or JSON).")],
    stage: Annotated[Optional[str], typer.Option(help=f"One of {', '.join(STAGES)}; default: the incident's stage.")] = None,
    lang: Annotated[str, typer.Option(help="zh, en or both.")] = "both",
    as_json: Annotated[bool, typer.Option("--json", help="Print the drafts as JSON (with guards and citations).")] = False,
    citations: Annotated[bool, typer.Option(help="Cite policy sections from the knowledge store.")] = True,
) -> None:
    """Draft the public statement for a stage of the timeline (0-24h, 24-72h, 1-2w, 2-8w)."""
    if stage is not None and stage not in STAGES:
        raise _fail(f"--stage must be one of {', '.join(STAGES)}, got {stage!r}")
    if lang not in ("zh", "en", "both"):
        raise _fail(f"--lang must be zh, en or both, got {lang!r}")
    record = _incident(incident)
    drafter = services.drafter(_settings(), with_store=citations)
    drafts = [drafter.draft_statement(record, stage, code) for code in (("zh", "en") if lang == "both" else (lang,))]
    if as_json:
        sys.stdout.write(json.dumps([d.model_dump(mode="json") for d in drafts], ensure_ascii=False, indent=2) + "\n")
        return
    for draft in drafts:
        out.print(f"[bold]— {draft.lang} · {draft.stage} · tone {draft.tone['verdict']} {draft.tone['score']}[/]")
        out.print(draft.text, markup=False, highlight=False)
        for warning in draft.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
        out.print()


@draft_app.command("reply")
def draft_reply(
    incident: Annotated[Path, typer.Option(help="Incident record (YAML or JSON).")],
    tickets: Annotated[Path, typer.Option(help="Tickets: .jsonl or .csv.")],
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the drafts (JSONL, one per ticket).")],
    lang: Annotated[Optional[str], typer.Option(help="zh or en; default: each ticket's own language.")] = None,
    citations: Annotated[bool, typer.Option(help="Cite policy sections from the knowledge store.")] = True,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Tickets drafted at once (LLM mode: parallel calls).")] = 8,
    encoding: Annotated[str, typer.Option(help="The tickets file's encoding, e.g. gb18030 for a file saved by Chinese Windows.")] = "utf-8",
) -> None:
    """Draft one reply per ticket. Tickets that cannot be read or drafted are reported with their line
    and left out; the rest are drafted (exit code 1 if any failed)."""
    if lang is not None and lang not in ("zh", "en"):
        raise _fail(f"--lang must be zh or en, got {lang!r}")
    record = _incident(incident)
    try:
        lines = list(read_tickets(tickets, incident_id=record.id, encoding=encoding))
    except RecordError as exc:
        raise _fail(str(exc)) from None
    unreadable = [line for line in lines if line.ticket is None]
    for line in unreadable:
        err.print(f"{tickets}:{line.line}: {line.error}", highlight=False, markup=False)
    readable: list[Ticket] = [line.ticket for line in lines if line.ticket is not None]
    drafter = services.drafter(_settings(), with_store=citations)
    err.print(f"drafting with {drafter.generator}", highlight=False)
    with _progress() as bar:
        task = bar.add_task("drafting", total=len(readable))
        result = draft_many(drafter, record, readable, lang=lang, concurrency=concurrency,
                            progress=lambda done, _t: bar.update(task, completed=done))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as handle:
        for draft in result.drafts:
            handle.write(json.dumps(draft.model_dump(mode="json"), ensure_ascii=False) + "\n")
    for ticket_id, problem in result.errors:
        err.print(f"ticket {ticket_id}: {problem}", highlight=False, markup=False)
    flagged = sum(1 for d in result.drafts if d.warnings)
    out.print(
        f"{len(result.drafts)} drafted, {len(unreadable) + len(result.errors)} failed, {flagged} with warnings -> {out_path}",
        highlight=False,
    )
    if unreadable or result.errors:
        raise typer.Exit(1)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, disable=not err.is_terminal)


@app.command()
def load(
    incident: Annotated[Optional[Path], typer.Option(help="Incident record (YAML or JSON): created, or updated if its id exists.")] = None,
    tickets: Annotated[Optional[Path], typer.Option(help="Tickets (.jsonl or .csv) for the review queue.")] = None,
    encoding: Annotated[str, typer.Option(help="The tickets file's encoding, e.g. gb18030 for a file saved by Chinese Windows.")] = "utf-8",
) -> None:
    """Put an incident and/or tickets into the workflow database, where the app and the API see them.
    Tickets name their incident (incident_id), or belong to --incident. Idempotent: loading the same
    ticket ids again updates them. Bad ticket lines are reported with their line numbers and the rest are
    loaded (exit code 1 if any failed)."""
    from drafting.workflow import NotFound

    if incident is None and tickets is None:
        raise _fail("give --incident FILE, --tickets FILE, or both")
    flow = services.workflow(_settings())
    record = None
    if incident is not None:
        record = _incident(incident)
        flow.save_incident(record, actor="cli")
        out.print(f"incident {record.id} saved", highlight=False)
    if tickets is None:
        return
    try:
        lines = list(read_tickets(tickets, incident_id=record.id if record else None, encoding=encoding))
    except RecordError as exc:
        raise _fail(str(exc)) from None
    created = updated = failed = 0
    for line in lines:
        problem = line.error
        if line.ticket is not None:
            if line.ticket.incident_id is None:
                problem = "no incident_id (give --incident FILE, or an incident_id per ticket)"
            else:
                try:
                    _row, new = flow.add_ticket(line.ticket, actor="cli", source="import")
                    created, updated = created + new, updated + (not new)
                    continue
                except NotFound as exc:
                    problem = f"{exc} (create it first: tactful load --incident FILE, or in the app)"
        err.print(f"{tickets}:{line.line}: {problem}", highlight=False, markup=False)
        failed += 1
    out.print(f"tickets: {created} new, {updated} updated, {failed} failed", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def radar(
    chat_file: Annotated[Path, typer.Argument(help="A chat export: WeChat/WeCom text, CSV, JSON(L) or Telegram's result.json.")],
    staff: Annotated[Optional[str], typer.Option(help="Staff names, comma-separated (a role column in the file works too). "
                                                         "Without either, staff are found by names such as '品牌客服-小李' or 'Maya (Support)'.")] = None,
    watch: Annotated[Optional[Path], typer.Option(help="Keyword watch lists (YAML: list name -> terms), instead of the shipped "
                                                        "media / regulator_legal / safety / churn lists.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Everything as JSON.")] = False,
) -> None:
    """Find the message that lit the fuse, see how the anger spread and what people complain about."""
    import dataclasses

    import yaml

    from drafting import radar as crisis_radar
    from drafting.chat_import import ChatImportError, read_chat

    try:
        log = read_chat(chat_file, staff=(staff or "").split(","))
    except ChatImportError as exc:
        raise _fail(str(exc)) from None
    lists: dict[str, list[str]] | None = None  # the shipped watch lists (lexicon/watch.yaml) unless --watch names others
    if watch is not None:
        try:
            loaded = yaml.safe_load(watch.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise _fail(f"{watch}: cannot be read as YAML: {exc}") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, list) for v in loaded.values()):
            raise _fail(f"{watch}: must map list names to lists of terms, e.g. media: [曝光, 12315]")
        lists = {str(k): [str(t) for t in v] for k, v in loaded.items()}
    result = crisis_radar.analyse(log, services.bulk_tone_checker(_settings()), watch=lists)
    for problem in log.problems:
        err.print(f"{chat_file}:{problem.line}: {problem.reason}", highlight=False, markup=False)
    if as_json:
        payload = {"format": log.format, "encoding": log.encoding, "messages": len(log.messages),
                   "problems": [dataclasses.asdict(p) for p in log.problems],
                   "triggers": [dataclasses.asdict(c) for c in result.triggers[:5]],
                   "timeline": [dataclasses.asdict(b) for b in result.timeline], "themes": [dataclasses.asdict(t) for t in result.themes],
                   "influencers": [{"member": n, "answered": c} for n, c in result.influencers],
                   "alerts": [dataclasses.asdict(a) for a in result.alerts]}
        out.print_json(json.dumps(payload, ensure_ascii=False, default=str))
        return
    out.print(f"{chat_file.name}: {len(log.messages)} messages ({log.format}, {log.encoding}), "
              f"{len(log.staff)} staff, {len(log.problems)} lines not read", highlight=False)
    if log.inferred_staff:
        out.print(f"staff found by their names: {', '.join(log.inferred_staff)} (name any others with --staff)", highlight=False, markup=False)
    if not result.triggers:
        out.print("No staff message found: name the staff with --staff (or a role column).", highlight=False)
    for rank, c in enumerate(result.triggers[:3], start=1):
        when = f"{c.time:%m-%d %H:%M}" if c.time else f"#{c.index}"
        why = (f"rate ×{c.rate_ratio}, complaints {c.complaint_share_before:.0%} → {c.complaint_share_after:.0%}, "
               f"{c.new_voices} new voices, {c.echoes} quotes/replies" + (f", tone: {', '.join(c.tone_flags)}" if c.tone_flags else ""))
        out.print(f"{'[bold red]trigger[/]' if rank == 1 else f'{rank}.':>7} {when} {c.sender}: {c.text[:80]}", highlight=False)
        out.print(f"        {why}", highlight=False, markup=False)
    if result.timeline:
        peak = max(result.timeline, key=lambda b: b.messages)
        out.print(f"timeline: {len(result.timeline)} minutes; peak {peak.messages} messages at {peak.start:%H:%M} "
                  f"({peak.complaints} complaints)", highlight=False)
        moods = [m for m in crisis_radar.mood_over_time(result.timeline) if m.complaint_share is not None]
        if moods:
            worst = max(moods, key=lambda m: m.complaint_share or 0)
            out.print(f"complaint share (5-minute window): peak {worst.complaint_share:.0%} at {worst.minute:%H:%M}, "
                      f"{worst.angry_share:.0%} angry", highlight=False)
    for theme in result.themes:
        out.print(f"  {theme.theme:<14} {theme.count:>5} messages from {theme.members} members  e.g. {theme.examples[0][:60]!r}",
                  highlight=False, markup=False)
    if result.influencers:
        out.print("most answered: " + ", ".join(f"{n} ({c})" for n, c in result.influencers), highlight=False, markup=False)
    per_list = Counter(alert.watch for alert in result.alerts)
    out.print(f"alerts: {len(result.alerts)}" + (f" ({', '.join(f'{n} {c}' for n, c in per_list.most_common())})" if per_list else ""),
              highlight=False, markup=False)
    for alert in result.alerts[:20]:
        out.print(f"  [{alert.watch}] {alert.term}: {alert.sender}: {alert.text[:80]}", highlight=False, markup=False)


@commitments_app.command("check")
def commitments_check(
    ticket: Annotated[Path, typer.Option(help="The ticket (a JSON file, or a .jsonl/.csv with one ticket).")],
    text: Annotated[str, typer.Option(help="The draft text to check.")],
    incident: Annotated[Optional[Path], typer.Option(help="Incident record, for its decisions and declared status.")] = None,
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
                raise _fail(f"{ticket}: expected exactly one readable ticket, found {len(found)}" + (f" ({found[0].error})" if found and found[0].error else ""))
            one = found[0].ticket
    except RecordError as exc:
        raise _fail(str(exc)) from None
    except (ValidationError, OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{ticket}: {exc}") from None
    book = services.load_policy_book(_settings())
    record = _incident(incident) if incident else None
    facts = one.facts
    decisions = []
    if record is not None:
        decisions = list(record.decisions)
        if record.declared:
            facts = facts.model_copy(update={"during_incident": True})
    report = commitment_guard.check(text, book.remedies_for(facts) + decisions, order_amount=facts.order_amount)
    sys.stdout.write(json.dumps({"ticket": one.id, **report.to_dict()}, ensure_ascii=False) + "\n")
    if not report.ok:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema (also done on every start); existing data is kept."""
    from drafting import db

    settings = _settings()
    url = settings.effective_database_url
    try:
        before = db.current_revision(url)
        db.upgrade(url)
        after = db.current_revision(url)
    except Exception as exc:  # a wrong URL, a server that is down, missing permissions
        raise _fail(f"could not upgrade {settings.describe()['database_url']}: {type(exc).__name__}: {exc}") from None
    out.print(f"database {settings.describe()['database_url']}: {before or 'empty'} -> {after}", highlight=False)


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port for the HTTP API.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 to serve the network.")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(min=1, max=32, help="Worker processes (share one PostgreSQL for more than one).")] = 1,
) -> None:
    """Start the HTTP API for ticket systems (/v1; OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from drafting.webhooks import delivery_problem

    settings = _settings()
    if workers > 1 and settings.effective_database_url.startswith("sqlite"):
        raise _fail("several workers need a shared PostgreSQL database: set TACTFUL_DATABASE_URL")
    if problem := delivery_problem(settings):
        raise _fail(problem)
    uvicorn.run("drafting.api_main:app", host=host, port=port, workers=workers, factory=False)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key (recorded as the actor).")],
    scope: Annotated[list[str], typer.Option("--scope", help="tickets:write, drafts:read, drafts:approve or admin; repeatable.")],
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from drafting.api import create_api_key

    try:
        key = create_api_key(services.workflow(_settings()), name, scope)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    out.print(key, highlight=False, markup=False)
    err.print("store it now: it is not shown again", highlight=False)


@apikey_app.command("list")
def apikey_list() -> None:
    """Every key: id, name, scopes, when it was created and revoked (the keys themselves are not stored)."""
    from drafting.api import list_api_keys

    for row in list_api_keys(services.workflow(_settings())):
        state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        out.print(f"{row['id']:>4}  {row['name']:<24} {','.join(row['scopes']):<40} created {row['created_at']:%Y-%m-%d %H:%M}  {state}",
                  highlight=False, markup=False)


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[int, typer.Argument(min=1, max=2**31 - 1, help="The key's id, from `tactful apikey list`.")]) -> None:
    """Revoke a key; running servers refuse it within a few seconds."""
    from drafting.api import revoke_api_key
    from drafting.workflow import NotFound

    try:
        revoke_api_key(services.workflow(_settings()), key_id, actor="cli")
    except NotFound as exc:
        raise _fail(str(exc)) from None
    out.print(f"key {key_id} revoked", highlight=False)


def _webhooks():  # noqa: ANN202 - a Webhooks
    hooks = services.workflow(_settings()).webhooks
    if hooks is None:
        raise _fail("no webhook configured: set TACTFUL_WEBHOOK_URL and TACTFUL_WEBHOOK_SECRET (tactful webhooks new-secret)")
    return hooks


@webhooks_app.command("deliver")
def webhooks_deliver() -> None:
    """POST every delivery that is due, signed (run it from cron, or let `tactful serve` do it after approvals)."""
    hooks = _webhooks()
    if hooks.problem:
        raise _fail(hooks.problem)
    outcome = hooks.deliver_due()
    out.print(", ".join(f"{n} {state}" for state, n in outcome.items()), highlight=False)


@webhooks_app.command("new-secret")
def webhooks_new_secret() -> None:
    """Print a fresh signing secret (whsec_<base64>) for TACTFUL_WEBHOOK_SECRET; give the receiver the same one."""
    from drafting.webhooks import new_secret

    out.print(new_secret(), highlight=False, markup=False)


@webhooks_app.command("redeliver")
def webhooks_redeliver(delivery: Annotated[Optional[int], typer.Argument(min=1, max=2**31 - 1, help="One delivery id; default: every failed one.")] = None) -> None:
    """Queue failed deliveries again (a receiver that was down loses nothing)."""
    out.print(f"{_webhooks().redeliver(delivery)} queued", highlight=False)


@webhooks_app.command("log")
def webhooks_log(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """The newest deliveries with their status, attempts and last error."""
    for row in _webhooks().log(limit):
        out.print(f"{row['id']:>5} draft {row['draft_id']:>5}  {row['status']:<9} attempts {row['attempts']}  {row['last_error']}",
                  highlight=False, markup=False)


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
