"""The retrieval evaluation script: its label checks, and a quality floor on the
sample knowledge base so a regression in chunking or fusion is caught."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write

from evals import retrieval


def test_labels_that_match_no_chunk_are_refused(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = write(
        tmp_path / "q.yaml",
        """
        intents:
          - id: late
            relevant:
              - {doc: late-delivery, en: "Compensation", zh: "No such heading"}
            queries:
              en-en: refund for a late order
              en-zh: refund for a late order
        """,
    )
    code = retrieval.main(["--embedding", "use", "--queries", str(queries), "--corpus", str(corpus)])
    assert code == 2
    assert "late:en-zh: no zh chunk for doc 'late-delivery' heading 'No such heading'" in capsys.readouterr().err


def test_malformed_query_file_names_the_intent(tmp_path: Path, corpus: Path) -> None:
    queries = write(tmp_path / "q.yaml", "intents:\n  - id: broken\n    queries: {en-en: hello}\n")
    with pytest.raises(SystemExit, match="broken"):
        retrieval.main(["--queries", str(queries), "--corpus", str(corpus)])


def test_metrics_and_report_on_a_small_set(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = write(
        tmp_path / "q.yaml",
        """
        intents:
          - id: late
            relevant:
              - {doc: late-delivery, en: "Compensation", zh: "赔付标准"}
            queries:
              en-en: an order 45 minutes late, refund and coupon?
              zh-zh: 超时三十分钟以上怎么赔
        """,
    )
    report = tmp_path / "report.html"
    code = retrieval.main(["--embedding", "use", "--queries", str(queries), "--corpus", str(corpus), "--json", "--report", str(report)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["metrics"]["all"]["n"] == 2 and result["metrics"]["all"]["recall@3"] == 1.0
    assert "Retrieval evaluation" in report.read_text(encoding="utf-8")


@pytest.mark.slow
def test_quality_floor_on_the_sample_knowledge_base(capsys: pytest.CaptureFixture[str]) -> None:
    # Floors sit just under the figures recorded in bench/RESULTS.md for the default
    # models (use+e5); they catch regressions, they are not the product targets.
    assert retrieval.main(["--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    assert metrics["all"]["n"] >= 80
    assert metrics["all"]["recall@3"] >= 0.75
    assert metrics["cross-language"]["recall@3"] >= 0.72
    assert metrics["all"]["mrr"] >= 0.64
