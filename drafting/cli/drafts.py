"""`tactful draft …`, `tactful load` and `tactful radar`: drafts, tickets and group chats."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from drafting import services
from drafting.cli.common import app, configured_settings, err, fail, out, progress_bar, read_incident
from drafting.domain.files import RecordError, read_tickets
from drafting.domain.models import STAGES, Ticket
from knowledge.documents import yaml_problem

draft_app = typer.Typer(help="Draft public statements and per-customer replies (composer mode: no LLM).", no_args_is_help=True)


app.add_typer(draft_app, name="draft")


@draft_app.command("statement")
def draft_statement(
    incident: Annotated[Path, typer.Option(help="Incident record (YAML or JSON).")],
    stage: Annotated[str | None, typer.Option(help=f"One of {', '.join(STAGES)}; default: the incident's stage.")] = None,
    lang: Annotated[str, typer.Option(help="zh, en or both.")] = "both",
    as_json: Annotated[bool, typer.Option("--json", help="Print the drafts as JSON (with guards and citations).")] = False,
    citations: Annotated[bool, typer.Option(help="Cite policy sections from the knowledge store.")] = True,
) -> None:
    """Draft the public statement for a stage of the timeline (0-24h, 24-72h, 1-2w, 2-8w)."""
    if stage is not None and stage not in STAGES:
        raise fail(f"--stage must be one of {', '.join(STAGES)}, got {stage!r}")
    if lang not in ("zh", "en", "both"):
        raise fail(f"--lang must be zh, en or both, got {lang!r}")
    record = read_incident(incident)
    drafter = services.drafter(configured_settings(), with_store=citations)
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
    lang: Annotated[str | None, typer.Option(help="zh or en; default: each ticket's own language.")] = None,
    citations: Annotated[bool, typer.Option(help="Cite policy sections from the knowledge store.")] = True,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=64, help="Tickets drafted at once; default 8 in LLM mode (parallel calls), 1 for the composer.")
    ] = None,
    encoding: Annotated[str, typer.Option(help="The tickets file's encoding, e.g. gb18030 for a file saved by Chinese Windows.")] = "utf-8",
) -> None:
    """Draft one reply per ticket. Tickets that cannot be read or drafted are reported with their line
    and left out; the rest are drafted (exit code 1 if any failed)."""
    from drafting.workflow.jobs import draft_detached  # the batch engine; here, so other commands never load the database layer

    if lang is not None and lang not in ("zh", "en"):
        raise fail(f"--lang must be zh or en, got {lang!r}")
    record = read_incident(incident)
    try:
        lines = list(read_tickets(tickets, incident_id=record.id, encoding=encoding))
    except RecordError as exc:
        raise fail(str(exc)) from None
    unreadable = [line for line in lines if line.ticket is None]
    for line in unreadable:
        err.print(f"{tickets}:{line.line}: {line.error}", highlight=False, markup=False)
    readable: list[Ticket] = [line.ticket for line in lines if line.ticket is not None]
    drafter = services.drafter(configured_settings(), with_store=citations)
    err.print(f"drafting with {drafter.generator}", highlight=False)
    # Threads only pay off while a model call waits on the network; the composer is CPU-bound, and threads
    # that take turns on one interpreter only add the batch engine's bookkeeping.
    threads = concurrency or (1 if drafter.generator == "template" else 8)
    with progress_bar() as bar:
        task = bar.add_task("drafting", total=len(readable))
        result = draft_detached(
            drafter, record, readable, lang=lang, threads=threads, on_item=lambda p: bar.update(task, completed=p.done + p.failed)
        )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as handle:
        for draft in result.drafts:
            handle.write(json.dumps(draft.model_dump(mode="json"), ensure_ascii=False) + "\n")
    for ticket_id, problem in result.errors:
        err.print(f"ticket {ticket_id}: {problem}", highlight=False, markup=False)
    flagged = sum(1 for d in result.drafts if d.warnings)
    out.print(f"{len(result.drafts)} drafted, {len(unreadable) + len(result.errors)} failed, {flagged} with warnings -> {out_path}", highlight=False)
    if unreadable or result.errors:
        raise typer.Exit(1)


@app.command()
def load(
    incident: Annotated[Path | None, typer.Option(help="Incident record (YAML or JSON): created, or updated if its id exists.")] = None,
    tickets: Annotated[Path | None, typer.Option(help="Tickets (.jsonl or .csv) for the review queue.")] = None,
    encoding: Annotated[str, typer.Option(help="The tickets file's encoding, e.g. gb18030 for a file saved by Chinese Windows.")] = "utf-8",
) -> None:
    """Put an incident and/or tickets into the workflow database, where the app and the API see them.
    Tickets name their incident (incident_id), or belong to --incident. Idempotent: loading the same
    ticket ids again updates them. Bad ticket lines are reported with their line numbers and the rest are
    loaded (exit code 1 if any failed)."""
    from drafting.workflow.core import NotFound

    if incident is None and tickets is None:
        raise fail("give --incident FILE, --tickets FILE, or both")
    flow = services.workflow(configured_settings())
    record = None
    if incident is not None:
        record = read_incident(incident)
        flow.save_incident(record, actor="cli")
        out.print(f"incident {record.id} saved", highlight=False)
    if tickets is None:
        return
    try:
        lines = list(read_tickets(tickets, incident_id=record.id if record else None, encoding=encoding))
    except RecordError as exc:
        raise fail(str(exc)) from None
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
    staff: Annotated[
        str | None,
        typer.Option(
            help="Staff names, comma-separated (a role column in the file works too). "
            "Without either, staff are found by names such as '品牌客服-小李' or 'Maya (Support)'."
        ),
    ] = None,
    watch: Annotated[
        Path | None,
        typer.Option(help="Keyword watch lists (YAML: list name -> terms), instead of the shipped media / regulator_legal / safety / churn lists."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Everything as JSON.")] = False,
) -> None:
    """Find the message that lit the fuse, see how the anger spread and what people complain about."""
    import dataclasses

    import yaml

    from drafting.radar import analysis as crisis_radar
    from drafting.radar.chat_import import ChatImportError, read_chat

    try:
        log = read_chat(chat_file, staff=(staff or "").split(","))
    except ChatImportError as exc:
        raise fail(str(exc)) from None
    lists: dict[str, list[str]] | None = None  # the shipped watch lists (lexicon/watch.yaml) unless --watch names others
    if watch is not None:
        try:
            loaded = yaml.safe_load(watch.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise fail(yaml_problem(exc, watch, what="cannot be read as YAML")) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"{watch}: cannot be read as YAML: {exc}") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, list) for v in loaded.values()):
            raise fail(f"{watch}: must map list names to lists of terms, e.g. media: [曝光, 12315]")
        lists = {str(k): [str(t) for t in v] for k, v in loaded.items()}
    result = crisis_radar.analyse(log, services.bulk_tone_checker(configured_settings()), watch=lists)
    for problem in log.problems:
        err.print(f"{chat_file}:{problem.line}: {problem.reason}", highlight=False, markup=False)
    if as_json:
        payload = {
            "format": log.format,
            "encoding": log.encoding,
            "messages": len(log.messages),
            "problems": [dataclasses.asdict(p) for p in log.problems],
            "triggers": [dataclasses.asdict(c) for c in result.triggers[:5]],
            "timeline": [dataclasses.asdict(b) for b in result.timeline],
            "themes": [dataclasses.asdict(t) for t in result.themes],
            "influencers": [{"member": n, "answered": c} for n, c in result.influencers],
            "alerts": [dataclasses.asdict(a) for a in result.alerts],
        }
        out.print_json(json.dumps(payload, ensure_ascii=False, default=str))
        return
    out.print(
        f"{chat_file.name}: {len(log.messages)} messages ({log.format}, {log.encoding}), {len(log.staff)} staff, {len(log.problems)} lines not read",
        highlight=False,
    )
    if log.inferred_staff:
        out.print(f"staff found by their names: {', '.join(log.inferred_staff)} (name any others with --staff)", highlight=False, markup=False)
    if not result.triggers:
        out.print("No staff message found: name the staff with --staff (or a role column).", highlight=False)
    for rank, c in enumerate(result.triggers[:3], start=1):
        when = f"{c.time:%m-%d %H:%M}" if c.time else f"#{c.index}"
        why = (
            f"rate ×{c.rate_ratio}, complaints {c.complaint_share_before:.0%} → {c.complaint_share_after:.0%}, "
            f"{c.new_voices} new voices, {c.echoes} quotes/replies" + (f", tone: {', '.join(c.tone_flags)}" if c.tone_flags else "")
        )
        out.print(f"{'[bold red]trigger[/]' if rank == 1 else f'{rank}.':>7} {when} {c.sender}: {c.text[:80]}", highlight=False)
        out.print(f"        {why}", highlight=False, markup=False)
    if result.timeline:
        peak = max(result.timeline, key=lambda b: b.messages)
        out.print(
            f"timeline: {len(result.timeline)} minutes; peak {peak.messages} messages at {peak.start:%H:%M} ({peak.complaints} complaints)",
            highlight=False,
        )
        moods = [m for m in crisis_radar.mood_over_time(result.timeline) if m.complaint_share is not None]
        if moods:
            worst = max(moods, key=lambda m: m.complaint_share or 0)
            out.print(
                f"complaint share (5-minute window): peak {worst.complaint_share:.0%} at {worst.minute:%H:%M}, {worst.angry_share:.0%} angry",
                highlight=False,
            )
    for theme in result.themes:
        out.print(
            f"  {theme.theme:<14} {theme.count:>5} messages from {theme.members} members  e.g. {theme.examples[0][:60]!r}",
            highlight=False,
            markup=False,
        )
    if result.influencers:
        out.print("most answered: " + ", ".join(f"{n} ({c})" for n, c in result.influencers), highlight=False, markup=False)
    per_list = Counter(alert.watch for alert in result.alerts)
    out.print(
        f"alerts: {len(result.alerts)}" + (f" ({', '.join(f'{n} {c}' for n, c in per_list.most_common())})" if per_list else ""),
        highlight=False,
        markup=False,
    )
    for alert in result.alerts[:20]:
        out.print(f"  [{alert.watch}] {alert.term}: {alert.sender}: {alert.text[:80]}", highlight=False, markup=False)
