"""`python -m evals.tone`: metrics, the HTML report, and quality floors on the labelled sets."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evals import tone as eval_tone
from evals.metrics import auc, macro_f1, prf, ranks, spearman

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "evals" / "data" / "tone_labelled.jsonl"
WIKIPEDIA = ROOT.parent / "shared" / "data" / "politeness" / "wikipedia.annotated.csv"
needs_wikipedia = pytest.mark.skipif(not WIKIPEDIA.exists(), reason="../shared/data/politeness is not beside the checkout")


def test_metrics_on_hand_worked_examples() -> None:
    assert list(ranks([10, 20, 20, 5])) == [2.0, 3.5, 3.5, 1.0]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    assert auc([0.9, 0.8, 0.1, 0.2], [True, True, False, False]) == 1.0
    assert auc([0.5, 0.5], [True, False]) == 0.5
    counts = prf([True, True, False, False], [True, False, True, False])
    assert (counts.tp, counts.fp, counts.fn, counts.tn) == (1, 1, 1, 1) and counts.f1 == 0.5
    assert macro_f1([True, False], [True, False]) == 1.0


def test_labelled_set_is_well_formed_and_balanced() -> None:
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 400 and len({r["id"] for r in rows}) == len(rows)
    langs = [r["lang"] for r in rows]
    assert abs(langs.count("zh") - langs.count("en")) <= 0.1 * len(rows)
    assert {r["split"] for r in rows} == {"dev", "test"}
    for r in rows:
        assert r["label"] in ("fine", "revise") and r["kind"] in ("draft", "chat")
        assert (r["label"] == "revise") == bool(r["categories"]) == (r["severity"] != "none")
    hard = {r["hard"] for r in rows}
    assert {"polite-dismissive", "quoted-apology", "legit-rule", "sarcasm", "short-chat"} <= hard


def test_binary_run_prints_metrics_and_writes_a_report_with_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "tone.html"
    code = eval_tone.main(["--data", str(LABELLED), "--text-col", "text", "--label-col", "label", "--limit", "80", "--report", str(report)])
    assert code == 0
    out = capsys.readouterr().out
    assert "macro-F1" in out and "dismissive" in out
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") >= 2  # score distributions and per-category F1
    assert "Worst misses" in page and "False alarms" in page and "Per category" in page


def test_json_output_has_per_category_figures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    eval_tone.main(["--data", str(LABELLED), "--split", "dev", "--json", "--report", str(tmp_path / "r.html")])
    result = json.loads(capsys.readouterr().out)  # strict JSON: undefined metrics are null, never NaN
    assert result["n"] > 100 and 0 <= result["macro_f1"] <= 1
    assert "per_category" in result and "high_severity" in result


def test_bad_data_is_refused_naming_the_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("text,label\nhello,fine\ncalm down,maybe\n", encoding="utf-8")
    assert eval_tone.main(["--data", str(data), "--report", str(tmp_path / "r.html")]) == 2
    assert "row 2" in capsys.readouterr().err
    assert eval_tone.main(["--data", str(data), "--label-col", "verdict", "--report", str(tmp_path / "r.html")]) == 2
    assert "no column 'verdict'" in capsys.readouterr().err


@pytest.mark.slow
def test_quality_floor_on_the_never_tuned_split() -> None:
    """Floors just under the figures recorded in bench/RESULTS.md; a regression fails here."""
    args = eval_tone.parse_args(["--data", str(LABELLED), "--split", "test", "--report", "/dev/null"])
    result = eval_tone.run(args)
    assert result["macro_f1"] >= 0.90
    assert result["false_positive_rate_fine"] <= 0.05
    # 0.797 since P9: the score alone no longer sets a verdict (a plain reply is no tone fault), which cost
    # the high-severity items only the score used to catch.
    assert result["high_severity"]["recall"] >= 0.78


@needs_wikipedia
def test_score_task_on_a_wikipedia_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "politeness.html"
    code = eval_tone.main(
        [
            "--data",
            str(WIKIPEDIA),
            "--text-col",
            "Request",
            "--label-col",
            "Normalized Score",
            "--task",
            "score",
            "--kind",
            "chat",
            "--limit",
            "400",
            "--report",
            str(report),
        ]
    )
    assert code == 0
    assert "Spearman" in capsys.readouterr().out
    assert "<svg" in report.read_text(encoding="utf-8")


@pytest.mark.slow
@needs_wikipedia
def test_politeness_agrees_with_human_judgement() -> None:
    args = eval_tone.parse_args(
        [
            "--data",
            str(WIKIPEDIA),
            "--text-col",
            "Request",
            "--label-col",
            "Normalized Score",
            "--task",
            "score",
            "--kind",
            "chat",
            "--report",
            "/dev/null",
        ]
    )
    result = eval_tone.run(args)
    assert result["spearman"] >= 0.45
    assert result["quartiles"]["accuracy"] >= 0.75


@pytest.mark.slow
def test_quality_floor_on_independently_written_text() -> None:
    """The independent set's test half (written without sight of the lexicon).

    Since P9 these floors are far lower (measured 0.760 / 0.867 en and 0.887 zh before): the verdict no longer
    comes from the score, and the second opinion's cut-offs are calibrated on real replies (<= 3% false
    alarms), where it barely beats chance, so it rarely speaks. Recovering recall here is open P9 work."""
    data = ROOT / "evals" / "data" / "tone_en.jsonl"
    lexicon = eval_tone.run(eval_tone.parse_args(["--data", str(data), "--split", "test", "--report", "/dev/null"]))
    both = eval_tone.run(eval_tone.parse_args(["--data", str(data), "--split", "test", "--semantic", "--report", "/dev/null"]))
    assert lexicon["macro_f1"] >= 0.60 and both["macro_f1"] >= 0.62  # measured 0.628 / 0.643
    assert both["macro_f1"] >= lexicon["macro_f1"] and both["false_positive_rate_fine"] <= 0.05
    chinese = ROOT / "evals" / "data" / "tone_zh.jsonl"
    zh = eval_tone.run(eval_tone.parse_args(["--data", str(chinese), "--split", "test", "--semantic", "--report", "/dev/null"]))
    assert zh["macro_f1"] >= 0.64  # measured 0.665


# ── real replies (python -m evals.tone_real) ─────────────────────────────────────────────────────

from evals import tone_real  # noqa: E402

needs_real = pytest.mark.skipif(not tone_real.REPLIES.is_dir(), reason="../shared/data/real_replies is not beside the checkout")


def test_real_rows_split_by_the_common_rule() -> None:
    import hashlib

    for file, row in (("zh_helpdesk.csv", 22), ("en_twitter_support.csv", 5)):
        first = hashlib.sha256(f"{file}:{row}".encode()).hexdigest()[0]
        assert tone_real.split_of(file, row) == ("dev" if first in "01234567" else "test")


@needs_real
def test_a_label_whose_text_changed_is_refused(tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"file": "zh_helpdesk.csv", "row": 0, "sha1": "0" * 40, "label": "ok"}) + "\n", encoding="utf-8")
    with pytest.raises(tone_real.RealDataError, match=r"labels.jsonl:1: zh_helpdesk.csv row 0 does not match its sha1"):
        tone_real.read_labels(labels)
    labels.write_text(json.dumps({"file": "zh_helpdesk.csv", "row": 10**6, "sha1": "0" * 40, "label": "ok"}) + "\n", encoding="utf-8")
    with pytest.raises(tone_real.RealDataError, match="not found"):
        tone_real.read_labels(labels)


@needs_real
def test_a_reply_labelled_in_two_files_is_refused(tmp_path: Path) -> None:
    import hashlib

    replies = tone_real.read_replies()
    text = replies["zh_helpdesk.csv"][3].text
    row = {"file": "zh_helpdesk.csv", "row": 3, "sha1": hashlib.sha1(text.encode("utf-8")).hexdigest(), "label": "ok"}
    first, second = tmp_path / "labels.jsonl", tmp_path / "labels_b.jsonl"
    for path in (first, second):
        path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert len(tone_real.read_labels([first], replies=replies)) == 1
    with pytest.raises(tone_real.RealDataError, match=r"labels_b.jsonl: zh_helpdesk.csv row 3 is labelled in labels.jsonl too"):
        tone_real.read_labels([first, second], replies=replies)


@needs_real
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "no such file"),
        ("not json\n", r"labels.jsonl:1: not valid JSON"),
        ('{"file": "zh_helpdesk.csv", "row": 0}\n', r"labels.jsonl:1: missing sha1, label"),
    ],
)
def test_a_label_file_that_cannot_be_read_is_refused_with_its_place(
    tmp_path: Path, body: str | None, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = tmp_path / "labels.jsonl"
    if body is not None:
        labels.write_text(body, encoding="utf-8")
    with pytest.raises(tone_real.RealDataError, match=problem):
        tone_real.read_labels(labels)
    assert tone_real.main(["--labels", str(labels), "--only", "lexicon"]) == 2
    assert problem.split(": ")[-1] in capsys.readouterr().err


def test_every_label_file_in_the_repository_is_read() -> None:
    names = {path.name for path in tone_real.label_files()}
    assert {"labels.jsonl", "labels_b.jsonl"} <= names


@needs_real
def test_the_lexicon_rarely_flags_real_support_replies() -> None:
    from drafting.guards.tone import ToneChecker

    rates = tone_real.flag_rates(tone_real.read_replies(), ToneChecker())
    for source in ("zh-weibo", "zh-taobao", "en-twitter"):
        assert rates[source]["flag_rate"] <= 0.05, (source, rates[source])


@needs_real
@pytest.mark.slow
def test_the_full_guard_holds_its_false_alarm_rate_on_real_dev_replies() -> None:
    result = tone_real.run("dev", rate=False, which="semantic")
    labelled = result["lexicon+semantic"]["labelled"]
    assert labelled["false_alarms"] <= 0.03 and labelled["rejects_false_alarms"] <= 0.01, labelled


def _public_sets(root: Path) -> None:
    """A miniature of ../shared/data's DiaSafety and politeness_zh layout, written by hand."""
    (root / "dialogue_safety").mkdir()
    (root / "politeness_zh").mkdir()
    rows = [
        {"context": "my order is late", "response": "Stop whining, it's your own fault.", "category": "Offending User", "label": "Unsafe"},
        {"context": "my order is late", "response": "You people are idiots, read the page.", "category": "Offending User", "label": "Unsafe"},
        {"context": "my order is late", "response": "I'm sorry, let me check that for you.", "category": "Offending User", "label": "Safe"},
        {"context": "my order is late", "response": "Thanks for waiting, it ships today.", "category": "Risk Ignorance", "label": "Safe"},
        {"context": "drugs?", "response": "Sure, take as many as you like.", "category": "Risk Ignorance", "label": "Unsafe"},
    ]
    (root / "dialogue_safety" / "val.json").write_text(json.dumps(rows), encoding="utf-8")
    ratings = "Utterance,labels\n谢谢您的耐心，我们马上处理。,3.5\n你自己没看清楚，别来烦我。,0.5\n请稍等。,2.0\n"
    for language in ("chinese", "english"):
        (root / "politeness_zh" / f"{language}_train.csv").write_text(ratings, encoding="utf-8")


