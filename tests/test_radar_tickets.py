"""Radar tickets keep the whole customer (issue 15): every message a member wrote, with its own time; the
issue type their whole conversation names (the chat's problem when they only ask for money back); members
who say they are leaving; the times customers wrote, not the import time; amounts stated as claims."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from samples import wechat_copy

from drafting.domain.models import Incident, Ticket
from drafting.guards.tone import ToneChecker
from drafting.radar.analysis import analyse, tickets
from drafting.radar.chat_import import parse_chat
from drafting.radar.issues import issue_of
from knowledge.policy import TicketFacts

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 12, 12, 0)
IMPORTED = datetime(2026, 11, 20, 9, 0)


def chat(rows: list[tuple[int, str, str]]) -> bytes:
    return wechat_copy(rows, START)


@pytest.fixture(scope="module")
def tone() -> ToneChecker:
    return ToneChecker()


def made(data: bytes, tone: ToneChecker, name: str = "chat.txt", staff: tuple[str, ...] = ("客服小李",)) -> dict[str, Ticket]:
    radar = analyse(parse_chat(data, name=name, staff=staff), tone)
    return {t.customer: t for t in tickets(radar, "inc-1", source_name="wechat", imported_at=IMPORTED)}


def lid_story() -> list[tuple[int, str, str]]:
    """老张 tells his story across an afternoon: a cracked lid, three days of waiting, then the demand."""
    rows = [
        (-60, "老张", "上周在你们店买了个保温杯"),  # context, no complaint in it: still his story
        (0, "老张", "我的保温杯盖子是裂的，水漏了一桌"),
        (60, "路人甲", "今天的新品有人试过吗？"),
        (120, "老张", "等了三天才到货"),
    ]
    rows += [(600 + i * 60, f"会员{i}", "今天的新品有人试过吗？") for i in range(30)]  # an hour of other talk
    rows += [(4 * 3600, "客服小李", "别闹了行吗"), (4 * 3600 + 30, "老张", "退钱！！这什么态度！！")]
    return rows


# ── 1. every message a member wrote, in order, with its own time ──────────────────────────────────


def test_a_ticket_holds_every_message_the_member_wrote_in_order_with_its_time(tone: ToneChecker) -> None:
    zhang = made(chat(lid_story()), tone)["老张"]
    assert zhang.messages == ["上周在你们店买了个保温杯", "我的保温杯盖子是裂的，水漏了一桌", "等了三天才到货", "退钱！！这什么态度！！"]
    assert zhang.message_times == [START - timedelta(minutes=1), START, START + timedelta(seconds=120), START + timedelta(hours=4, seconds=30)]


def test_a_ticket_keeps_a_members_photos_but_not_notices(tone: ToneChecker) -> None:
    rows = [(0, "Alex", "[Photo]"), (5, "Alex", "my soup spilled everywhere!!"), (10, "", "Alex joined the group")]
    alex = made(chat(rows), tone, staff=())["Alex"]
    assert alex.messages == ["[Photo]", "my soup spilled everywhere!!"]


def test_message_times_must_match_the_messages() -> None:
    with pytest.raises(ValueError, match="2 times for 1 messages"):
        Ticket(id="t", messages=["hi"], message_times=[START, START], facts=TicketFacts(issue_type="other"))


# ── 2. the issue type from the whole conversation ─────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("texts", "issue"),
    [
        (["杯盖是裂的", "退款！！"], "defective"),
        (["净水器滤芯漏水了"], "defective"),
        (["樱桃都发霉了"], "defective"),
        (["酸奶变质了"], "defective"),
        (["The lid was cracked and it's leaking everywhere"], "defective"),
        (["the ice cream melted into soup"], "defective"),
        (["汤全洒了"], "spilled"),
        (["箱子都压坏了，芒果碎了"], "damaged"),
        (["two mugs arrived broken"], "damaged"),
        (["送错了，我点的不是这个，不是我点的"], "wrong_item"),
        (["酸奶过期三天了"], "expired"),
        (["等了两个小时还没到"], "late_delivery"),
        (["my order is 90 minutes late"], "late_delivery"),
        (["Tracking says delivered but nothing came, never arrived"], "not_delivered"),
        (["我的手机号和地址被所有人看到了，隐私泄露"], "privacy"),
        (["这什么态度"], "staff_attitude"),
        # What went wrong with the order comes before how they were treated.
        (["客服态度太差", "而且汤全洒了"], "spilled"),
    ],
)
def test_the_issue_a_members_words_name(texts: list[str], issue: str) -> None:
    assert issue_of(texts) == issue


@pytest.mark.parametrize(
    "texts",
    [
        ["我的没坏，挺好的"],  # negated
        ["mine weren't damaged at all"],
        ["有人说杯子裂了，真的假的？"],  # hearsay: someone else's problem
        ["people here are talking about cracked bottles. mine seem fine"],
        ["退款到账了吗", "我那386的退款还没到"],  # a refund on its way is not a late delivery
        ["too late, everyone saw it", "is the app just broken or what?"],
        ["kids are melting down", "let's crack on"],
        ["今天天气不错"],
    ],
)
def test_words_that_only_look_like_an_issue_name_none(texts: list[str]) -> None:
    assert issue_of(texts) is None


def test_the_issue_comes_from_the_whole_conversation_not_the_loudest_theme(tone: ToneChecker) -> None:
    """老张 shouts about money and attitude at the end; his cracked lid, hours earlier, is his issue: a
    refund can be offered on it (RF-1)."""
    zhang = made(chat(lid_story()), tone)["老张"]
    assert zhang.facts.issue_type == "defective"


def test_a_member_who_only_asks_for_money_back_has_the_chats_problem(tone: ToneChecker) -> None:
    rows = [(i * 20, f"会员{i}", "汤全洒了！！") for i in range(4)]
    rows += [(200, "客服小李", "别闹了行吗"), (220, "老王", "我也要退款！！"), (240, "阿May", "你是托吧，闭嘴！！")]
    tickets_by = made(chat(rows), tone)
    assert tickets_by["老王"].facts.issue_type == "spilled"  # named by four others: the chat's problem
    assert tickets_by["阿May"].facts.issue_type == "other"  # a fight between members is nobody's spilled soup


def test_one_member_naming_a_problem_is_not_the_chats_problem(tone: ToneChecker) -> None:
    rows = [(0, "会员0", "汤全洒了！！"), (200, "客服小李", "别闹了行吗"), (220, "老王", "我也要退款！！")]
    assert made(chat(rows), tone)["老王"].facts.issue_type == "other"


# ── 3. members who say they are leaving ───────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    "goodbye", ["再也不买了，退群了", "取关了，拜拜", "I'm done with this brand, switching to FreshCo instead", "unsubscribed. never again"]
)
def test_a_member_announcing_they_leave_gets_a_ticket(tone: ToneChecker, goodbye: str) -> None:
    rows = [(0, "会员A", "今天的新品有人试过吗？"), (60, "小陈", "上周买的还行"), (120, "小陈", goodbye)]
    by = made(chat(rows), tone, staff=())
    assert "小陈" in by and by["小陈"].messages == ["上周买的还行", goodbye]
    assert "会员A" not in by  # chatter makes no ticket


# ── 4. the times customers wrote ──────────────────────────────────────────────────────────────────


def test_written_at_is_when_the_customer_first_wrote_not_the_import(tone: ToneChecker) -> None:
    zhang = made(chat(lid_story()), tone)["老张"]
    assert zhang.written_at == START - timedelta(minutes=1) and zhang.written_at_note is None


def test_clock_only_times_get_the_import_day_counting_back_over_midnight(tone: ToneChecker) -> None:
    text = "老张 23:50\n杯盖是裂的，漏水！！\n\n会员B 00:10\n我也是，漏水了！！\n"
    by = made(text.encode(), tone, staff=())
    assert by["会员B"].written_at == datetime(2026, 11, 20, 0, 10) and by["会员B"].written_at_note == "clock_only"
    assert by["老张"].written_at == datetime(2026, 11, 19, 23, 50)  # before midnight: the day before


def test_a_chat_without_times_says_so_and_falls_back_to_the_import_time(tone: ToneChecker) -> None:
    data = "sender,text\n老张,杯盖是裂的，漏水了！！\n老张,退钱！！\n".encode()
    zhang = made(data, tone, name="chat.csv", staff=())["老张"]
    assert (zhang.written_at, zhang.written_at_note) == (IMPORTED, "import_time")
    assert zhang.message_times == [None, None]


# ── 5. amounts customers state are claims ─────────────────────────────────────────────────────────


@pytest.mark.parametrize(("said", "amount"), [("I paid $120 and the lid is cracked!!", Decimal(120)), ("我花了300块，杯子是裂的！！", Decimal(300))])
def test_an_amount_a_member_states_is_a_claim_not_a_fact(tone: ToneChecker, said: str, amount: Decimal) -> None:
    (ticket,) = made(chat([(0, "Kim", said)]), tone, staff=()).values()
    assert ticket.facts.claimed["order_amount"] == amount and ticket.facts.order_amount is None


def test_a_chat_ticket_end_to_end_through_the_workflow(tone: ToneChecker, database_url: str) -> None:
    """Chat -> tickets -> Workflow: the stored ticket keeps every message and its time, the queue sorts it
    by when the customer wrote, its issue allows a refund, and the stated amount raises nothing."""
    from drafting.drafters.composer import Composer
    from drafting.workflow import db
    from drafting.workflow.core import Workflow
    from drafting.workflow.queue import queue
    from knowledge.policy import PolicyBook

    incident = Incident.model_validate(yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8")))
    rows = lid_story()
    rows.append((4 * 3600 + 60, "老张", "我花了5000块买的！！"))
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=["客服小李"]), tone)
    zhang = next(t for t in tickets(radar, incident.id, source_name="wechat", imported_at=IMPORTED) if t.customer == "老张")
    flow = Workflow(db.session_factory(database_url), tone)
    flow.save_incident(incident, actor="lead")
    row_id, _ = flow.add_ticket(zhang, actor="radar", source="chat")
    stored = flow.ticket(row_id)
    assert stored.messages == zhang.messages and stored.message_times == zhang.message_times
    (item,) = [i for i in queue(flow, incident.id) if i.ticket_id == row_id]
    assert item.received_at.replace(tzinfo=None) == START - timedelta(minutes=1)
    remedies = Composer(PolicyBook.load(None)).entitlements(incident, stored)
    assert any(r.type == "refund" for r in remedies)  # defective: RF-1 refunds the item
    assert stored.facts.order_amount is None and stored.facts.claimed["order_amount"] == Decimal(5000)
    assert "5000" not in json.dumps([r.model_dump(mode="json") for r in remedies])
