"""Radar issue types that hold on chats nobody tuned on (issue 15, P10): a type needs a strong cue or two
different weak ones; words that often mean something else only hint; quotations and sentences about other
members are theirs; a member who only hints at the chat's problem, or says "me too", gets it, and a member
who only asks for money back gets "other"."""

from __future__ import annotations

from datetime import datetime

import pytest
from samples import wechat_copy

from drafting.domain.models import Ticket
from drafting.guards.tone import ToneChecker
from drafting.radar.analysis import analyse, tickets
from drafting.radar.chat_import import parse_chat
from drafting.radar.issues import Members, _cues, evidence_of, issue_of
from drafting.text.data import PackagedDataError

START = datetime(2026, 11, 12, 12, 0)


def chat(rows: list[tuple[int, str, str]]) -> bytes:
    return wechat_copy(rows, START)


@pytest.fixture(scope="module")
def tone() -> ToneChecker:
    return ToneChecker()


def made(rows: list[tuple[int, str, str]], tone: ToneChecker) -> dict[str, Ticket]:
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=["客服小李"]), tone)
    return {t.customer: t for t in tickets(radar, "inc-1", source_name="wechat", imported_at=START)}


# ── one word that often means something else does not decide ──────────────────────────────────────


@pytest.mark.parametrize(
    ("texts", "hint"),
    [
        (["这券根本不能用"], "defective"),  # a coupon, not a faulty item
        (["the discount code is not working"], "defective"),
        (["这事在网上发酵了"], "defective"),  # the story spreading, not food fermenting
        (["退款还是没收到"], "not_delivered"),  # a refund, not a parcel
        (["the email with the refund never arrived"], "not_delivered"),
        (["my voucher expired yesterday"], "expired"),
        (["我等了两个小时客服才回"], "late_delivery"),  # waiting for a reply, not for the order
        (["我心都碎了"], "damaged"),
        (["you damaged your reputation"], "damaged"),
        (["I am shattered after work"], "damaged"),
        (["we are missing the bigger issue"], "missing_item"),
        (["I cancelled my order yesterday"], "order_cancelled"),  # the customer's own change of mind
        (["我想取消订单"], "order_cancelled"),
    ],
)
def test_one_ambiguous_word_only_hints(texts: list[str], hint: str) -> None:
    evidence = evidence_of(texts)
    assert evidence.named is None and hint in evidence.hinted


@pytest.mark.parametrize(
    "texts",
    [
        ["that cracked me up"],  # laughing
        ["发错群了不好意思"],  # posted in the wrong group
        ["这件事情已经变得很复杂，我裂开了"],  # slang: I'm done for
    ],
)
def test_idioms_name_nothing(texts: list[str]) -> None:
    assert issue_of(texts) is None


def test_scolding_names_staff_attitude_only_when_staff_did_it() -> None:
    assert issue_of(["店长当着大家的面骂我"]) == "staff_attitude"
    assert issue_of(["the store manager yelled at me in front of my kids"]) == "staff_attitude"
    assert issue_of(["你凭什么骂我？"]) is None  # members fight too
    assert issue_of(["stop yelling at me, mate"]) is None


def test_order_problems_named_in_plain_words() -> None:
    assert issue_of(["package opened, 4 items missing"]) == "missing_item"
    assert issue_of(["it still hasn't been delivered to me"]) == "not_delivered"
    assert issue_of(["opened the lasagne and it's got mould on it"]) == "defective"


def test_a_leak_of_emails_is_privacy_not_a_leaking_bottle() -> None:
    assert issue_of(["they are leaking our emails to strangers"]) == "privacy"
    assert issue_of(["我们的个人信息被泄露了"]) == "privacy"
    assert issue_of(["the bottle was leaking all over the box"]) == "defective"


# ── two different weak cues decide; weak cues for two issues are a tie ───────────────────────────


@pytest.mark.parametrize(
    ("texts", "issue"),
    [
        (["一点了还没到", "说好十二点的"], "late_delivery"),  # not here yet + when it was promised
        (["it has been 90 minutes now", "still not here"], "late_delivery"),
        (["打开就是坏的", "还有一股怪味"], "defective"),  # broken + a smell
        (["the lid is falling apart", "and there's mould on it"], "defective"),
    ],
)
def test_two_kinds_of_weak_cue_name_the_issue(texts: list[str], issue: str) -> None:
    assert issue_of(texts) == issue


def test_the_same_weak_cue_twice_is_still_one_cue() -> None:
    assert issue_of(["不能用", "真的用不了"]) is None  # synonyms share an entry


@pytest.mark.parametrize(
    "texts",
    [
        ["都一点了还没到，说好十二点的", "打开是坏的，有股怪味"],
        ["it's been 3 hours now and still not here", "the fruit in it is rotten and the blender is not working"],
    ],
)
def test_two_issues_named_only_weakly_are_a_tie(texts: list[str]) -> None:
    assert issue_of(texts[:1]) == "late_delivery" and issue_of(texts[1:]) == "defective"
    assert issue_of(texts) is None  # the words do not say which


