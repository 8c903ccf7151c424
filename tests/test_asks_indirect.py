"""Session 8 families (indirect asks, asks stated as what the customer expects, conditional threats, and the
near misses beside them), written for these tests in our own words, not taken from any labelled or training
set. Each family has sentences that must be heard and a near miss that must not: a condition that has not come
about, someone else's case, news of something already done, or a different ask that shares the words."""

from __future__ import annotations

import pytest

from drafting.domain.asks import read_asks


def types(*messages: str) -> set[str]:
    return read_asks(list(messages)).types()


HEARD: list[tuple[str, str]] = [
    # refund: the money told to come back, a charge told to go away, a conditional threat over unreturned money
    ("refund", "The deposit you kept should really go back to my card."),
    ("refund", "Those two duplicate charges need to disappear from my statement."),
    ("refund", "Take the booking fee off my card, it was never explained."),
    ("refund", "The delivery surcharge comes off, full stop."),
    ("refund", "I want the ticket price back, the show never started."),
    ("refund", "押金退回来，别拖"),
    ("refund", "保价期内降了价，给我补一下差价"),
    ("refund", "押金要是不退，我就天天打电话"),
    # compensation: a credit on the account, someone must pay, an indirect ask for a gesture
    ("compensation", "Put a credit on my account for the two days without service."),
    ("compensation", "Somebody has to pay for the ruined carpet."),
    ("compensation", "I'd appreciate a small discount for the trouble."),
    ("compensation", "You're paying that back, the tow was your mistake."),
    ("compensation", "Is there anything you could offer for the wasted afternoon?"),
    ("compensation", "这两晚的酒店你们得包"),
    ("compensation", "这个月的服务费给我免了"),
    ("compensation", "合同写了违约金，你们照着付"),
    ("compensation", "宠物医院的钱你们公司必须承担"),
    # replacement: rebook, put it back on, corrected, a second visit, a new part sent
    ("replacement", "Rebook me on the first flight tomorrow."),
    ("replacement", "Get the gas back on tonight, we have a baby here."),
    ("replacement", "I need my address on the account corrected."),
    ("replacement", "I'd like a second inspection with a different surveyor... or a different adjuster."),
    ("replacement", "给我改签到明天早上那班"),
    ("replacement", "缺的那个螺丝把它寄过来就行"),
    ("replacement", "寄个新的遥控器给我"),
    ("replacement", "我要换个老师，这个实在教不了"),
    # cancel: stop the renewal, let me out, how to withdraw, closed or deleted for me
    ("cancel", "Please turn off auto-renewal on my plan."),
    ("cancel", "Let me out of this contract, the service never worked."),
    ("cancel", "How can I withdraw my son from the course?"),
    ("cancel", "Just end it, I'm tired of asking."),
    ("cancel", "把多出来的那张卡给我销了"),
    ("cancel", "我要退学，剩下的课不上了"),
    ("cancel", "把我从你们的推销名单里删掉"),
    ("cancel", "连续包月给我关掉"),
    # callback: put me in touch, have the manager reach out, a threat over not hearing back
    ("callback", "Put me in touch with whoever handles billing disputes."),
    ("callback", "Have your branch manager reach out to me before Friday."),
    ("callback", "Could you phone my mother? She doesn't read email."),
    ("callback", "If I don't hear from your claims team by Monday, I'm going elsewhere."),
    ("callback", "I need someone who can actually decide calling me this afternoon."),
    ("callback", "今天下班前回我个电话"),
    ("callback", "我要和你们能做主的人通个电话"),
    # explanation: on what basis, show me the records, is it X (no question mark), a straight answer
    ("explanation", "这个停车费是按什么标准收的"),
    ("explanation", "把检测报告拿出来给我看"),
    ("explanation", "是不是系统算错了啊"),
    ("explanation", "I want a straight answer about the missing pages."),
    ("explanation", "Show me the records of who opened my locker."),
    ("explanation", "Give me the truth: was the price raised on purpose?"),
    # status: what stage, a real date, has it left
    ("status", "Can you tell me what stage my appeal is at?"),
    ("status", "I just want a firm date for the repair."),
    ("status", "Has my parcel actually left the depot?"),
    # health: bleeding, pain that stops sleep, a near miss, a fright that cost the night, fracture
    ("escalation_health", "拔完牙伤口一直出血"),
    ("escalation_health", "疼得整晚睡不着"),
    ("escalation_health", "刹车失灵，差点撞上前面的车"),
    ("escalation_health", "被吓到了，一整晚没睡"),
    ("escalation_health", "The X-ray showed a small fracture in her wrist."),
    ("escalation_health", "I'm in so much pain I can't stand up."),
    ("escalation_health", "The charger melted; it could've been a fire in the nursery."),
    # legal: a licensing board, privacy law, an elected representative, a police report
    ("escalation_legal", "The nursing board will hear about this."),
    ("escalation_legal", "This is a GDPR breach and I'll treat it as one."),
    ("escalation_legal", "I've forwarded everything to my state senator."),
    ("escalation_legal", "明天就去派出所报案"),
    ("escalation_legal", "我要找交警来处理"),
    # media: photos posted, a local group, the local news, a video made, every friend told
    ("escalation_media", "I'm posting the photos of the mould tonight."),
    ("escalation_media", "Sharing this in the neighbourhood group right now."),
    ("escalation_media", "Sending the whole thread to the local news."),
    ("escalation_media", "这件事我要让身边所有朋友都知道"),
    ("escalation_media", "我在业主群里天天说"),
    ("escalation_media", "回头我专门做一期视频讲这件事"),
    # leaving: thinking of switching, a rival from now on, pulling someone out
    ("leaving", "Honestly thinking of switching after this."),
    ("leaving", "We're pulling our daughter out at the end of the month."),
    ("leaving", "再不修好我就换移动了"),
    ("leaving", "以后买菜还是去楼下超市吧"),
    ("leaving", "我再也不办你们的卡了"),
    # a second round, written after the patterns above and read once: three were missed and their families widened
    ("refund", "The paperless-billing fee needs to come off my bill."),
    ("replacement", "少寄的那本说明书补寄过来"),
    ("escalation_health", "The dog bite left my daughter in so much pain she can't sleep."),
]


