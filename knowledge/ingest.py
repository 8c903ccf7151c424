"""Ingesting folders and files into the knowledge store, idempotently.

Each document is identified by its resolved path and fingerprinted by a hash of its
bytes: unchanged documents are skipped, changed ones replaced, and documents that
were ingested from a folder but are gone from it are removed. A file that cannot be
read is reported and left exactly as it was in the store.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from knowledge.chunking import Chunk, chunk_document
from knowledge.documents import SUPPORTED_SUFFIXES, Document, DocumentError, load_document
from knowledge.ingest_status import IngestStatus, write_status
from knowledge.store import KnowledgeStore


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # unchanged since the last ingest
    errors: list[DocumentError] = field(default_factory=list)
    chunks: int = 0  # chunks written by this run

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.skipped)} unchanged, {len(self.errors)} failed"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "skipped": self.skipped,
            "errors": [{"path": e.path, "problem": e.problem} for e in self.errors],
            "chunks": self.chunks,
        }


Progress = Callable[[str, int, int], None]  # (path just handled, files handled so far, files in all)

# Chunks embedded together. The local models embed a batch far faster than the same texts a document at a
# time (E5 on the sample knowledge base, 2 cores: the 192 chunks in one call took 45% of the time of 32 calls
# of one document's chunks each; 96 chunks in batches of 8, 32 and 96: 57, 34-44 and 26-27 s under load), and a
# batch of this size keeps the progress shown in steps a person can follow.
BATCH_CHUNKS = 64


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path], list[DocumentError]]:
    """Files to ingest, the folders they were found under, and paths that do not exist.

    Hidden files and sidecars are passed over; an unsupported file named explicitly
    is an error, one found inside a folder is simply not a document.
    """
    files: list[Path] = []
    folders: list[Path] = []
    errors: list[DocumentError] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            folders.append(path.resolve())
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.exists():
            files.append(path)
        else:
            errors.append(DocumentError(path, "no such file or folder"))
    unique: dict[Path, Path] = {}
    for file in files:
        unique.setdefault(file.resolve(), file)
    return list(unique.values()), folders, errors


def ingest(store: KnowledgeStore, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
    files, folders, errors = discover(paths)
    report = IngestReport(errors=errors)
    known = store.documents()
    seen: set[str] = set()
    handled = 0
    batch: list[_Pending] = []

    def finished(path: Path) -> None:
        nonlocal handled
        handled += 1
        if progress:
            progress(str(path), handled, len(files))

    def store_batch() -> None:
        for pending, problem in zip(batch, _store_together(store, batch), strict=True):
            if problem is not None:
                report.errors.append(DocumentError(pending.path, f"could not be stored: {problem}"))
            else:
                report.chunks += len(pending.chunks)
                (report.updated if pending.replaces else report.added).append(str(pending.path))
            finished(pending.path)
        batch.clear()

    if progress:
        progress("", 0, len(files))
    for path in files:
        source = str(path.resolve())
        seen.add(source)
        try:
            doc = load_document(path)
        except DocumentError as exc:
            report.errors.append(exc)
            finished(path)
            continue
        previous = known.get(doc.source)
        if previous is not None and previous.content_hash == doc.content_hash:
            report.skipped.append(str(path))
            finished(path)
            continue
        batch.append(_Pending(path, doc, chunk_document(doc), replaces=previous is not None))
        if sum(len(pending.chunks) for pending in batch) >= BATCH_CHUNKS:
            store_batch()
    store_batch()

    # A document ingested from one of these folders earlier but no longer in it was
    # deleted or moved by its owner: it must not keep answering questions.
    for source in known:
        if source in seen:
            continue
        if any(Path(source).is_relative_to(folder) for folder in folders):
            store.remove(source)
            report.removed.append(source)
    store.commit()
    return report


def ingest_with_status(open_store: Callable[[], KnowledgeStore], paths: Sequence[Path], status_file: Path) -> IngestReport:
    """ingest(), writing how far it got to `status_file` as it goes (see knowledge/ingest_status.py) for an
    app to show. The store is opened here, so a store that cannot be opened is a "failed" status too;
    "done" is written last, after the store's commit. Failures are re-raised after they are written."""
    status = IngestStatus(state="running", pid=os.getpid(), paths=[str(path) for path in paths], started=time.time())
    write_status(status_file, status)

    def progress(path: str, done: int, total: int) -> None:
        nonlocal status
        status = replace(status, done=done, total=total, current=path)
        write_status(status_file, status)

    try:
        report = ingest(open_store(), paths, progress=progress)
    except Exception as exc:
        write_status(status_file, replace(status, state="failed", error=f"{type(exc).__name__}: {exc}", finished_at=time.time()))
        raise
    failures = [{"path": str(error.path), "problem": error.problem} for error in report.errors]
    write_status(
        status_file,
        replace(status, state="done", current="", summary=report.summary(), chunks=report.chunks, failures=failures, finished_at=time.time()),
    )
    return report


@dataclass
class _Pending:
    """A new or changed document, read and chunked, waiting for its batch to be embedded."""

    path: Path
    doc: Document
    chunks: list[Chunk]
    replaces: bool  # an older version of it is stored


def _store_together(store: KnowledgeStore, batch: list[_Pending]) -> list[Exception | None]:
    """Store the batch's documents, embedded in one call per model; the problem each one had, or None.

    When the batch's embedding fails, each document is tried alone, so one bad file (or a flaky
    endpoint) fails only the files it should."""
    if not batch:
        return []
    texts = [store.embedding_texts(pending.doc, pending.chunks) for pending in batch]
    try:
        vectors = store.embed([text for group in texts for text in group])
    except Exception:
        vectors = None
    problems: list[Exception | None] = []
    start = 0
    for pending, group in zip(batch, texts, strict=True):
        own = None if vectors is None else [model[start : start + len(group)] for model in vectors]
        start += len(group)
        try:
            store.put(pending.doc, pending.chunks, embeddings=own)  # None: embeds this document alone
        except Exception as exc:  # an embedding or store failure fails this file only
            problems.append(exc)
        else:
            problems.append(None)
    return problems
