"""Reading incident records and ticket files (the CLI's and the API's input), with errors that say where.

Incidents: one YAML or JSON file (see drafting/samples/*.incident.yaml). Tickets: JSONL (one ticket object per
line, `facts` nested) or CSV with one column per field — id, customer, channel, order_id, message (several
messages separated by a blank line or " || "), lang, and the facts: issue_type, delay_minutes,
order_amount, membership_tier, order_date, has_photo, hours_since_delivery.

Ticket files are UTF-8 (a BOM and CRLF line ends are fine; `encoding=` reads e.g. GB18030). Each line stands
alone: a line that is not valid in the encoding, not valid JSON, a malformed CSV row or a ticket with invalid
fields is reported with its line number and what was wrong, and every other line is read.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from drafting.domain.models import Incident, Ticket
from knowledge.documents import decode_utf8, yaml_problem

MAX_FILE_BYTES = 50 * 1024 * 1024
_FACT_COLUMNS = (
    "issue_type",
    "delay_minutes",
    "order_amount",
    "membership_tier",
    "order_date",
    "has_photo",
    "hours_since_delivery",
    "during_incident",
)


class RecordError(ValueError):
    """A record cannot be read; names the file, the line (when there is one) and the problem."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None) -> None:
        self.path, self.problem, self.line = str(path), problem, line
        super().__init__(f"{path}:{line}: {problem}" if line else f"{path}: {problem}")


def validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error["loc"]) or "record"
        parts.append(f"{where}: {error['msg']}")
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _read_text(path: Path) -> str:
    """A whole file as UTF-8 (an incident is one record: a bad byte anywhere makes it unreadable)."""
    try:
        return decode_utf8(_read_bytes(path))
    except ValueError as exc:
        if isinstance(exc, RecordError):
            raise
        raise RecordError(path, str(exc)) from None


def load_incident(path: Path) -> Incident:
    text = _read_text(Path(path))
    try:
        data = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise RecordError(path, f"not valid JSON: {exc}") from None
    except yaml.YAMLError as exc:
        raise RecordError(path, yaml_problem(exc)) from None
    if not isinstance(data, dict):
        raise RecordError(path, "an incident must be a mapping with id, title and what_happened")
    try:
        return Incident.model_validate(data)
    except ValidationError as exc:
        raise RecordError(path, validation_message(exc)) from None


@dataclass(frozen=True)
class TicketLine:
    """One input record: the ticket, or why it could not be read (with its line number)."""

    line: int
    ticket: Ticket | None = None
    error: str | None = None
    raw_id: Any = None


def _ticket_from_row(row: dict[str, Any]) -> dict[str, Any]:
    facts = {k: row.pop(k) for k in _FACT_COLUMNS if k in row}
    facts = {k: v for k, v in facts.items() if v not in (None, "")}
    message = row.pop("message", None) or row.pop("messages", None) or ""
    record = {k: v for k, v in row.items() if v not in (None, "")}
    record["messages"] = [m.strip() for m in str(message).replace(" || ", "\n\n").split("\n\n") if m.strip()]
    record["facts"] = facts
    return record


