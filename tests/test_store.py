"""The knowledge store, against a real embedded Chroma and a real `chroma run` server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import write

from knowledge.embeddings import UseEmbeddings
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore, open_client


def test_ingest_reports_and_search_returns_located_chunks(store: KnowledgeStore, corpus: Path) -> None:
    report = ingest(store, [corpus])
    assert report.ok, report.errors
    assert len(report.added) == 4 and not report.updated and not report.skipped
    results = store.search("order more than 30 minutes late refund coupon", k=3, lang="en")
    top = results[0]
    assert (top.doc_id, top.heading, top.kind, top.lang) == ("late-delivery", "Compensation", "policy", "en")
    assert top.title == "Late delivery compensation"
    assert top.source == str((corpus / "late.en.md").resolve())
    assert "30 CNY coupon" in top.text and top.chunk_id and top.score > 0


def test_reingest_is_idempotent_and_tracks_changes_and_removals(store: KnowledgeStore, corpus: Path) -> None:
    ingest(store, [corpus])
    count = store.count()
    again = ingest(store, [corpus])
    assert (again.added, again.updated, again.removed, len(again.skipped)) == ([], [], [], 4)
    assert store.count() == count

    policy = corpus / "late.en.md"
    policy.write_text(policy.read_text(encoding="utf-8").replace("30 CNY coupon", "35 CNY coupon"), encoding="utf-8")
    (corpus / "incidents" / "rude-reply.zh.md").unlink()
    changed = ingest(store, [corpus])
    assert changed.updated == [str(policy)]
    assert changed.removed == [str((corpus / "incidents" / "rude-reply.zh.md").resolve())]
    assert len(changed.skipped) == 2
    texts = [r.text for r in store.search("coupon for a late order", k=10, lang="en")]
    assert any("35 CNY coupon" in t for t in texts) and not any("30 CNY coupon" in t for t in texts)
    assert store.search("别闹了行吗", k=10, kind="incident") == []


def test_superseded_document_is_not_returned(store: KnowledgeStore, corpus: Path) -> None:
    ingest(store, [corpus])
    query = "voucher for a late order, credited within 14 days"
    assert all(r.doc_id != "late-delivery-2024" for r in store.search(query, k=10))
    old = store.search(query, k=10, include_superseded=True)
    assert any(r.doc_id == "late-delivery-2024" for r in old)
    statuses = {(d.doc_id, d.lang): d.active for d in store.documents().values()}
    assert statuses[("late-delivery-2024", "en")] is False and statuses[("late-delivery", "en")] is True


def test_newer_version_of_same_id_hides_older_one(store: KnowledgeStore, tmp_path: Path) -> None:
    folder = tmp_path / "versions"
    header = "---\nid: refunds\nkind: policy\nlang: en\ntitle: Refunds\nversion: {v}\n---\n## Processing\n{body}\n"
    write(folder / "refunds-v2.md", header.format(v=2, body="Refunds are processed within 7 days."))
    write(folder / "refunds-v10.md", header.format(v=10, body="Refunds are processed within 3 days."))
    ingest(store, [folder])
    texts = [r.text for r in store.search("how long do refunds take", k=5)]
    assert texts == ["Refunds are processed within 3 days."]


def test_filters_by_kind_language_and_tag(store: KnowledgeStore, corpus: Path) -> None:
    ingest(store, [corpus])
    assert {r.kind for r in store.search("客服回复 退货", k=10, kind="incident")} == {"incident"}
    assert {r.lang for r in store.search("late order refund", k=10, lang="zh")} == {"zh"}
    tagged = store.search("late order", k=10, tags=["compensation"])
    assert tagged and {r.doc_id for r in tagged} == {"late-delivery"}
    assert store.search("late order", k=10, tags=["no-such-tag"]) == []


def test_cross_language_query_finds_the_other_language(store: KnowledgeStore, corpus: Path) -> None:
    ingest(store, [corpus])
    results = store.search("How do I claim compensation for a late delivery?", k=2, lang="zh")
    assert {r.heading for r in results} & {"如何申请", "赔付标准"}
    # Across languages BM25 matches only through the domain terms (late → 超时, compensation → 赔付), so the dense
    # models carry the search; the question's own words never reach the other language's index.
    assert all(r.dense_rank is not None for r in results)
    assert store.search("How do I do the thing, hello?", k=3, lang="zh", mode="lexical") == []
    same_language = store.search("claim compensation for a late delivery", k=3, lang="en")
    assert any(r.lexical_rank is not None for r in same_language)


def test_bad_file_is_reported_and_its_stored_version_kept(store: KnowledgeStore, corpus: Path) -> None:
    ingest(store, [corpus])
    before = {r.chunk_id: r.text for r in store.search("late order", k=20, lang="zh")}
    target = corpus / "late.zh.md"
    target.write_bytes("---\nkind: policy\ntitle: 配送超时\n---\n超时三十分钟全额退款".encode("gb18030"))
    write(corpus / "new.en.md", "---\nkind: policy\ntitle: Privacy\n---\n## Data\nWe never post phone numbers.\n")
    report = ingest(store, [corpus])
    assert [e.path for e in report.errors] == [str(target)]
    assert "UTF-8" in report.errors[0].problem and "GB18030" in report.errors[0].problem
    assert report.added == [str(corpus / "new.en.md")]
    after = {r.chunk_id: r.text for r in store.search("late order", k=20, lang="zh")}
    assert after == before  # the broken rewrite did not touch what was stored


def test_reopened_collection_keeps_its_embedding_function(store_factory: Callable[[], KnowledgeStore], corpus: Path) -> None:
    ingest(store_factory(), [corpus])
    reopened = store_factory()
    # Opened without passing an embedding function: Chroma must rebuild ours from the
    # persisted config, not fall back to its default (which downloads a model).
    bare = reopened.client.get_collection(reopened.name)
    assert isinstance(bare.configuration.get("embedding_function"), UseEmbeddings)
    assert bare.query(query_texts=["late order refund"], n_results=1)["ids"][0]


def test_second_process_sees_ingest_after_revision_check(store_factory: Callable[[], KnowledgeStore], corpus: Path) -> None:
    reader = store_factory()
    reader.revision_check_seconds = 0
    assert reader.search("late order", k=3) == []
    ingest(store_factory(), [corpus])
    assert reader.search("late order", k=3)


def test_embedding_failure_leaves_previous_version(tmp_path: Path, corpus: Path) -> None:
    class Broken(UseEmbeddings):
        def __call__(self, input):  # type: ignore[no-untyped-def]
            raise RuntimeError("embedding backend down")

    path = tmp_path / "db"
    ingest(KnowledgeStore(open_client(path=path), UseEmbeddings()), [corpus])
    policy = corpus / "late.en.md"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n## New section\nSomething new.\n", encoding="utf-8")
    broken = KnowledgeStore(open_client(path=path), Broken())
    report = broken.documents()[str(policy.resolve())].chunk_ids
    result = ingest(broken, [policy])
    assert result.errors and "embedding backend down" in result.errors[0].problem
    assert broken.documents()[str(policy.resolve())].chunk_ids == report


def test_fused_models_keep_their_collections_in_step(tmp_path: Path, corpus: Path) -> None:
    from knowledge.embeddings import E5Embeddings

    path = tmp_path / "db"
    store = KnowledgeStore(open_client(path=path), [UseEmbeddings(), E5Embeddings()])
    ingest(store, [corpus])
    (corpus / "incidents" / "rude-reply.zh.md").unlink()
    ingest(store, [corpus])
    counts = {c.name: c.count() for c in store.collections}
    assert len(counts) == 2 and len(set(counts.values())) == 1, counts
    assert set(store.collections[1].get()["ids"]) == set(store.collections[0].get()["ids"])
    result = store.search("refund for a late order", k=1, lang="en")[0]
    assert result.doc_id == "late-delivery" and result.dense_rank is not None
    # Superseded flags are kept in every collection, so no model can bring back stale policy.
    for collection in store.collections:
        stale = collection.get(where={"doc_id": "late-delivery-2024"}, include=["metadatas"])["metadatas"]
        assert stale and all(m["active"] is False for m in stale)


def test_overfetch_and_chroma_filtering_agree(store: KnowledgeStore, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import knowledge.store as store_module

    ingest(store, [corpus])
    queries = [("late order refund", {"lang": "zh"}), ("别闹了行吗", {"kind": "incident"}), ("coupon", {"tags": ["delivery"]})]
    monkeypatch.setattr(store_module, "OVERFETCH_MIN_SHARE", 0.0)  # always filter here, after fetching
    here = [[r.chunk_id for r in store.search(q, k=3, mode="dense", **f)] for q, f in queries]
    monkeypatch.setattr(store_module, "OVERFETCH_MIN_SHARE", 1.01)  # always let Chroma filter
    chroma = [[r.chunk_id for r in store.search(q, k=3, mode="dense", **f)] for q, f in queries]
    assert here == chroma and all(here)
