"""The sample knowledge base and the policy book must tell the same story: every
rule points at a policy document that exists in both languages and names the rule."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from knowledge.documents import Document, load_document
from knowledge.ingest import discover
from knowledge.policy import PolicyBook

SAMPLES = Path(__file__).resolve().parent.parent / "knowledge" / "samples"


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    files, _, errors = discover([SAMPLES])
    assert not errors
    return [load_document(path) for path in files]  # raises on any malformed sample


def test_sample_base_is_bilingual_and_large_enough(documents: list[Document]) -> None:
    by_kind: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for doc in documents:
        by_kind[doc.kind][doc.doc_id].add(doc.lang)
    assert len(by_kind["policy"]) >= 8 and len(by_kind["incident"]) >= 6
    for kind, ids in by_kind.items():
        for doc_id, langs in ids.items():
            assert langs == {"zh", "en"}, f"{kind} {doc_id} exists only in {langs}"


def test_every_rule_is_written_in_its_policy_document(documents: list[Document]) -> None:
    book = PolicyBook.load()
    texts: dict[tuple[str, str], str] = {(d.doc_id, d.lang): d.body for d in documents if d.kind == "policy"}
    for rule_id in [rule.id for rule in book.rules] + [cap.id for cap in book.caps] + [a.id for a in book.approvals]:
        rule = book.rule(rule_id)
        document = rule.document if rule else next(c.document for c in [*book.caps, *book.approvals] if c.id == rule_id)
        for lang in ("en", "zh"):
            assert (document, lang) in texts, f"{rule_id}: no {lang} policy document {document!r}"
            assert rule_id in texts[(document, lang)], f"{rule_id} is not mentioned in {document} ({lang})"


def test_a_superseded_version_is_shipped_to_show_the_filter(documents: list[Document]) -> None:
    ids = {d.doc_id for d in documents}
    superseded = {s for d in documents for s in d.supersedes}
    assert superseded and superseded <= ids
