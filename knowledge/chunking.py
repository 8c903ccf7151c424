"""Cutting documents into retrievable chunks: one per heading section, split further
only when a section is too long to embed well."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from knowledge.cjk import count_cjk
from knowledge.documents import Document

# Measured in "units": a CJK character carries about as much as two Latin letters,
# so the same limit gives Chinese and English chunks of similar meaning.
MAX_CHUNK_UNITS = 1400
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])\s+")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    index: int
    heading: str  # the nearest heading (page N for PDFs); the title for a preamble
    heading_path: str  # all enclosing headings, "Late delivery › How to claim"
    text: str

    def embedding_text(self, title: str) -> str:
        """Title and headings go into the embedded text: a short section like "How to
        claim" only means something next to the policy it belongs to."""
        return f"{title} — {self.heading_path}\n{self.text}"


def units(text: str) -> int:
    # A Han ideograph counts two; kana, hangul and CJK punctuation count one, like a Latin letter.
    return len(text) + count_cjk(text)


def chunk_document(doc: Document, max_units: int = MAX_CHUNK_UNITS) -> list[Chunk]:
    if doc.pages:
        sections = [([f"page {n}"], page) for n, page in enumerate(doc.pages, start=1) if page.strip()]
    else:
        sections = _sections(doc.body, doc.title)
    prefix = hashlib.sha1(doc.source.encode("utf-8")).hexdigest()[:12]
    chunks: list[Chunk] = []
    for path, text in sections:
        for piece in _split(text, max_units):
            chunks.append(
                Chunk(chunk_id=f"{prefix}-{len(chunks):04d}", index=len(chunks), heading=path[-1], heading_path=" › ".join(path), text=piece)
            )
    return chunks


def _sections(body: str, title: str) -> list[tuple[list[str], str]]:
    """(heading path, text) for every heading section that has text of its own."""
    sections: list[tuple[list[str], str]] = []
    stack: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            path = [name for _, name in stack] or [title]
            sections.append((path, text))
        lines.clear()

    for line in body.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence  # a '#' inside a code block is not a heading
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    return sections


def _split(text: str, max_units: int) -> list[str]:
    if units(text) <= max_units:
        return [text]
    pieces: list[str] = []
    current = ""
    for block in _blocks(text, max_units):
        candidate = f"{current}\n\n{block}" if current else block
        if units(candidate) <= max_units:
            current = candidate
        else:
            if current:
                pieces.append(current)
            current = block
    if current:
        pieces.append(current)
    return pieces


def _blocks(text: str, max_units: int) -> list[str]:
    """Paragraphs, with an over-long paragraph broken at sentence ends, and an
    over-long sentence (no punctuation at all) cut hard."""
    blocks: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if units(paragraph) <= max_units:
            blocks.append(paragraph)
            continue
        for sentence in filter(None, (s.strip() for s in _SENTENCE_END.split(paragraph))):
            while units(sentence) > max_units:
                cut = _cut_at_units(sentence, max_units)
                blocks.append(sentence[:cut])
                sentence = sentence[cut:]
            blocks.append(sentence)
    return blocks


def _cut_at_units(text: str, max_units: int) -> int:
    total = 0
    for i, ch in enumerate(text):
        total += units(ch)
        if total > max_units:
            return max(i, 1)
    return len(text)
