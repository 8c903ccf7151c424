"""What every `tactful` command shares: the root command, the consoles, errors that exit, and the configured
settings and store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from drafting import services
from drafting.domain.files import RecordError, load_incident
from drafting.domain.models import Incident
from drafting.settings import Settings, SettingsError
from knowledge.store import KnowledgeStore, StoreError

app = typer.Typer(help="Tactful drafts honest, non-dismissive crisis replies grounded in your policies.", no_args_is_help=True, add_completion=False)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def configured_settings() -> Settings:
    try:
        return services.default_settings()
    except SettingsError as exc:
        raise fail(str(exc)) from None


def configured_store() -> KnowledgeStore:
    try:
        return services.open_store(configured_settings())
    except (StoreError, ValueError) as exc:
        raise fail(str(exc)) from None


def read_incident(path: Path) -> Incident:
    try:
        return load_incident(path)
    except RecordError as exc:
        raise fail(str(exc)) from None


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, disable=not err.is_terminal
    )
