"""Approved replies as files staff can take elsewhere: CSV (UTF-8 with a byte-order mark, so Excel shows
Chinese correctly) and XLSX. Columns: customer, channel, text, then what identifies the reply."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

COLUMNS = ("customer", "channel", "text", "ticket", "lang", "draft_id", "version", "status", "approved_by", "approved_at")
# Excel and LibreOffice run cells that start with these as formulas: a customer named "=HYPERLINK(...)"
# must stay text (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(column, "")) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "approved replies"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(row.get(column, "")) for column in COLUMNS])
    widths = {"customer": 18, "channel": 14, "text": 80, "ticket": 14, "approved_by": 18, "approved_at": 22}
    for index, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = widths.get(column, 10)
    for cell in sheet["C"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