def test_public_sets_report_auc_and_spearman(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evals import tone_public

    _public_sets(tmp_path)
    out = tmp_path / "public.json"
    assert tone_public.main(["--shared", str(tmp_path), "--lexicon-only", "--json", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    # Unsafe rows of categories other than "Offending User" are not about tone and are left out.
    assert (result["diasafety_val"]["offensive"], result["diasafety_val"]["safe"]) == (2, 2)
    assert 0.0 <= result["diasafety_val"]["lexicon"]["auc"] <= 1.0
    assert -1.0 <= result["politeness_chinese"]["lexicon"]["spearman"] <= 1.0
    assert "DiaSafety val" in capsys.readouterr().out


def test_public_sets_missing_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evals import tone_public

    assert tone_public.main(["--shared", str(tmp_path), "--lexicon-only"]) == 2
    assert "dialogue_safety" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT.parent / "shared" / "data" / "dialogue_safety").exists(), reason="../shared/data is not beside the checkout")
def test_second_opinion_ranks_offensive_replies_above_safe_ones() -> None:
    from drafting.guards.tone_semantic import default_model
    from evals import tone_public

    texts, offensive, _ = tone_public.read_diasafety(ROOT.parent / "shared" / "data" / "dialogue_safety" / "val.json")
    scores = tone_public.needs_revision_scores(texts, default_model())
    # P9 target: the shipped weights measure 0.865 (bench/RESULTS.md, "Tone guard quality").
    assert auc(list(scores["semantic"]), offensive) >= 0.80


def test_training_refuses_an_unknown_encoder(capsys: pytest.CaptureFixture[str]) -> None:
    from evals import train_tone

    with pytest.raises(SystemExit) as exit_info:
        train_tone.main(["--encoder", "bert"])
    assert exit_info.value.code == 2
    assert "use+e5" in capsys.readouterr().err
