"""The semantic second opinion: it judges the whole reply (chosen by cross-validation), points a flag at the
reply's worst sentence, and still reads older weights that judged sentence by sentence."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from drafting.guards.tone import ToneChecker
from drafting.guards.tone_semantic import WHOLE_REPLY, WORST_SENTENCE, SemanticToneModel, default_model, judged_reply

# Written for these tests, in the guard's own domain; no listed phrase in any of them.
SUBTLE_DISMISSALS = [
    "If a twenty-minute wait bothers you this much, maybe pick a quieter time to order.",
    "Most people would just wipe the container and enjoy the meal.",
    "包装有点压痕不影响使用的，您多体谅一下吧。",
    "外卖晚二十分钟大家都能接受，就您一个人这么在意。",
]
FINE_QUESTIONS = [
    "Could you tell me which item in the box was damaged?",
    "Would you like the refund to your card or as store credit?",
    "请问是哪一件商品有破损呢？方便拍张照片吗？",
]


@pytest.fixture(scope="module")
def model() -> SemanticToneModel:
    return default_model()


def with_decision(model: SemanticToneModel, decision: str) -> SemanticToneModel:
    other = copy.copy(model)
    other.decision = decision
    return other


def test_the_shipped_weights_judge_the_whole_reply_and_name_the_training_set(model: SemanticToneModel) -> None:
    assert model.decision == WHOLE_REPLY
    assert "team-commissioned, project licence" in model.meta["training_sources"]["train"]
    assert model.meta["rows_by_source"]["train"] >= 400
    assert model.meta["training_files"] == ["tone_train.jsonl"]


def test_nothing_worth_judging_is_not_rated() -> None:
    assert judged_reply("OK! [呵呵]") == ""
    assert judged_reply("@shopdesk Please DM us your order number. -KC") == "Please DM us your order number."


def test_the_whole_reply_is_judged_not_its_worst_sentence(model: SemanticToneModel) -> None:
    reply = f"{FINE_QUESTIONS[0]} {SUBTLE_DISMISSALS[0]}"
    sentences = [FINE_QUESTIONS[0], SUBTLE_DISMISSALS[0]]
    whole, *alone = model.probabilities([reply, *sentences])
    [direct] = model._sentence_probabilities([reply])
    # (batched and single encodes differ in the last float32 digits on some CPUs: 0.1533673 vs 0.1533671)
    assert whole == pytest.approx(direct, rel=1e-4)
    # weights trained the old way still judge sentence by sentence and take the worst
    [worst] = with_decision(model, WORST_SENTENCE).probabilities([reply])
    assert worst == pytest.approx(max(alone), rel=1e-4)


def test_subtle_dismissals_rank_above_fine_questions_in_each_language(model: SemanticToneModel) -> None:
    assert all(ToneChecker().check(text).flags == () for text in SUBTLE_DISMISSALS)  # the lexicon misses them
    dismissals = model.probabilities(SUBTLE_DISMISSALS)
    questions = model.probabilities(FINE_QUESTIONS)
    assert float(np.min(dismissals)) > float(np.max(questions)), (dismissals, questions)


def test_a_subtle_dismissal_gets_a_meaning_hint_on_its_own_sentence_and_a_fine_question_does_not(model: SemanticToneModel) -> None:
    reply = f"{FINE_QUESTIONS[0]} {SUBTLE_DISMISSALS[0]}"
    [p_reply, p_question] = model.probabilities([reply, FINE_QUESTIONS[1]])
    eager = copy.copy(model)
    eager.threshold, eager.thresholds = float(p_reply) - 0.01, {}
    assert p_question < eager.threshold  # the same cut-off leaves the question alone
    checker = ToneChecker(semantic=eager)
    [flag] = checker.check(reply).flags
    assert flag.judged_by == "meaning" and flag.confidence == "low" and flag.severity == "medium"
    assert flag.phrase == SUBTLE_DISMISSALS[0]  # pointed at the sentence that scores worst
    assert checker.check(FINE_QUESTIONS[1]).flags == ()
    assert checker.check(reply).verdict == "ok"  # a hint for the reviewer, never a verdict on its own


def test_weights_with_an_unknown_decision_are_refused(model: SemanticToneModel) -> None:
    with pytest.raises(ValueError, match="unknown decision 'best paragraph'"):
        SemanticToneModel(
            model.weights, model.bias, model.category_weights, model.category_bias, model.categories, 0.5, 4.0, {}, decision="best paragraph"
        )
