"""Reading knowledge documents: Markdown, plain text and PDF with YAML front matter.

A document that cannot be read correctly raises :class:`DocumentError` naming the
file and the problem, before anything is written to the store, so a bad file never
leaves a half-ingested document behind.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from knowledge.cjk import count_cjk

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".pdf")
KINDS = ("policy", "incident")
LANGS = ("zh", "en")
FRONT_MATTER_KEYS = ("id", "kind", "lang", "title", "version", "effective", "supersedes", "tags")
# A single document larger than this is almost certainly not a policy or write-up
# (an export, a log dump) and would swamp retrieval.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class DocumentError(Exception):
    """A file that cannot be ingested, with the reason in words a person can act on."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclass(frozen=True)
class Document:
    source: str  # resolved path; the identity of the document in the store
    doc_id: str  # family id shared by versions and languages (front matter `id`)
    kind: str
    lang: str
    title: str
    body: str
    content_hash: str
    version: str = ""
    effective: date | None = None
    supersedes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    pages: tuple[str, ...] = field(default=(), repr=False)  # PDF text per page, for page-based chunks


def detect_language(text: str) -> str:
    """'zh' when Chinese characters carry the text, else 'en'.

    Counting characters against Latin words keeps a Chinese text with English product
    names (and an English text quoting one Chinese phrase) on the right side.
    """
    cjk = count_cjk(text)  # Han ideographs only: a Japanese text (kana) is not Chinese
    latin_words = len(_LATIN_WORD.findall(text))
    return "zh" if cjk >= max(1, latin_words) else "en"


def load_document(path: Path) -> Document:
    """Read one file into a Document, or raise DocumentError saying what is wrong."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(path, f"unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(path, "file not found") from None
    except IsADirectoryError:
        raise DocumentError(path, "is a directory, not a file") from None
    except OSError as exc:
        raise DocumentError(path, f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(path, f"is {len(raw) / 1e6:.1f} MB; documents are limited to {MAX_DOCUMENT_BYTES // 2**20} MB")

    pages: tuple[str, ...] = ()
    if suffix == ".pdf":
        pages = _pdf_pages(path, raw)
        text = "\n\n".join(pages)
        meta, body = _split_front_matter(path, text, required=False)
        if meta is None:
            meta = _sidecar_front_matter(path)
        else:
            # The front matter sat at the top of the first page: keep it out of the page texts.
            consumed = len(text) - len(body)
            pages = (pages[0][consumed:].strip(),) + pages[1:]
    else:
        text = _decode(path, raw)
        meta, body = _split_front_matter(path, text, required=True)
    assert meta is not None  # _split_front_matter/_sidecar raise when required metadata is missing

    body = body.strip()
    if not body or not any(ch.isalnum() for ch in body):
        raise DocumentError(path, "document is empty after the front matter")
    fields = _validate_front_matter(path, meta, body)
    return Document(source=str(path.resolve()), body=body, content_hash=hashlib.sha256(raw).hexdigest(), pages=pages, **fields)


def decode_utf8(raw: bytes) -> str:
    """UTF-8 (a BOM is fine), or a ValueError saying where it breaks — with a hint when the bytes are
    GBK/GB18030, the usual culprit for Chinese files saved on Windows."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            raw.decode("gb18030")
            hint = " It looks like GBK/GB18030: re-save it as UTF-8 (e.g. `iconv -f gb18030 -t utf-8`)."
        except UnicodeDecodeError:
            pass
        raise ValueError(f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}).{hint}") from None


def yaml_problem(exc: yaml.YAMLError, source: str | Path | None = None, *, first_line: int = 1, what: str = "invalid YAML") -> str:
    """What is wrong with a YAML text and where, in one line a person can act on:
    "policies/late.yaml: invalid YAML at line 4, column 9: mapping values are not allowed here".

    `source` names the file (leave it out when the caller's own error names it already); `first_line` is the
    file line the parsed text starts on (front matter starts on line 2); `what` is the caller's word for it."""
    where = f"{source}: " if source is not None else ""
    mark = (exc.problem_mark or exc.context_mark) if isinstance(exc, yaml.MarkedYAMLError) else None
    if isinstance(exc, yaml.MarkedYAMLError) and mark is not None:
        problem = exc.problem or exc.context or "unreadable"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        return f"{where}{what} at line {mark.line + first_line}, column {mark.column + 1}: {problem}{context}"
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow: a control character, a NUL
        char = f"U+{exc.character:04X}" if exc.encoding == "unicode" else f"byte 0x{exc.character:02x}"
        return f"{where}{what}: {char} at character {exc.position + 1} is not allowed in YAML"
    return f"{where}{what}: {' '.join(str(exc).split())}"


