"""`tactful db | serve | apikey | webhooks | config | app`: running and administering Tactful."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from drafting import services

if TYPE_CHECKING:  # imported where used: commands that need no database never load it
    from drafting.workflow.webhooks import Webhooks

from drafting.cli.common import app, configured_settings, err, fail, out
from drafting.workflow import MAX_ROW_ID

apikey_app = typer.Typer(help="API keys for ticket systems calling the HTTP API.", no_args_is_help=True)


app.add_typer(apikey_app, name="apikey")


webhooks_app = typer.Typer(help="Outbound webhooks: deliver what is due, redeliver failures, show the log.", no_args_is_help=True)


app.add_typer(webhooks_app, name="webhooks")


db_app = typer.Typer(help="The workflow database (SQLite by default, PostgreSQL via TACTFUL_DATABASE_URL).", no_args_is_help=True)


app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema (also done on every start); existing data is kept."""
    from drafting.workflow import db

    settings = configured_settings()
    url = settings.effective_database_url
    try:
        before = db.current_revision(url)
        db.upgrade(url)
        after = db.current_revision(url)
    except Exception as exc:  # a wrong URL, a server that is down, missing permissions
        raise fail(f"could not upgrade {settings.describe()['database_url']}: {type(exc).__name__}: {exc}") from None
    out.print(f"database {settings.describe()['database_url']}: {before or 'empty'} -> {after}", highlight=False)


WORKER_HEALTHCHECK_SECONDS = 60


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port for the HTTP API.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 to serve the network.")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(min=1, max=32, help="Worker processes (share one PostgreSQL for more than one).")] = 1,
) -> None:
    """Start the HTTP API for ticket systems (/v1; OpenAPI at /docs and /openapi.json)."""
    import uvicorn

    from drafting.workflow.webhooks import delivery_problem

    settings = configured_settings()
    if workers > 1 and settings.effective_database_url.startswith("sqlite"):
        raise fail("several workers need a shared PostgreSQL database: set TACTFUL_DATABASE_URL")
    if problem := delivery_problem(settings):
        raise fail(problem)
    # Uvicorn's supervisor kills a worker that does not answer its health check within 5 s, and a worker
    # busy loading the tone and embedding models on a loaded host can miss it: the workers were then killed
    # and restarted in a loop, resetting requests. Loading takes a minute at worst.
    uvicorn.run(
        "drafting.api.main:create", host=host, port=port, workers=workers, factory=True, timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS
    )


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key (recorded as the actor).")],
    scope: Annotated[list[str], typer.Option("--scope", help="tickets:write, drafts:read, drafts:approve or admin; repeatable.")],
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from drafting.workflow.api_keys import create_api_key

    try:
        key = create_api_key(services.workflow(configured_settings()), name, scope)
    except ValueError as exc:
        raise fail(str(exc)) from None
    out.print(key, highlight=False, markup=False)
    err.print("store it now: it is not shown again", highlight=False)


@apikey_app.command("list")
def apikey_list() -> None:
    """Every key: id, name, scopes, when it was created and revoked (the keys themselves are not stored)."""
    from drafting.workflow.api_keys import list_api_keys

    for row in list_api_keys(services.workflow(configured_settings())):
        state = f"revoked {row['revoked_at']:%Y-%m-%d %H:%M}" if row["revoked_at"] else "active"
        out.print(
            f"{row['id']:>4}  {row['name']:<24} {','.join(row['scopes']):<40} created {row['created_at']:%Y-%m-%d %H:%M}  {state}",
            highlight=False,
            markup=False,
        )


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[int, typer.Argument(min=1, max=MAX_ROW_ID, help="The key's id, from `tactful apikey list`.")]) -> None:
    """Revoke a key; running servers refuse it within a few seconds."""
    from drafting.workflow.api_keys import revoke_api_key
    from drafting.workflow.core import NotFound

    try:
        revoke_api_key(services.workflow(configured_settings()), key_id, actor="cli")
    except NotFound as exc:
        raise fail(str(exc)) from None
    out.print(f"key {key_id} revoked", highlight=False)


def _webhooks() -> Webhooks:
    hooks: Webhooks | None = services.workflow(configured_settings()).webhooks
    if hooks is None:
        raise fail("no webhook configured: set TACTFUL_WEBHOOK_URL and TACTFUL_WEBHOOK_SECRET (tactful webhooks new-secret)")
    return hooks


@webhooks_app.command("deliver")
def webhooks_deliver() -> None:
    """POST every delivery that is due, signed (run it from cron, or let `tactful serve` do it after approvals)."""
    hooks = _webhooks()
    if hooks.problem:
        raise fail(hooks.problem)
    outcome = hooks.deliver_due()
    out.print(", ".join(f"{n} {state}" for state, n in outcome.items()), highlight=False)


