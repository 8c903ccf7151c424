"""Families of phrasing the tone guard learnt in P9 session 6 (issue 17): blame put back on the customer,
"calm down" and "grow up", "whatever you like" and "don't buy then", denial with a word in the middle,
contempt for the customer's wits — and the context rules that used to excuse them ("I told you …, you
picked the wrong size" read as an apology because of the word "wrong")."""

from __future__ import annotations

import pytest
from tone_checks import assert_flagged_with_a_fix_that_passes

from drafting.guards.tone import check


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # blame handed back to the customer
        ("You honestly should have checked the sizes first.", "blame_shifting"),
        ("Had you checked the tracking page, you'd know it was held at customs.", "blame_shifting"),
        ("It's up to the buyer to make sure the address is right.", "blame_shifting"),
        ("这单是您自己填错的地址。", "blame_shifting"),
        ("那您下单的时候为什么不问清楚？", "blame_shifting"),
        ("现在才说，你早干嘛去了", "blame_shifting"),
        ("自己没看说明，还能怪谁", "blame_shifting"),
        # the customer's reaction made the problem
        ("You all need to cool down.", "dismissive"),
        ("Honestly, grow up, it was ten minutes.", "dismissive"),
        ("Quit whining about the packaging.", "dismissive"),
        ("All this fuss over a cold pizza.", "dismissive"),
        ("您先冷静一下，我们再谈。", "dismissive"),
        ("着什么急，明天就到了", "dismissive"),
        ("火气别这么大，我们在查", "dismissive"),
        # waved away
        ("Believe whatever you like, the parcel was sent.", "dismissive"),
        ("No one is forcing you to order from us.", "dismissive"),
        ("随便您怎么想，反正我们没发错", "dismissive"),
        ("嫌贵您可以不买", "dismissive"),
        ("一分钱一分货，这个价格还想怎样", "dismissive"),
        ("才几块钱的事嘛", "dismissive"),
        # denial, with or without a word in the middle
        ("That's not really our problem.", "defensive"),
        ("Sounds like a you problem.", "defensive"),
        ("We take no responsibility for courier delays.", "defensive"),
        ("这跟我们店没啥关系", "defensive"),
        ("这个锅我们不背", "defensive"),
        # contempt for the customer's wits
        ("Did you even read the listing?", "condescending"),
        ("I'm not going to explain this again.", "condescending"),
        ("你不会自己看一下吗", "condescending"),
        ("说了您也不懂", "condescending"),
        ("Are you blind? The size is in the title.", "insult"),
        ("您这就是得寸进尺了", "insult"),
        ("你是不是脑子有问题", "insult"),
        # the door closed
        ("Our decision is non-negotiable.", "stonewalling"),
        ("那我们又能有什么办法呢", "stonewalling"),
        ("我说了不算，上面的决定", "stonewalling"),
        # challenges and legal threats aimed at a complaint
        ("Go complain to whoever you want.", "threat"),
        ("您这属于造谣，我们会走法律程序", "threat"),
        # the loss decided for the customer, greed and bad faith imputed to them
        ("一盒草莓坏了两个而已，犯得着吗", "dismissive"),
        ("又不是不能吃，将就一下", "dismissive"),
        ("It's a bit squashed but you can still eat it.", "dismissive"),
        ("买不起就别买", "insult"),
        # contempt for the customer's means, however the sentence runs on
        ("穷就别网购", "insult"),
        ("买不起好的就别挑", "insult"),
        ("If you can't afford a good one, don't be picky.", "insult"),
        ("If you're too poor to shop online, don't.", "insult"),
        ("您这就是在碰瓷", "insult"),
        ("Sounds like you're trying to get food for free.", "insult"),
        ("Why didn't you check the box before signing?", "blame_shifting"),
        ("您签收了就代表商品没问题", "blame_shifting"),
        ("再这样我们可以报警", "threat"),
        # hollow apologies
        ("如果让您不开心了，我们道歉", "non_apology"),
    ],
)
def test_family_member_is_flagged_with_a_fix_that_passes(text: str, category: str) -> None:
    assert_flagged_with_a_fix_that_passes(text, category)


