"""Constructions the tone guard learnt in P9 (issue 17): refusals dressed as rules, blame put on another
party, closing the door, repeating oneself at the customer, sarcasm and promises no policy backs — and the
plain replies that use nearby words and must stay unflagged."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from tone_checks import assert_flagged_with_a_fix_that_passes

from drafting.guards.tone import ToneChecker, check
from evals import tone as eval_tone


def categories(text: str) -> set[str]:
    return {f.category for f in check(text).flags}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # rules named only to refuse
        ("根据公司规定，我们无法为您退款。", "rule_hiding"),
        ("按平台的政策，这类商品不支持退换。", "rule_hiding"),
        ("According to our policy, we cannot refund opened items.", "rule_hiding"),
        ("Sorry, that goes against our policy.", "rule_hiding"),
        # blame put on another party or on the customer
        ("这次是仓库那边的失误，跟我们店铺没关系。", "blame_shifting"),
        ("汤洒了是因为您自己备注要多加汤。", "blame_shifting"),
        ("说白了，这是临时工的个人行为。", "blame_shifting"),
        ("You should have told us you wouldn't be home.", "blame_shifting"),
        ("The address you gave us was incomplete.", "blame_shifting"),
        # denial
        ("我们也是受害方。", "defensive"),
        ("We did our best, honestly.", "defensive"),
        ("Nobody else had this problem with the batch.", "defensive"),
        # closing the door
        ("我们已经给出最终答复，不会再作调整。", "stonewalling"),
        ("这事您自己联系骑手吧。", "stonewalling"),
        ("投诉也没用，就这样。", "stonewalling"),
        ("这是您自己的选择，不是我们让您下单的。", "blame_shifting"),
        ("您这是职业打假吧", "insult"),
        ("这点小事也要计较", "dismissive"),
        ("That's just how it works.", "stonewalling"),
        ("Our decision stands.", "stonewalling"),
        ("That's up to the courier, not us.", "stonewalling"),
        # repeating oneself at the customer, lecturing
        ("我再说最后一遍，明天发货。", "condescending"),
        ("建议您多了解一下水果的常识。", "condescending"),
        ("Like I said, the refund is on its way.", "condescending"),
        ("My colleague already told you on Monday that it's out of stock.", "condescending"),
        ("I hope that's clear now.", "condescending"),
        # sarcasm
        ("要不是您提醒，我们还真不知道鸡蛋会碎呢。", "condescending"),
        ("哇，少了一颗葡萄，天都要塌了呢", "condescending"),
        ("Oh the horror, a lukewarm coffee.", "condescending"),
        # minimising
        ("不就晚了几分钟嘛", "dismissive"),
        ("行吧行吧，我看看", "dismissive"),
        ("I don't see what the big deal is.", "dismissive"),
        ("是是是，知道了", "dismissive"),
        ("Boo hoo, the parcel was a day late.", "dismissive"),
        ("群里的问题自己去看群公告", "condescending"),
        ("我们也没得办法", "stonewalling"),
        ("It's perfectly normal for fresh pears to have a few marks.", "dismissive"),
        # hollow apologies
        ("抱歉您对这次的处理不满意。", "non_apology"),
        ("I apologize that you feel that way.", "non_apology"),
        ("We do apologise that you felt let down by the wait.", "non_apology"),
        ("Sorry to hear you're unhappy with the new menu.", "non_apology"),
        # a lecture for next time
        ("For future reference, please check the size chart before ordering.", "condescending"),
        ("请您仔细阅读一下商品附带的使用说明。", "condescending"),
        # challenges
        ("你再刷屏试试", "threat"),
        ("去哪投诉都一样", "threat"),
        # promises no policy backs
        ("送不到的话全额退款还加倍赔偿！", "over_promising"),
        ("We'll make it right, whatever it takes!", "over_promising"),
        # boilerplate
        ("Appropriate measures will be taken in due course.", "officialese"),
    ],
)
def test_construction_is_flagged_with_a_fix_that_passes(text: str, category: str) -> None:
    assert_flagged_with_a_fix_that_passes(text, category)


@pytest.mark.parametrize(
    "text",
    [
        # a rule that gives something, with no refusal after it
        "按照超时赔付规则，整单全额退款，3天内原路退回。",
        "Under our late-delivery policy you get the full ¥60 back today.",
        # an honest no that offers the next step (the composer writes these)
        "这一单按政策不在退款范围内，我们可以为您补发一份。",
        "Our policy doesn't cover a refund here, but I can send a replacement today.",
        # a cause owned, not pushed away
        "雨天配送慢，是我们没安排好人手，对不起。",
        "The delay was our warehouse's mistake, and that's on us.",
        # "try again" is help, not a challenge
        "您再发一次照片试试，我这边马上看。",
        "You can try resending the photo from the app.",
        # ordinary words that sit close to the new phrases
        "我正想跟您说呢，退款已经到账了。",
        "I hope this makes the next steps clearer.",
        "If anything is still unclear, reply here and I'll explain.",
        "The refund is normal procedure and takes 3 days.",
        "For future orders, we've added a 10% discount to your account.",
        "We keep a record for future reference and will update you tomorrow.",
        "请您仔细查看包裹外箱是否有破损，有的话拍照发给我们。",
        "We're sorry to hear you're unwell, and we're refunding the meal now.",
    ],
)
def test_plain_replies_near_the_new_phrases_stay_unflagged(text: str) -> None:
    assert check(text).flags == (), check(text).to_dict()


def test_a_stock_phrase_quoted_to_refuse_it_is_excused() -> None:
    text = "我们不打算用“敬请谅解”这种话回复大家：三单已全额退款，3天内到账。"
    report = check(text)
    assert report.flags == () and [e.reason for e in report.excused] == ["negated"]


def test_please_understand_after_a_refusal_is_a_hint_not_a_verdict() -> None:
    report = check("这个优惠券不能叠加使用，请您理解。")
    assert [f.category for f in report.flags] == ["rule_hiding"]
    assert report.verdict == "ok" and not report.rejects_model_draft


def test_blaming_a_courier_for_the_cause_is_a_hint() -> None:
    report = check("这单晚到主要是因为骑手路线不熟。")
    assert [(f.category, f.confidence, f.severity) for f in report.flags] == [("blame_shifting", "low", "medium")]
    assert report.verdict == "ok"


# ── a hint the second opinion seconds ───────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def model():
    from drafting.guards.tone_semantic import default_model

    return default_model()


def test_a_hint_the_meaning_also_objects_to_counts(model) -> None:
    text = "We apologize for any inconvenience."
    [hint] = check(text).flags
    assert not hint.confident
    probability = float(model.probabilities([text])[0])

    agreeing = copy.copy(model)
    agreeing.threshold, agreeing.thresholds = probability - 0.01, {}
    report = ToneChecker(semantic=agreeing).check(text)
    [flag] = report.flags
    assert flag.confident and flag.judged_by == "lexicon" and flag.probability == pytest.approx(probability)
    assert report.verdict == "revise" and report.rejects_model_draft
    assert "the meaning agrees" in flag.explanation_en

    doubting = copy.copy(model)
    doubting.threshold, doubting.thresholds = probability + 0.01, {}
    report = ToneChecker(semantic=doubting).check(text)
    assert [f.confident for f in report.flags] == [False] and report.verdict == "ok"


def test_the_meaning_seconds_only_the_hints_own_sentence(model) -> None:
    hint_sentence = "We apologize for any inconvenience."
    other = "Honestly, this whole scene over a late lunch is a little excessive, don't you think?"
    p_hint, p_other = (float(p) for p in model.probabilities([hint_sentence, other]))
    assert p_other > p_hint
    between = copy.copy(model)
    between.threshold, between.thresholds = (p_hint + p_other) / 2, {}
    report = ToneChecker(semantic=between).check(f"{hint_sentence} {other}")
    assert [f.category for f in report.flags] == ["non_apology"] and not report.flags[0].confident


# ── reading dev misses ──────────────────────────────────────────────────────────────────────────────


def test_misses_list_only_rows_both_split_rules_call_dev(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"id": "a2", "text": "Sure thing, the parcel left today.", "label": "revise", "categories": ["dismissive"], "split": "dev"},
        {"id": "a1", "text": "Your order has shipped, tracking sent.", "label": "revise", "categories": ["dismissive"], "split": "dev"},
        {"id": "a4", "text": "Calm down.", "label": "fine", "categories": [], "split": "dev"},
    ]
    data = tmp_path / "set.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert eval_tone.main(["--data", str(data), "--split", "dev", "--misses", "--report", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert "missed dismissive: 1" in out and "a2 " in out and "parcel left" in out
    assert "a1 " not in out and "tracking sent" not in out  # the hash rule keeps a1 for testing
    assert "false alarms: 1" in out and "Calm down." in out
    with pytest.raises(SystemExit):
        eval_tone.parse_args(["--data", str(data), "--split", "test", "--misses"])