def _decode(path: Path, raw: bytes) -> str:
    try:
        return decode_utf8(raw)
    except ValueError as exc:
        raise DocumentError(path, str(exc)) from None


def _pdf_pages(path: Path, raw: bytes) -> tuple[str, ...]:
    from io import BytesIO

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(raw), strict=False)
        if reader.is_encrypted:
            raise DocumentError(path, "PDF is encrypted; export an unencrypted copy")
        pages = tuple((page.extract_text() or "").strip() for page in reader.pages)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(path, f"broken PDF ({exc})") from None
    except Exception as exc:  # pypdf raises a wide range of errors on damaged files
        raise DocumentError(path, f"broken PDF ({type(exc).__name__}: {exc})") from None
    if not any(pages):
        raise DocumentError(path, "PDF has no extractable text (a scanned image?); provide a text version")
    return pages


def _split_front_matter(path: Path, text: str, *, required: bool) -> tuple[dict[str, Any] | None, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        if required:
            raise DocumentError(path, "missing YAML front matter: start the file with a '---' block giving at least kind and title")
        return None, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        # The block starts on the file's second line, after the opening '---'.
        raise DocumentError(path, yaml_problem(exc, first_line=2, what="invalid YAML front matter")) from None
    if not isinstance(meta, dict):
        raise DocumentError(path, "front matter must be a mapping of keys (kind: policy, title: ...)")
    return meta, text[match.end() :]


def _sidecar_front_matter(path: Path) -> dict[str, Any]:
    sidecar = path.with_name(path.name + ".yaml")
    if not sidecar.exists():
        raise DocumentError(path, f"missing front matter: a PDF needs a '---' block on its first page or a sidecar file {sidecar.name}")
    meta, _ = _split_front_matter(sidecar, "---\n" + _decode(sidecar, sidecar.read_bytes()) + "\n---\n", required=True)
    assert meta is not None
    return meta


def _validate_front_matter(path: Path, meta: dict[str, Any], body: str) -> dict[str, Any]:
    unknown = [key for key in meta if key not in FRONT_MATTER_KEYS]
    if unknown:
        key = str(unknown[0])
        close = difflib.get_close_matches(key, FRONT_MATTER_KEYS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else f"; allowed: {', '.join(FRONT_MATTER_KEYS)}"
        raise DocumentError(path, f"unknown front-matter key '{key}'{hint}")

    kind = meta.get("kind")
    if kind is None:
        raise DocumentError(path, "front matter has no 'kind' (policy or incident)")
    if kind not in KINDS:
        raise DocumentError(path, f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")

    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise DocumentError(path, "front matter needs a non-empty 'title'")

    lang = meta.get("lang")
    if lang is None:
        lang = detect_language(body)
    elif lang not in LANGS:
        raise DocumentError(path, f"unsupported lang {lang!r}; use one of: {', '.join(LANGS)}")

    effective = meta.get("effective")
    if effective is not None and not isinstance(effective, date):
        try:
            effective = date.fromisoformat(str(effective))
        except ValueError:
            raise DocumentError(path, f"'effective' must be a date like 2026-09-01, got {effective!r}") from None

    version = meta.get("version", "")
    if not isinstance(version, (str, int, float)):
        raise DocumentError(path, f"'version' must be a number or a short string, got {version!r}")

    doc_id = meta.get("id")
    if doc_id is None:
        # Stem without a trailing language tag, so refunds.en.md and refunds.zh.md share an id.
        doc_id = re.sub(r"\.(zh|en)$", "", path.stem)
    if not isinstance(doc_id, (str, int)) or not str(doc_id).strip():
        raise DocumentError(path, f"'id' must be a non-empty string, got {doc_id!r}")

    return {
        "doc_id": str(doc_id).strip(),
        "kind": kind,
        "lang": lang,
        "title": title.strip(),
        "version": str(version),
        "effective": effective,
        "supersedes": _string_list(path, meta, "supersedes"),
        "tags": tuple(tag.lower() for tag in _string_list(path, meta, "tags")),
    }


def _string_list(path: Path, meta: dict[str, Any], key: str) -> tuple[str, ...]:
    value = meta.get(key)
    if value is None:
        return ()
    if isinstance(value, (str, int)):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, (str, int)) for item in value):
        raise DocumentError(path, f"'{key}' must be a list of names, got {value!r}")
    return tuple(str(item).strip() for item in value if str(item).strip())
