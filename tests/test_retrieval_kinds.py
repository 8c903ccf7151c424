"""Question kinds: how a question is asked says whether a policy or an incident write-up
answers it, and the store prefers that kind. Real Chroma, packaged encoders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import write

from knowledge import store as store_module
from knowledge.embeddings import make_embedding_functions
from knowledge.ingest import ingest
from knowledge.lexical import QuestionKinds, QuestionKindsError
from knowledge.store import KnowledgeStore, open_client

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# The incident retells the event the policy covers, in the words a customer would use.
_POLICY = """
---
id: parcels
kind: policy
lang: en
title: Parcel guarantees
---
## Parcels that are lost
A parcel that is not delivered within 5 days of dispatch is refunded in full, plus a 20 CNY coupon (rule PG-1).

## Address changes
An address changed after dispatch adds 2 days to the delivery promise.
"""

_INCIDENT = """
---
id: lost-parcels-2025
kind: incident
lang: en
title: Hundreds of parcels lost in the warehouse move
---
## What customers experienced
Customers waited for parcels that never arrived; the tracking page said "in transit" for weeks, and support could not say where they were.

## What we did
We refunded every lost parcel and apologised in each group.
"""


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("can I get my money back for a parcel that never arrived?", "policy"),
        ("我的包裹一直没到，能不能退款", "policy"),
        ("what did we do last time parcels went missing?", "incident"),
        ("上次仓库搬迁丢件，后来怎么处理的", "incident"),
        ("parcel never arrived", None),  # no cue: ranked on similarity alone
        ("last time this happened, was I entitled to a refund?", None),  # cues of both kinds
        ("the tracking page said the incidental fee was waived", None),  # a cue inside a longer word does not count
    ],
)
def test_a_question_is_asked_for_one_kind_of_document(question: str, kind: str | None) -> None:
    assert QuestionKinds.load().kind_of(question) == kind


def test_malformed_question_kinds_name_the_file_and_the_kind(tmp_path: Path) -> None:
    bad = tmp_path / "kinds.yaml"
    bad.write_text("kinds:\n  policy:\n    zh: [能]\n", encoding="utf-8")
    with pytest.raises(QuestionKindsError, match=r"kinds\.yaml: kind 'policy': Chinese cues of one character"):
        QuestionKinds.load(bad)
    bad.write_text("kinds:\n  incident: [last time]\n", encoding="utf-8")
    with pytest.raises(QuestionKindsError, match="kind 'incident' must map 'zh' and/or 'en'"):
        QuestionKinds.load(bad)
    bad.write_text("kinds:\n  policies:\n    en: [can i]\n", encoding="utf-8")
    with pytest.raises(QuestionKindsError, match="'policies' is not a document kind"):
        QuestionKinds.load(bad)
    bad.write_text("kinds: []\n", encoding="utf-8")
    with pytest.raises(QuestionKindsError, match="non-empty mapping under 'kinds'"):
        QuestionKinds.load(bad)
    with pytest.raises(QuestionKindsError, match="cannot read"):
        QuestionKinds.load(tmp_path / "missing.yaml")


@pytest.fixture(scope="module")
def parcels_store(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeStore:
    root = tmp_path_factory.mktemp("kinds")
    write(root / "kb" / "parcels.en.md", _POLICY)
    write(root / "kb" / "lost.en.md", _INCIDENT)
    store = KnowledgeStore(open_client(path=root / "chroma"), make_embedding_functions("use"))
    report = ingest(store, [root / "kb"])
    assert report.ok, report.errors
    return store


_RULE_QUESTION = "my parcel never arrived and tracking says in transit for weeks, can I get my money back?"


def test_a_question_asking_for_a_rule_gets_the_policy_before_the_incident_retelling_it(
    parcels_store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = parcels_store.search(_RULE_QUESTION, k=2)
    assert (results[0].doc_id, results[0].heading) == ("parcels", "Parcels that are lost"), [(r.doc_id, r.heading) for r in results]
    # On similarity alone the incident, which retells the customer's story, comes first.
    monkeypatch.setattr(store_module, "OTHER_KIND_WEIGHT", 1.0)
    assert parcels_store.search(_RULE_QUESTION, k=1)[0].doc_id == "lost-parcels-2025"


def test_a_question_about_a_past_case_gets_the_incident(parcels_store: KnowledgeStore) -> None:
    results = parcels_store.search("what did we do last time parcels were lost?", k=2)
    assert results[0].doc_id == "lost-parcels-2025", [(r.doc_id, r.heading) for r in results]


def test_a_kind_filter_is_unaffected_by_the_question_kind(parcels_store: KnowledgeStore) -> None:
    results = parcels_store.search("what did we do last time parcels were lost?", k=3, kind="policy")
    assert results and {r.kind for r in results} == {"policy"}