@pytest.mark.parametrize(("kind", "message"), HEARD)
def test_an_indirect_or_expected_ask_is_heard(kind: str, message: str) -> None:
    assert kind in types(message)


NOT_HEARD: list[tuple[str, str]] = [
    # a condition that has not come about: what they would ask for, not what they ask
    ("refund", "If the new one breaks too, I'll want my money back."),
    ("compensation", "Should my luggage go missing again I'd be asking for compensation."),
    ("refund", "下次再这样我就要求退款"),
    # someone else's case, a promise quoted, advice to another customer
    ("refund", "My neighbour got refunded for the same thing last year."),
    ("refund", "You should ask for a refund, they gave me one."),
    ("escalation_legal", "My cousin says a lawyer would love this story."),
    ("compensation", "航空公司说按规定会有补偿"),
    ("refund", "你们说三天内退款，现在第七天了"),
    # done already, or declined inside the phrase
    ("refund", "后来客服给退了，没事了"),
    ("refund", "饭钱我就不要你们退了"),
    ("compensation", "Someone already added a credit to my account, thanks."),
    ("cancel", "上学期已经退课了"),
    ("callback", "别再跟我说什么系统问题"),
    ("callback", "别再联系我了"),
    # the words of one ask inside another
    ("refund", "Credit the lost day to my account."),
    ("replacement", "The replacement teacher is lovely, no complaints."),
    ("replacement", "Send it back to my card, that is my money."),
    ("replacement", "I'm ordering a new one myself, don't worry about it."),
    ("replacement", "We need a proper write-up of the outage."),
    ("status", "这几天的网费得给我免了"),
    ("explanation", "I'd like to know what stage my claim is at."),
    ("explanation", "How do I stop this from renewing every year?"),
    ("escalation_media", "谢谢，截图和照片我都发给客服了"),
    ("escalation_media", "Thanks, I just uploaded the photos you asked for."),
    ("escalation_media", "I shared the screenshots with your agent yesterday."),
    # a troubleshooting step, a praise, a prompt of the customer's own
    ("leaving", "I've tried restarting and uninstalling, still no sound."),
    ("leaving", "I'm leaving a review after I hear back."),
    ("leaving", "被客服拉黑了，什么情况"),
    ("escalation_legal", "Bought ADA seating for my dad."),
    ("escalation_health", "家里猫最近挂号的宠物医院也很好"),
]


@pytest.mark.parametrize(("kind", "message"), NOT_HEARD)
def test_a_hypothetical_reported_done_or_borrowed_phrase_is_not_asked(kind: str, message: str) -> None:
    assert kind not in types(message)


def test_a_demand_with_a_deadline_is_heard_but_a_condition_that_has_not_come_about_is_not() -> None:
    assert {"refund", "escalation_legal"} <= types("Refund me by Friday or I'm disputing the charge with my bank.")
    assert "refund" not in types("If it happens again I'll want a refund.")
    # a condition given up on ("…就算了") asks for nothing; one with a threat after it asks for the money
    assert "refund" not in types("要是不退就算了")
    assert "refund" in types("要是不退，我就去投诉")


def test_the_misses_of_a_training_only_set_may_be_listed_whole(capsys: pytest.CaptureFixture[str]) -> None:
    """A set under evals/data/train/ has no test half, so `--split all --misses` lists its rows; any other
    set's test rows stay unread."""
    from evals import asks as asks_eval

    training = sorted(asks_eval.TRAINING.glob("asks*.jsonl"))
    assert training, "the training-only ask set is missing"
    assert asks_eval.main(["--split", "all", "--misses", "--lexicon-only", "--data", str(training[0])]) == 0
    assert "## askt-" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        asks_eval.main(["--split", "all", "--misses", "--lexicon-only", "--data", str(asks_eval.DATA_B)])
    assert "dev rows only" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("message", "not_heard"),
    [
        ("机器人跟我说“已为您取消并退款”，结果东西照样寄来了", "callback"),  # what a bot told them, quoted
        ("客服小李跟我说已经退了，到现在也没到账", "callback"),
        ("按你们承诺的三倍赔，1077块打给我", "callback"),  # a payment, not a call
        ("结果今天快递送上门了，钱也没退", "replacement"),  # the parcel came: what happened
    ],
)
def test_what_happened_or_was_said_to_them_is_not_an_ask(message: str, not_heard: str) -> None:
    assert not_heard not in {a.type for a in read_asks([message], "zh").asks}


@pytest.mark.parametrize(
    ("message", "heard"), [("你们尽快打电话给我", "callback"), ("叫你们经理跟我说", "callback"), ("麻烦补发一份送上门", "replacement")]
)
def test_the_same_words_as_an_ask_are_still_heard(message: str, heard: str) -> None:
    assert heard in {a.type for a in read_asks([message], "zh").asks}
