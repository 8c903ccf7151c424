"""Families of phrasing the tone guard learnt in P9 session 12 (issue 17), from the dev half of an independent
author's labelled replies (evals/data/tone_c.jsonl): the fault put on the customer's side, our side declared
faultless, a conversation shut, "read it yourself", the loss called normal, sarcasm, and apologies for the
customer's reading or feelings. Every sentence here is our own; none is taken from the set."""

from __future__ import annotations

import pytest
from tone_checks import assert_flagged_with_a_fix_that_passes

from drafting.guards.tone import check


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("No other customer has reported this, so it must be an issue with your phone.", "blame_shifting"),
        ("There seems to be some confusion on your part about the return window.", "blame_shifting"),
        ("The size on the order is the one you chose.", "blame_shifting"),
        ("是您自己忘了关自动续费。", "blame_shifting"),
        ("这不是我们产品的问题，是您使用不当。", "blame_shifting"),
        ("Our riders would never say something like that.", "defensive"),
        ("I can assure you the technician was professional.", "defensive"),
        ("We are not going to argue about this.", "defensive"),
        ("我们的客服绝对不可能这样说话。", "defensive"),
        ("We consider this complaint closed.", "stonewalling"),
        ("No further replies will be sent on this matter.", "stonewalling"),
        ("都跟您解释好几遍了。", "stonewalling"),
        ("请勿重复咨询同一问题。", "stonewalling"),
        ("It's honestly not that complicated to change a delivery slot.", "condescending"),
        ("Most users manage it just fine on their own.", "condescending"),
        ("麻烦您认真看一下说明书。", "condescending"),
        ("您可能对退款流程不太了解。", "condescending"),
        ("Late deliveries are part of the service in winter.", "dismissive"),
        ("You'll get used to it after a week.", "dismissive"),
        ("就是个小划痕，不用在意。", "dismissive"),
        ("Thanks for the one-star rating, really useful.", "insult"),
        ("您这么懂，要不您自己来修？", "insult"),
        ("Sorry you didn't like the new recipe.", "non_apology"),
        ("如果这件事让您感到不愉快，那我们表示歉意。", "non_apology"),
        ("不符合退款标准，所以无法退款。", "rule_hiding"),
    ],
)
def test_family_member_is_flagged_with_a_fix_that_passes(text: str, category: str) -> None:
    assert_flagged_with_a_fix_that_passes(text, category)


@pytest.mark.parametrize(
    "text",
    [
        "Could you check whether the address on the order is the one you meant? We can still change it.",
        "Nobody should have to wait that long; I've escalated it and will update you by 3 pm.",
        "We're not going to leave this unresolved: a colleague will call you today.",
        "Is it still not working? Try restarting the router, and if that doesn't help, we'll send an engineer.",
        "这不是您的问题，是我们系统出错了，已经帮您退款。",
        "麻烦您看一下手机短信，验证码刚刚发过去了。",
        "很抱歉让您久等了，我们马上处理。",
        "谢谢您的提醒，我们已经改好了！",
        "Congratulations on your new home! Your first delivery is on us.",
    ],
)
def test_plain_replies_near_the_new_families_stay_unflagged(text: str) -> None:
    assert check(text).flags == (), check(text).to_dict()
