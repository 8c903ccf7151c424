"""Ingesting folders and files into the knowledge store, idempotently.

Each document is identified by its resolved path and fingerprinted by a hash of its
bytes: unchanged documents are skipped, changed ones replaced, and documents that
were ingested from a folder but are gone from it are removed. A file that cannot be
read is reported and left exactly as it was in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.chunking import chunk_document
from knowledge.documents import SUPPORTED_SUFFIXES, DocumentError, load_document
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


Progress = Callable[[str, int, int], None]  # (path being ingested, done, total)


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
    for done, path in enumerate(files):
        if progress:
            progress(str(path), done, len(files))
        source = str(path.resolve())
        seen.add(source)
        try:
            doc = load_document(path)
        except DocumentError as exc:
            report.errors.append(exc)
            continue
        previous = known.get(doc.source)
        if previous is not None and previous.content_hash == doc.content_hash:
            report.skipped.append(str(path))
            continue
        chunks = chunk_document(doc)
        try:
            store.put(doc, chunks)
        except Exception as exc:  # an embedding or store failure fails this file only
            report.errors.append(DocumentError(path, f"could not be stored: {exc}"))
            continue
        report.chunks += len(chunks)
        (report.updated if previous is not None else report.added).append(str(path))

    # A document ingested from one of these folders earlier but no longer in it was
    # deleted or moved by its owner: it must not keep answering questions.
    for source in known:
        if source in seen:
            continue
        if any(Path(source).is_relative_to(folder) for folder in folders):
            store.remove(source)
            report.removed.append(source)
    if progress:
        progress("", len(files), len(files))
    store.commit()
    return report
