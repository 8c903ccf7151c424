"""Section-level ranking: a document's summary stands behind its own sections, and the
first places show distinct sections (not one long section twice, nor a section and its
translation). Real Chroma, packaged encoders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write

from knowledge.embeddings import make_embedding_functions
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore, open_client

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# The summary repeats every section's words, so on similarity alone it beats each of them.
_INCIDENT_EN = """
---
id: late-wave
kind: incident
lang: en
title: Deliveries ran late during the promotion
---
During the promotion deliveries ran late, customers waited over an hour, support did not answer,
and we refunded late orders in full with a coupon.

## Timeline
Day 1 the promotion started. Day 2 the average delay reached 47 minutes.

## What we did
We refunded every order more than 30 minutes late in full and added a 30 CNY coupon.

## Lessons
Plan support for the volume a promotion is designed to create.
"""

_INCIDENT_ZH = """
---
id: late-wave
kind: incident
lang: zh
title: 促销期间配送大面积超时
---
促销期间配送大面积超时，顾客等了一个多小时，客服没有回应，我们给超时订单全额退款并补发优惠券。

## 时间线
第1天促销开始。第2天平均延误47分钟。

## 我们做了什么
超时30分钟以上的订单全部全额退款，另补30元优惠券。

## 教训
促销带来多少单量，就要按多少单量安排客服。
"""


def _store(tmp_path: Path, embedding: str = "use") -> KnowledgeStore:
    return KnowledgeStore(open_client(path=tmp_path / "chroma"), make_embedding_functions(embedding))


def _ingest(store: KnowledgeStore, root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        write(root / name, text)
    report = ingest(store, [root])
    assert report.ok, report.errors


def _is_summary(heading: str, title: str) -> bool:
    return heading == title  # a preamble is filed under the document's title


def test_a_summary_stands_behind_the_sections_it_would_outrank(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _ingest(store, tmp_path / "kb", {"late.en.md": _INCIDENT_EN})
    query = "deliveries ran late during the promotion, customers waited over an hour, refunded late orders"
    results = store.search(query, k=4)
    summary = next(r for r in results if _is_summary(r.heading, r.title))
    # The summary is the closest match to a question that restates it, in both retrievers...
    assert summary.dense_rank == 1 and summary.lexical_rank == 1
    # ...but the sections of that document come first (session 7: not only the best of them), and the
    # summary behind them, where it takes no place a citable clause could have.
    assert [_is_summary(r.heading, r.title) for r in results] == [False, False, False, True], [r.heading for r in results]
    assert results[0].doc_id == "late-wave" and results[-1] == summary


def test_a_document_without_sections_is_still_found_by_its_summary(tmp_path: Path) -> None:
    store = _store(tmp_path)
    note = """
    ---
    id: holiday-hours
    kind: policy
    lang: en
    title: Support hours over the holidays
    ---
    Over the national holidays the support line is open from 9:00 to 21:00 and group questions are answered the next morning.
    """
    _ingest(store, tmp_path / "kb", {"late.en.md": _INCIDENT_EN, "hours.en.md": note})
    results = store.search("when is the support line open over the holidays", k=3)
    assert results[0].doc_id == "holiday-hours" and results[0].heading == "Support hours over the holidays"


def test_one_long_section_takes_one_place_in_the_top_results(tmp_path: Path) -> None:
    store = _store(tmp_path)
    # A section long enough to be cut into several chunks, every one of them about refunds.
    long_section = " ".join(f"Refund rule {n}: a refund for a late order is paid back to the original card within 3 days." for n in range(40))
    policy = f"""
    ---
    id: refunds
    kind: policy
    lang: en
    title: Refunds
    ---
    ## How refunds are paid
    {long_section}

    ## Refunds for late orders
    A late order is refunded in full, paid back to the card within 3 days.

    ## Refunds for spilled food
    Spilled food is refunded in full when reported with a photo.
    """
    _ingest(store, tmp_path / "kb", {"refunds.en.md": policy})
    pieces = [r for r in store.search("refund paid back to the card", k=20) if r.heading == "How refunds are paid"]
    assert len(pieces) > 1  # the long section really is several chunks
    top = store.search("refund paid back to the card", k=3)
    assert len({r.heading for r in top}) == 3, [r.heading for r in top]


@pytest.mark.slow
def test_a_section_and_its_translation_take_one_place_in_a_mixed_store(tmp_path: Path) -> None:
    store = _store(tmp_path, "use+e5")
    _ingest(store, tmp_path / "kb", {"late.en.md": _INCIDENT_EN, "late.zh.md": _INCIDENT_ZH})
    top = store.search("what did we do for orders more than 30 minutes late", k=3)
    positions = {"Timeline": 1, "时间线": 1, "What we did": 2, "我们做了什么": 2, "Lessons": 3, "教训": 3}
    sections = [positions.get(r.heading, 0) for r in top]
    assert len(set(sections)) == 3, [(r.heading, r.lang) for r in top]
    # The translation is not dropped: it follows once every section has had its place.
    everything = [r.heading for r in store.search("what did we do for orders more than 30 minutes late", k=8)]
    assert {"What we did", "我们做了什么"} <= set(everything)


def test_a_translation_with_the_same_outline_shares_its_sections_place(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _ingest(store, tmp_path / "kb", {"late.en.md": _INCIDENT_EN, "late.zh.md": _INCIDENT_ZH})
    query = "Plan support for the volume a promotion is designed to create. 促销带来多少单量，就要按多少单量安排客服。"
    everything = [r.heading for r in store.search(query, k=12)]
    assert {"Lessons", "教训"} <= set(everything)
    top = {r.heading for r in store.search(query, k=2)}
    assert ("Lessons" in top) != ("教训" in top), top  # one place for the section, the other for another section


def test_copies_with_different_outlines_are_not_paired_by_position(tmp_path: Path) -> None:
    store = _store(tmp_path)
    # Without its "我们做了什么" section the Chinese copy's third section is "教训", while the English
    # copy's third is "What we did": pairing by position would hide one of the two behind the other.
    shorter = _INCIDENT_ZH.replace("## 我们做了什么\n超时30分钟以上的订单全部全额退款，另补30元优惠券。\n", "")
    _ingest(store, tmp_path / "kb", {"late.en.md": _INCIDENT_EN, "late.zh.md": shorter})
    query = "We refunded every order more than 30 minutes late in full and added a 30 CNY coupon. 促销带来多少单量，就要按多少单量安排客服。"
    top = {r.heading for r in store.search(query, k=2)}
    assert top == {"What we did", "教训"}, top