@pytest.mark.parametrize(
    "text",
    [
        "I told you to calm down, you got the wrong size.",
        "I said it's not our problem, your courier got it wrong.",
        "我都说了，是你自己的问题，地址填错了",
        "跟你说过了你自己没看清楚，责任在你",
    ],
)
def test_repeating_a_brush_off_is_not_excused_by_the_customers_mistake(text: str) -> None:
    # "wrong", 错 and 责任 here describe the customer's mistake, not ours: nothing is owned.
    report = check(text)
    assert report.verdict == "block", report.to_dict()
    assert not report.excused


def test_a_rhetorical_negation_does_not_excuse_the_blame() -> None:
    # 还不是… means "it *was* your own choice"; a plain 不是 in front still denies it.
    assert [f.category for f in check("还不是你自己选的").flags] == ["blame_shifting"]
    assert check("这不是你自己选的问题，是我们发错了").flags == ()


@pytest.mark.parametrize(
    "text",
    [
        "我们的客服说了“你自己没看清楚”，这句话不对，我们向您道歉。",
        "我们的客服回复“系统问题我们管不了”，这是我们的错：系统出错就该我们管。",
        "Our agent told you to calm down. We were wrong to say that.",
    ],
)
def test_quoting_a_brush_off_to_own_it_is_still_excused(text: str) -> None:
    report = check(text)
    assert report.flags == () and [e.reason for e in report.excused] == ["quoted-apology"], report.to_dict()


@pytest.mark.parametrize(
    "text",
    [
        "您先别着急，我马上帮您查一下物流。",
        "这跟您没关系，是我们仓库发错了货，对不起。",
        "不是您的问题，是我们的系统出错了，已经给您补发。",
        "时间随便您定，我们上门取件。",
        "如果您不想要了，可以直接退款，运费我们承担。",
        "您当时已经备注了，是骑手没看到，这是我们的责任。",
        "哈哈，谢谢您的夸奖！",
        "If you don't like it, send it back and we'll refund you in full.",
        "You didn't do anything wrong; the app lost your address.",
        "Are you able to send a photo of the label?",
        "我们理解有些顾客预算有限，可以看看这款平价的。",
        "If the full price is more than you can afford right now, we can split it into three payments.",
        "It's right there in your account under Orders, and I've also emailed it to you.",
        "Haha, glad the replacement arrived in time for the party!",
        "Thanks for your input — we've changed the checkout page because of it.",
    ],
)
def test_plain_replies_near_the_new_families_stay_unflagged(text: str) -> None:
    assert check(text).flags == (), check(text).to_dict()


def test_a_hint_family_never_blocks_on_its_own() -> None:
    # "Mistakes happen" can open an honest apology: shown to the reviewer, never a reason to discard a draft.
    report = check("Mistakes happen, and this one was ours: the refund is on its way.")
    assert [f.confident for f in report.flags] == [False]
    assert report.verdict == "ok" and not report.rejects_model_draft


@pytest.mark.parametrize(
    "text",
    [
        "您问这次是不是又要让您“理性维权”。不是。免运费权益已经恢复。",
        'You asked whether we would tell you to "calm down" again. We won\'t: the refund is done.',
    ],
)
def test_the_customers_own_words_quoted_back_are_not_ours(text: str) -> None:
    report = check(text)
    assert report.flags == () and [e.reason for e in report.excused] == ["customer-words"], report.to_dict()


def test_echoing_the_customer_does_not_excuse_our_own_words_after_it() -> None:
    report = check("您说“别闹了”？是你自己没看清楚。")
    assert [f.category for f in report.flags] == ["blame_shifting"]
    assert [e.reason for e in report.excused] == ["customer-words"]


@pytest.mark.parametrize("reason", ["quoted-apology", "negated", "emoticon", "customer-words"])
def test_every_excuse_reason_has_words_in_the_app(reason: str) -> None:
    # The tone-check page shows why a phrase was let through; a reason without UI text would crash it.
    from drafting.webapp.i18n import text

    assert text("excuse_" + reason, "zh") and text("excuse_" + reason, "en")