def test_a_strong_cue_breaks_a_tie_of_weak_ones() -> None:
    assert issue_of(["都一点了还没到，说好十二点的", "打开是坏的，有股怪味", "酸奶都变质了"]) == "defective"


def test_a_wait_is_for_the_order_unless_the_sentence_names_what_else() -> None:
    assert issue_of(["等了一个半小时了！！订单LT20261112-0457"]) == "late_delivery"
    for about_something_else in ["等了两个小时了，客服也不回", "退款等了三天了", "等了四十分钟才有人回复"]:
        assert issue_of([about_something_else]) is None


def test_a_strong_cue_decides_alone() -> None:
    assert issue_of(["汤全洒了"]) == "spilled"
    assert issue_of(["the box arrived crushed"]) == "damaged"


# ── other people's words ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "text",
    [
        "「陈姐：我的汤全洒了」\n太过分了",
        "引用 老王：杯子都碎了\n这也太离谱了吧",
        "> my soup spilled everywhere\nthat is awful",
        'replying to Sam: "the box arrived crushed"\nugh, poor you',
        "她的外卖汤全洒了，客服还不管",
        "she got the wrong roast again",
    ],
)
def test_words_quoted_or_about_someone_else_are_theirs(text: str) -> None:
    assert issue_of([text]) is None


def test_a_sentence_naming_another_member_is_theirs_unless_it_says_i() -> None:
    members = Members.of(["陈姐", "小美", "Priya", "Will"])
    assert evidence_of(["陈姐的汤都洒了，太惨了"], members, "小美").named is None
    assert evidence_of(["陈姐的汤洒了，我的也洒了"], members, "小美").named == "spilled"
    assert evidence_of(["Priya got decaf instead of espresso, shocking"], members, "小美").named is None
    assert evidence_of(["Priya got decaf instead of espresso and I got the same"], members, "小美").named == "wrong_item"
    # a member's own name, and "will" in lower case, are not someone else
    assert evidence_of(["陈姐我的汤全洒了"], members, "陈姐").named == "spilled"
    assert evidence_of(["this will be the third time: the box arrived crushed"], members, "Priya").named == "damaged"


def test_a_bystander_retelling_a_members_problem_gets_no_order_issue(tone: ToneChecker) -> None:
    rows = [(0, "陈姐", "我点的汤全洒了！！退款！！"), (60, "客服小李", "又是你呀，别没事找事"), (120, "小美", "陈姐的汤都洒了，客服还这个态度？！")]
    by = made(rows, tone)
    assert by["陈姐"].facts.issue_type == "spilled"
    assert by["小美"].facts.issue_type != "spilled"


# ── the chat's problem ───────────────────────────────────────────────────────────────────────────


def late_chat(extra: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    rows = [(i * 30, f"member{i}", "my order is 90 minutes late!!") for i in range(4)]
    return [*rows, (200, "客服小李", "please be patient"), *extra]


def test_a_member_hinting_at_the_chats_problem_gets_it(tone: ToneChecker) -> None:
    by = made(late_chat([(220, "Sam", "still not here!! unbelievable")]), tone)
    assert by["Sam"].facts.issue_type == "late_delivery"


def test_a_member_saying_me_too_gets_the_chats_problem(tone: ToneChecker) -> None:
    by = made(late_chat([(220, "Jo", "same here!! refund me now!!")]), tone)
    assert by["Jo"].facts.issue_type == "late_delivery"


def test_a_member_who_only_wants_money_back_is_for_a_person_to_read(tone: ToneChecker) -> None:
    by = made(late_chat([(220, "Kit", "refund me now!!")]), tone)
    assert by["Kit"].facts.issue_type == "other"


def test_a_hint_at_another_problem_does_not_take_the_chats(tone: ToneChecker) -> None:
    by = made(late_chat([(220, "Lee", "my voucher expired!! refund!!")]), tone)
    assert by["Lee"].facts.issue_type == "other"


# ── the word lists ───────────────────────────────────────────────────────────────────────────────


def test_an_issue_without_strong_cues_is_a_clear_error() -> None:
    with pytest.raises(PackagedDataError, match=r"issues\.yaml: order\.defective: expected `strong:`"):
        _cues("defective", {"weak": ["坏了"]})
    with pytest.raises(PackagedDataError, match=r"order\.defective\.weak #1 \('\(坏'\)"):
        _cues("defective", {"strong": ["裂了"], "weak": ["(坏"]})
    with pytest.raises(PackagedDataError, match="'broken' is not an issue type"):
        _cues("broken", {"strong": ["x"]})
