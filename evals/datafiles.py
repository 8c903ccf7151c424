"""Reading the labelled files the evaluations score: one reader and one error, so every eval says what was
wrong with a file in the same words (the file, the line, the problem)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class EvalDataError(ValueError):
    """The data file cannot be evaluated; the message names the file, the row and the column."""


def read_text(path: Path) -> str:
    if not path.is_file():
        raise EvalDataError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EvalDataError(f"{path}: not UTF-8 (byte {exc.start})") from None


def read_jsonl(path: Path, required: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Every object of a JSONL file (blank lines skipped); a line that is not a JSON object, or lacks one of
    the `required` keys, is an EvalDataError naming the line."""
    rows = []
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalDataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise EvalDataError(f"{path}:{number}: expected a JSON object")
        missing = [key for key in required if key not in row]
        if missing:
            raise EvalDataError(f"{path}:{number}: missing {', '.join(missing)}")
        rows.append(row)
    return rows
