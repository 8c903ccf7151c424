"""The second opinion's trainer: it reads the team-commissioned training set, weighs its sources, and says
which row of which file it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evals.train_tone import SOURCES, Example, TrainingDataError, source_weights, training_set_rows


def write_rows(path: Path, rows: list[dict | str]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def row(text: str, label: str = "fine", categories: list[str] | None = None, split: str = "train") -> dict:
    return {
        "id": text[:8],
        "lang": "en",
        "kind": "chat",
        "text": text,
        "label": label,
        "categories": categories or [],
        "severity": "none",
        "split": split,
    }


def test_the_training_set_is_read_whole_and_marked_as_support_domain_rows(tmp_path: Path) -> None:
    write_rows(
        tmp_path / "tone_train.jsonl",
        [
            row("Could you send a photo of the box?"),
            row("Honestly, a dent like that hardly matters.", "revise", ["dismissive", "sarcasm"]),
            row("A row someone marked for testing is still a training row here.", split="test"),
        ],
    )
    # another task's training file in the same folder is not a tone set
    write_rows(tmp_path / "asks_train.jsonl", [{"id": "a", "messages": ["refund please"], "asks": []}])
    examples = training_set_rows(tmp_path)
    assert [e.text for e in examples] == [
        "Could you send a photo of the box?",
        "Honestly, a dent like that hardly matters.",
        "A row someone marked for testing is still a training row here.",
    ]
    assert [e.bad for e in examples] == [False, True, False]
    assert all(e.source == "train" and e.team_dev for e in examples)
    # a category the guard has no head for still marks the text as needing revision
    assert examples[1].categories == ("dismissive", "sarcasm")


def test_the_training_set_is_recorded_with_its_licence() -> None:
    assert "team-commissioned, project licence" in SOURCES["train"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        (json.dumps(row("")), 'non-empty "text"'),
        (json.dumps(row("Please wait.", "maybe")), '"label" must be "fine" or "revise", not \'maybe\''),
        (json.dumps(row("Please wait.") | {"categories": "dismissive"}), '"categories" must be a list'),
    ],
)
def test_a_bad_training_row_is_named_by_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write_rows(tmp_path / "tone_train.jsonl", [row("Could you send a photo of the box?"), "", line])
    with pytest.raises(TrainingDataError, match=f"tone_train.jsonl:3: .*{message}".replace("(", r"\(").replace(")", r"\)")):
        training_set_rows(path.parent)


def test_domain_rows_count_against_the_outside_sources_and_each_class_weighs_half() -> None:
    examples = (
        [Example("t", True, "team", team_dev=True)] * 2
        + [Example("t", False, "train", team_dev=True)] * 6
        + [Example("t", True, "train", team_dev=True)] * 2
        + [Example("d", True, "diasafety")] * 30
        + [Example("d", False, "diasafety")] * 10
    )
    w = source_weights(examples, team_weight=2.0)
    source = np.array([e.source for e in examples])
    bad = np.array([e.bad for e in examples])
    # the domain rows (10) count twice each in total; an outside source weighs as much as the 10 domain rows
    assert w[source != "diasafety"].sum() == pytest.approx(20.0)
    assert w[source == "diasafety"].sum() == pytest.approx(10.0)
    # within each source its two classes weigh the same, so no source teaches a base rate
    for name in ("train", "diasafety"):
        assert w[(source == name) & bad].sum() == pytest.approx(w[(source == name) & ~bad].sum())
