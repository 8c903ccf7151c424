"""Reading incident records and ticket files (the CLI's and the API's input), with errors that say where.

Incidents: one YAML or JSON file (see drafting/samples/*.incident.yaml). Tickets: JSONL (one ticket object per
line, `facts` nested) or CSV with one column per field — id, customer, channel, order_id, message (several
messages separated by a blank line or " || "), lang, and the facts: issue_type, delay_minutes,
order_amount, membership_tier, order_date, has_photo, hours_since_delivery.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import ValidationError

from drafting.models import Incident, Ticket
from knowledge.documents import decode_utf8

MAX_FILE_BYTES = 50 * 1024 * 1024
_FACT_COLUMNS = ("issue_type", "delay_minutes", "order_amount", "membership_tier", "order_date", "has_photo", "hours_since_delivery", "during_incident")


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
    if not path.is_file():
        raise RecordError(path, "no such file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise RecordError(path, f"is {path.stat().st_size // (1024 * 1024)} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        return decode_utf8(path.read_bytes())
    except ValueError as exc:
        raise RecordError(path, str(exc)) from None


def load_incident(path: Path) -> Incident:
    text = _read_text(Path(path))
    try:
        data = json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RecordError(path, f"not valid {'JSON' if str(path).endswith('.json') else 'YAML'}: {exc}") from None
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


def read_tickets(path: Path, incident_id: str | None = None) -> Iterator[TicketLine]:
    """Every ticket in a JSONL or CSV file; a bad line yields an error and reading goes on."""
    path = Path(path)
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise RecordError(path, f"a ticket CSV needs an 'id' column; found {', '.join(reader.fieldnames or []) or 'no header'}")
        rows = ((reader.line_num, dict(row)) for row in reader)
        records = ((line, _ticket_from_row(row)) for line, row in rows)
    elif suffix in (".jsonl", ".ndjson"):
        def parse() -> Iterator[tuple[int, Any]]:
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, RecordError(path, f"not valid JSON: {exc.msg} at column {exc.colno}", number)
        records = parse()
    else:
        raise RecordError(path, "tickets must be a .jsonl or .csv file")
    for number, record in records:
        if isinstance(record, RecordError):
            yield TicketLine(number, error=record.problem)
            continue
        if not isinstance(record, dict):
            yield TicketLine(number, error="expected a JSON object")
            continue
        if incident_id and not record.get("incident_id"):
            record["incident_id"] = incident_id
        try:
            yield TicketLine(number, ticket=Ticket.model_validate(record), raw_id=record.get("id"))
        except ValidationError as exc:
            yield TicketLine(number, error=validation_message(exc), raw_id=record.get("id"))