@webhooks_app.command("new-secret")
def webhooks_new_secret() -> None:
    """Print a fresh signing secret (whsec_<base64>) for TACTFUL_WEBHOOK_SECRET; give the receiver the same one."""
    from drafting.workflow.webhooks import new_secret

    out.print(new_secret(), highlight=False, markup=False)


@webhooks_app.command("redeliver")
def webhooks_redeliver(
    delivery: Annotated[int | None, typer.Argument(min=1, max=MAX_ROW_ID, help="One delivery id; default: every failed one.")] = None,
) -> None:
    """Queue failed deliveries again (a receiver that was down loses nothing)."""
    out.print(f"{_webhooks().redeliver(delivery)} queued", highlight=False)


@webhooks_app.command("log")
def webhooks_log(limit: Annotated[int, typer.Option(min=1, max=1000)] = 50) -> None:
    """The newest deliveries with their status, attempts and last error."""
    for row in _webhooks().log(limit):
        out.print(
            f"{row['id']:>5} draft {row['draft_id']:>5}  {row['status']:<9} attempts {row['attempts']}  {row['last_error']}",
            highlight=False,
            markup=False,
        )


@app.command()
def config() -> None:
    """Show the configuration in force (secrets masked)."""
    for key, value in configured_settings().describe().items():
        out.print(f"[bold]{key}[/]: {value}", highlight=False)


@app.command(name="app")
def run_app(
    port: Annotated[int, typer.Option(help="Port for the Streamlit app.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to listen on; 0.0.0.0 to serve the team's network.")] = "localhost",
    ingest: Annotated[
        list[Path] | None,
        typer.Option(
            help="A file or folder to ingest beside the app (repeatable): the first page shows at once with the progress, "
            "and drafting waits until the knowledge base is loaded (make run loads the samples so)."
        ),
    ] = None,
) -> None:
    """Start the Streamlit app."""
    script = Path(__file__).resolve().parents[2] / "app.py"
    if not script.exists():
        raise fail(f"app.py not found next to the package ({script}); install Tactful from its checkout")
    for path in ingest or ():
        if not path.exists():
            raise fail(f"--ingest {path}: no such file or folder")
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--browser.gatherUsageStats",
        "false",
        "--server.headless",
        "true",
    ]
    raise typer.Exit(_beside_ingest(command, ingest) if ingest else subprocess.call(command))


def _beside_ingest(command: list[str], paths: list[Path]) -> int:
    """Run the app while a second process ingests `paths`, writing its progress to a status file the app
    reads (knowledge/ingest_status.py); the app's exit code. The ingest runs at a lower CPU priority: on a
    small machine the embedding models' threads would otherwise slow the first page they run beside."""
    import functools
    import os
    import threading
    import time
    from dataclasses import replace

    from knowledge.ingest_status import STATUS_FILE_ENV, STATUS_FILE_NAME, IngestStatus, read_status, write_status

    status = configured_settings().data_dir.resolve() / STATUS_FILE_NAME
    # This process stands for the ingest until the ingest writes its own status (with its own id).
    write_status(status, IngestStatus(state="running", pid=os.getpid(), paths=[str(p) for p in paths], started=time.time()))
    loader = subprocess.Popen(
        [sys.executable, "-m", "drafting.cli.main", "ingest", "--status", str(status), *map(str, paths)],
        preexec_fn=functools.partial(os.nice, 10),  # noqa: PLW1509 - no threads in this process yet
    )

    def settle_loader() -> None:
        """Reap the ingest when it ends (a zombie would read as still running); one that ended without
        saying how (killed before its first word) must not leave the app waiting forever."""
        code = loader.wait()
        last = read_status(status)
        if last is not None and last.state == "running":
            write_status(status, replace(last, state="failed", error=f"the ingest ended with exit code {code}", finished_at=time.time()))

    threading.Thread(target=settle_loader, name="ingest-reaper", daemon=True).start()
    out.print(f"loading the knowledge base beside the app: {', '.join(map(str, paths))} (the app shows the progress)", highlight=False)
    app_process = subprocess.Popen(command, env={**os.environ, STATUS_FILE_ENV: str(status)})
    try:
        return app_process.wait()
    except KeyboardInterrupt:  # Ctrl-C reached the app too: let it shut down
        return app_process.wait()
    finally:
        if loader.poll() is None:  # the app is gone: nobody waits for the knowledge base any more
            loader.terminate()
            loader.wait()
