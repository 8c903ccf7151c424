"""Tone checks over JSONL streams: the contract `tactful tone check --jsonl` and the HTTP API share.

Input lines are {"id": ..., "text": ..., "lang": optional, "kind": optional, "answering": optional — the
customer's message(s) the text replies to, a string or a list of strings}. Every line yields one output
object — a report with the line's id, or {"line": N, "id": ..., "error": "..."} when the line cannot be
checked — so one bad line never stops a batch and never shifts the others' ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from drafting.guards.tone import LANGS, ToneChecker, ToneReport

MAX_TEXT_CHARS = 20_000  # a whole statement is a few thousand characters; more is a pasted file


def report_json(item_id: Any, report: ToneReport) -> dict[str, Any]:
    return {"id": item_id, **report.to_dict()}


def check_line(raw: bytes, number: int, checker: ToneChecker, *, kind: str, lang: str | None) -> dict[str, Any] | None:
    """One input line → one output object (None for a blank line)."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return {"line": number, "id": None, "error": f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"}
    line = line.lstrip("\ufeff").strip()
    if not line:
        return None
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"line": number, "id": None, "error": f"not valid JSON: {exc.msg} at column {exc.colno}"}
    if not isinstance(item, dict):
        return {"line": number, "id": None, "error": f"expected a JSON object, got {type(item).__name__}"}
    item_id = item.get("id")
    text = item.get("text")
    if not isinstance(text, str):
        problem = 'missing "text"' if text is None else f'"text" must be a string, got {type(text).__name__}'
        return {"line": number, "id": item_id, "error": problem}
    if len(text) > MAX_TEXT_CHARS:
        return {"line": number, "id": item_id, "error": f'"text" is {len(text)} characters; the limit is {MAX_TEXT_CHARS}'}
    item_lang = item.get("lang") or lang
    if item_lang is not None and item_lang not in LANGS:
        return {"line": number, "id": item_id, "error": f'"lang" must be zh or en, got {item_lang!r}'}
    item_kind = item.get("kind") or kind
    if item_kind not in ("auto", "draft", "chat"):
        return {"line": number, "id": item_id, "error": f'"kind" must be auto, draft or chat, got {item_kind!r}'}
    answering = item.get("answering") or []
    if isinstance(answering, str):
        answering = [answering]
    if not isinstance(answering, list) or not all(isinstance(m, str) for m in answering):
        return {"line": number, "id": item_id, "error": '"answering" must be a string or a list of strings'}
    if sum(len(m) for m in answering) > MAX_TEXT_CHARS:
        return {"line": number, "id": item_id, "error": f'"answering" is over {MAX_TEXT_CHARS} characters in all'}
    return report_json(item_id, checker.check(text, kind=item_kind, lang=item_lang, answering=answering))


def check_jsonl_lines(stream: BinaryIO, checker: ToneChecker, *, kind: str = "auto", lang: str | None = None) -> Iterator[dict[str, Any]]:
    for number, raw in enumerate(stream, start=1):
        result = check_line(raw, number, checker, kind=kind, lang=lang)
        if result is not None:
            yield result