def read_tickets(path: Path, incident_id: str | None = None, encoding: str = "utf-8") -> Iterator[TicketLine]:
    """Every ticket in a JSONL or CSV file; a bad line (bad encoding, bad JSON, a malformed CSV row, invalid
    fields) yields an error with its line number and reading goes on. Only a file that cannot be read at
    all (missing, too large, no CSV header, unknown suffix) raises RecordError."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise RecordError(path, "tickets must be a .jsonl or .csv file")
    lines = _decode_lines(path, _read_bytes(path), encoding)
    records = _csv_records(path, lines) if suffix == ".csv" else _jsonl_records(lines)
    for number, record in records:
        if isinstance(record, str):
            yield TicketLine(number, error=record)
            continue
        if not isinstance(record, dict):
            yield TicketLine(number, error=f"expected a JSON object, got {type(record).__name__}")
            continue
        if incident_id and not record.get("incident_id"):
            record["incident_id"] = incident_id
        try:
            yield TicketLine(number, ticket=Ticket.model_validate(record), raw_id=record.get("id"))
        except ValidationError as exc:
            yield TicketLine(number, error=validation_message(exc), raw_id=record.get("id"))


# ── reading a ticket file line by line ──────────────────────────────────────────────────────────────
#
# A ticket file is decoded one physical line at a time, so a stray byte, or a few lines saved as GBK by some
# Windows tool, cost only the lines that are actually unreadable, never the file. Lines are split on
# b"\n" before decoding: in UTF-8 and GBK/GB18030 that byte never occurs inside a multi-byte character.


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    problem: str | None = None  # why the raw bytes could not be decoded; `text` then holds a lossy decoding


_WIDE_ENCODINGS = ("utf-16", "utf_16", "utf16", "utf-32", "utf_32", "utf32")


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise RecordError(path, "no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise RecordError(path, f"is {size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return path.read_bytes()


def _decode_lines(path: Path, raw: bytes, encoding: str) -> list[_Line]:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise RecordError(path, f"unknown encoding {encoding!r}") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or encoding.lower().startswith(_WIDE_ENCODINGS):
        # UTF-16/32 cannot be split on bytes; such files are decoded whole (they come from tools, not hands).
        wide = encoding if encoding.lower().startswith(_WIDE_ENCODINGS) else "utf-16"
        try:
            text = raw.decode(wide)
        except UnicodeDecodeError as exc:
            raise RecordError(path, f"is not valid {wide} (byte offset {exc.start})") from None
        return [_Line(n, line.removesuffix("\r")) for n, line in enumerate(text.split("\n"), start=1)]
    utf8 = codecs.lookup(encoding).name == "utf-8"
    if utf8 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    lines = []
    for number, chunk in enumerate(raw.split(b"\n"), start=1):
        chunk = chunk.removesuffix(b"\r")  # CRLF files
        if b"\x00" in chunk and utf8:
            # Binary data, or UTF-16 without a BOM; a NUL also cannot be stored in PostgreSQL text.
            column = chunk.index(b"\x00") + 1
            lines.append(
                _Line(
                    number,
                    chunk.replace(b"\x00", b"").decode(encoding, errors="replace"),
                    f"contains a NUL byte at column {column} (binary data, or UTF-16 without a BOM?)",
                )
            )
            continue
        try:
            lines.append(_Line(number, chunk.decode(encoding)))
        except UnicodeDecodeError as exc:
            lines.append(_Line(number, chunk.decode(encoding, errors="replace"), _encoding_problem(chunk, exc, encoding, utf8)))
    if lines and not lines[-1].text and lines[-1].problem is None:
        lines.pop()  # the newline that ends the last line
    return lines


def _encoding_problem(chunk: bytes, exc: UnicodeDecodeError, encoding: str, utf8: bool) -> str:
    column = len(chunk[: exc.start].decode(encoding, errors="replace")) + 1
    problem = f"not valid {'UTF-8' if utf8 else encoding} (byte 0x{chunk[exc.start]:02x} at column {column})"
    if utf8:
        try:
            chunk.decode("gb18030")
            problem += "; it looks like GBK/GB18030: re-save the file as UTF-8 (iconv -f gb18030 -t utf-8) or read it with --encoding gb18030"
        except UnicodeDecodeError:
            problem += "; re-save the file as UTF-8"
    return problem


def _jsonl_records(lines: list[_Line]) -> Iterator[tuple[int, Any]]:
    for line in lines:
        if line.problem:
            yield line.number, line.problem
            continue
        if not line.text.strip():
            continue
        try:
            yield line.number, json.loads(line.text)
        except json.JSONDecodeError as exc:
            yield line.number, f"not valid JSON: {exc.msg} at column {exc.colno}"


def _csv_records(path: Path, lines: list[_Line]) -> Iterator[tuple[int, Any]]:
    """Rows of a ticket CSV as dicts (or problems), numbered by the line each row starts on.

    A quoted field may span lines (several messages in one cell). A quote that is never closed would
    swallow every later line into one field, so a row that spans lines and has the wrong number of fields
    is reported, and reading resumes on the line after it."""
    header_line = next((line for line in lines if line.text.strip()), None)
    if header_line is None:
        raise RecordError(path, "a ticket CSV needs a header line with an 'id' column; the file is empty")
    if header_line.problem:
        raise RecordError(path, f"the header (line {header_line.number}) is {header_line.problem}")
    header = [name.strip() for name in next(csv.reader([header_line.text]))]
    if "id" not in header:
        raise RecordError(path, f"a ticket CSV needs an 'id' column; found {', '.join(header) or 'no header'}")
    position = header_line.number  # index into `lines` of the first line after the header
    while position < len(lines):
        reader = csv.reader(line.text + "\n" for line in lines[position:])
        first = position
        try:
            for row in reader:
                span = lines[first : position + reader.line_num]
                start = span[0].number
                restart = position + reader.line_num
                if not any(field.strip() for field in row):
                    first = restart
                    continue
                if len(row) != len(header) and len(span) > 1:
                    # Probably an unclosed quote: report it and give back the lines it swallowed.
                    yield (
                        start,
                        (
                            f"has {len(row)} fields; the header has {len(header)} (a quoted field runs from line "
                            f"{start} to line {span[-1].number}: is a quote unclosed?)"
                        ),
                    )
                    position = first + 1
                    break
                problem = next((line.problem for line in span if line.problem), None)
                if problem is None and len(row) != len(header):
                    problem = f"has {len(row)} fields; the header has {len(header)}"
                if problem is not None:
                    bad = next((line.number for line in span if line.problem), start)
                    yield bad, problem
                else:
                    yield start, _ticket_from_row(dict(zip(header, row, strict=False)))
                first = restart
            else:
                return
        except csv.Error as exc:
            start = lines[first].number if first < len(lines) else lines[-1].number
            yield start, f"not a valid CSV row: {exc}"
            position = first + 1
