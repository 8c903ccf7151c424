"""How far an ingest running in another process got, written to a small JSON file as it goes.

`tactful app --ingest PATH` (what `make run` does) starts the app at once and ingests beside it in a
second process, so the first page does not wait for the embedding models; the app reads this file to
show the progress, and holds back whatever needs the knowledge base until the file says the ingest
finished. "done" is written last, after the store's commit: an ingest that was stopped half-way never
reads as finished (its process is gone, so it reads as "interrupted"), and the next ingest completes it.

Importing this costs nothing (no Chroma, no models): the app reads it on every redraw.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

# Set by `tactful app --ingest` for the app's process: the status file of the ingest it started.
STATUS_FILE_ENV = "TACTFUL_APP_INGEST_STATUS"
STATUS_FILE_NAME = "ingest-status.json"  # in the data directory

IngestState = Literal["running", "done", "failed", "interrupted"]
STATES: tuple[IngestState, ...] = ("running", "done", "failed", "interrupted")


@dataclass(frozen=True)
class IngestStatus:
    state: IngestState
    pid: int  # the ingesting process: a "running" status whose process is gone was interrupted
    paths: list[str] = field(default_factory=list)  # what is being ingested, as given
    done: int = 0  # files handled so far (stored, unchanged, or failed)
    total: int | None = None  # None until the folders were listed
    current: str = ""  # the file handled last
    started: float = 0.0  # epoch seconds
    finished_at: float | None = None
    summary: str = ""  # IngestReport.summary(), once done
    chunks: int = 0  # chunks written, once done
    failures: list[dict[str, str]] = field(default_factory=list)  # files that could not be ingested: {path, problem}
    error: str = ""  # why the whole ingest failed (the store could not be opened, ...)

    @property
    def finished(self) -> bool:
        return self.state != "running"

    @property
    def fraction(self) -> float:
        """Share of files handled, 0-1; 1 once finished, whatever the outcome."""
        if self.finished:
            return 1.0
        return min(self.done / self.total, 1.0) if self.total else 0.0

    @property
    def seconds(self) -> float:
        """How long it took, or has taken so far."""
        return (self.finished_at or time.time()) - self.started


class StatusFileError(RuntimeError):
    """The status file exists but cannot be read as one."""


def write_status(path: Path, status: IngestStatus) -> None:
    """Replace the status file in one step, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(asdict(status), ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


def read_status(path: Path) -> IngestStatus | None:
    """The status in the file, None when there is none yet. A "running" ingest whose process has gone
    (killed, crashed, the machine restarted) reads as "interrupted"."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StatusFileError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(raw)
        status = IngestStatus(**data)
    except (ValueError, TypeError) as exc:
        raise StatusFileError(f"{path}: not an ingest status: {exc}") from None
    if status.state not in STATES:
        raise StatusFileError(f"{path}: unknown state {status.state!r}")
    if status.state == "running" and not _alive(status.pid):
        return replace(status, state="interrupted")
    return status


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True
