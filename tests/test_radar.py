"""The radar on chats written here: the fuse is found whether it is a dismissive reply or a polite
announcement the chat turns on; themes, timeline, influencers, alerts and tickets come out of the same pass."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from samples import wechat_copy

from drafting.guards.tone import ToneChecker
from drafting.radar.analysis import Bucket, analyse, classify, default_watch, facts_from, mood_over_time, themes, tickets
from drafting.radar.chat_import import parse_chat

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 12, 12, 0)


def chat(rows: list[tuple[int, str, str]]) -> bytes:
    return wechat_copy(rows, START)


def calm(minutes: int, staff_at: tuple[int, ...], staff_text: str) -> list[tuple[int, str, str]]:
    rows = []
    for minute in range(minutes):
        if minute % 4 == 0:
            rows.append((minute * 60, f"会员{minute % 7}", "今天的新品有人试过吗？"))
        if minute in staff_at:
            rows.append((minute * 60 + 30, "客服小李", staff_text))
    return rows


def blow_up(start_s: int, quote: str, n: int = 60) -> list[tuple[int, str, str]]:
    texts = [
        f"「客服小李：{quote}」\n这是什么态度？！",
        "等了一个半小时了，汤全洒了！！",
        "退款！退我38块！！",
        "订单LT20261112-0457到现在还没到",
        "客服态度太差了，投诉！！",
        "曝光你们，太过分了！！",
    ]
    return [(start_s + i * 10, f"新成员{i % 25}", texts[i % len(texts)]) for i in range(n)]


@pytest.fixture(scope="module")
def tone() -> ToneChecker:
    return ToneChecker()


def test_a_dismissive_reply_is_the_trigger_not_the_polite_ones(tone: ToneChecker) -> None:
    rows = calm(60, (10, 30), "您好，我们正在核实，请稍等。")
    rows.append((60 * 60, "客服小李", "别闹了行吗，不就晚了一点吗"))
    rows += blow_up(60 * 60 + 20, "别闹了行吗")
    rows.append((60 * 60 + 700, "客服小李", "非常抱歉，刚才的回复是我们的错，我们马上处理退款。"))
    log = parse_chat(chat(rows), name="chat.txt", staff=["客服小李"])
    radar = analyse(log, tone)
    trigger = radar.trigger
    assert trigger is not None and trigger.text.startswith("别闹了行吗")
    assert trigger.tone_flags and trigger.echoes >= 5 and trigger.new_voices >= 20 and trigger.rate_ratio > 3
    assert [c.text for c in radar.triggers].index("非常抱歉，刚才的回复是我们的错，我们马上处理退款。") > 0


def test_a_polite_announcement_the_chat_turns_on_still_ranks_first(tone: ToneChecker) -> None:
    rows = calm(60, (5, 20), "欢迎新朋友！有问题随时问我们。")
    rows.append((60 * 60, "客服小李", "好消息！新版本上线，会员免配送费权益调整为每月两次，感谢大家支持！"))
    rows += [
        (60 * 60 + 15 * i, f"会员{i % 30}", t)
        for i, t in enumerate(["凭什么取消免配送费？", "权益缩水了，续费不划算", "以前可以无限次免配送费的", "这不就是变相涨价吗？？"] * 12)
    ]
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=["客服小李"]), tone)
    assert radar.trigger.text.startswith("好消息") and not radar.trigger.tone_flags
    assert radar.themes[0].theme in ("value_removed", "price")


def test_themes_timeline_influencers_and_alerts(tone: ToneChecker) -> None:
    rows = calm(20, (), "")
    rows.append((20 * 60, "客服小李", "别闹了行吗"))
    rows += blow_up(20 * 60 + 20, "别闹了行吗", n=30)
    rows.append((20 * 60 + 400, "老会员", "@新成员1 我也是，等了两个小时"))
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=["客服小李"]), tone, watch={"media": ["曝光", "投诉"]})
    names = {t.theme for t in radar.themes}
    assert {"attitude", "lateness", "refund"} <= names and all(t.examples for t in radar.themes)
    peak = max(radar.timeline, key=lambda b: b.messages)
    assert peak.start >= START + timedelta(minutes=20) and peak.complaints > 0
    assert sum(b.messages for b in radar.timeline) == sum(1 for m in radar.log.messages if m.role != "system")
    assert any(name == "新成员1" for name, _ in radar.influencers)
    assert {a.term for a in radar.alerts} == {"曝光", "投诉"} and all(a.context for a in radar.alerts)


def test_mood_is_the_share_of_member_messages_over_a_sliding_window() -> None:
    minute = [START + timedelta(minutes=i) for i in range(4)]
    timeline = [
        Bucket(minute[0], messages=4, complaints=0, angry=0, staff=0),
        Bucket(minute[1], messages=3, complaints=1, angry=1, staff=1),  # 2 members, 1 complaining
        Bucket(minute[2], messages=1, complaints=0, angry=0, staff=1),  # staff only
        Bucket(minute[3], messages=6, complaints=6, angry=3, staff=0),
    ]
    per_minute = mood_over_time(timeline, minutes=1)
    assert [m.complaint_share for m in per_minute] == [0.0, 0.5, None, 1.0]  # no member spoke: no share, not 0
    assert [m.angry_share for m in per_minute] == [0.0, 0.5, None, 0.5]
    window = mood_over_time(timeline, minutes=2)
    assert [m.minute for m in window] == minute
    assert window[1].complaint_share == pytest.approx(1 / 6) and window[2].complaint_share == 0.5
    assert window[3].complaint_share == 1.0  # minute 1 has left the window


def test_shipped_watch_lists_alert_without_configuration_and_latin_terms_match_whole_words(tone: ToneChecker) -> None:
    assert {"media", "regulator_legal", "safety", "churn"} <= set(default_watch())
    rows = [
        (0, "会员A", "我已经打12315了"),
        (60, "Sam", "One issue: the lid was loose"),
        (120, "Kim", "I'll sue if this happens again"),
        (180, "会员B", "孩子吃了拉肚子，送医院了"),
        (240, "客服小李", "收到"),
    ]
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=["客服小李"]), tone)
    found = {(a.sender, a.watch, a.term) for a in radar.alerts}
    assert ("会员A", "regulator_legal", "12315") in found and ("Kim", "regulator_legal", "sue") in found
    assert {("会员B", "safety", "拉肚子"), ("会员B", "safety", "医院")} <= found  # every term of a message, not only the first
    assert not [a for a in radar.alerts if a.sender == "Sam"]  # "issue" is not "sue"
    assert analyse(radar.log, tone, watch={}).alerts == []  # no lists: no alerts


def test_a_few_messages_without_a_time_do_not_change_the_ranking(tone: ToneChecker) -> None:
    """Notices in a WeChat copy have no time of their own; two of them must not switch the whole chat from
    minutes to message counts (which once moved a trigger from first to seventh place)."""
    rows = calm(60, (10, 30), "您好，我们正在核实，请稍等。")
    rows.append((60 * 60, "客服小李", "别闹了行吗，不就晚了一点吗"))
    rows += blow_up(60 * 60 + 20, "别闹了行吗")
    timed = [{"time": f"{START + timedelta(seconds=sec):%Y-%m-%d %H:%M:%S}", "sender": who, "text": text} for sec, who, text in rows]
    untimed = [dict(r) for r in timed]
    for i in (5, 40):
        untimed[i]["time"] = ""
    ranked = [
        [
            (c.index, c.score)
            for c in analyse(
                parse_chat("\n".join(json.dumps(r, ensure_ascii=False) for r in log).encode(), name="chat.jsonl", staff=["客服小李"]), tone
            ).triggers
        ]
        for log in (timed, untimed)
    ]
    assert ranked[0] == ranked[1] and ranked[0][0][0] == len(calm(60, (10, 30), "x"))


def test_classify_separates_complaints_from_chatter() -> None:
    assert classify("等了一个半小时了，汤全洒了！！")[0] in ("lateness", "damage")
    assert classify("Why did you take away the free delivery? It used to be included.")[0] == "value_removed"
    assert classify("Shut up, you're obviously a paid shill")[0] == "fight"
    assert classify("今天的新品有人试过吗？")[0] is None
    assert classify("This is RIDICULOUS!!!")[0] == "other"


def test_a_resolved_problem_or_thanks_is_not_a_complaint_unless_a_but_follows() -> None:
    assert classify("退款到账了，速度挺快")[0] is None
    assert classify("My refund went through, that helps")[0] is None
    assert classify("客服态度挺好的")[0] is None and classify("客服态度不好")[0] == "attitude"
    assert classify("thanks for the refund, but my order is still late")[0] is not None
    assert classify("I don't appreciate the refund runaround")[0] == "refund"
    assert classify("退款到账了！！气死我了，等了三天！！")[0] is not None  # anger outweighs the good news


def test_members_quoting_staff_words_back_are_reacting_to_staff(tone: ToneChecker) -> None:
    rows = calm(30, (), "")
    rows.append((30 * 60, "客服小李", "大家多体谅一下，晚个把小时很正常的"))
    rows += [
        (30 * 60 + 60, "会员A", "“晚个把小时很正常”，这话你也说得出口"),
        (30 * 60 + 90, "会员B", 'He said "see you at the meetup" and left'),  # quotes words staff never said
        (30 * 60 + 120, "会员C", "“很正常”是我们群的新梗了"),
    ]  # too short a quote to be sure whose words
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=["客服小李"]), tone)
    by_sender = {radar.log.messages[i].sender: theme for i, theme in radar.complaint_of.items()}
    assert by_sender.get("会员A") == "attitude"
    assert "会员B" not in by_sender and "会员C" not in by_sender


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["等了一个半小时了，订单LT20261112-0457", "退我38块"], {"order_ids": ["LT20261112-0457"], "amount": Decimal(38), "delay_minutes": 90}),
        (["My order was 90 minutes late", "I paid $24.50"], {"order_ids": [], "amount": Decimal("24.50"), "delay_minutes": 90}),
        (["等了两个小时", "半小时前就说快到了"], {"order_ids": [], "amount": None, "delay_minutes": 120}),
        (["no facts here"], {"order_ids": [], "amount": None, "delay_minutes": None}),
    ],
)
def test_facts_members_state(texts: list[str], expected: dict) -> None:
    assert facts_from(texts) == expected


def test_one_ticket_per_complaining_member_ready_for_drafting(tone: ToneChecker) -> None:
    rows = calm(10, (), "")
    rows.append((10 * 60, "客服小李", "别闹了行吗"))
    rows += [
        (10 * 60 + 10, "王女士", "等了一个半小时了！！订单LT20261112-0457"),
        (10 * 60 + 20, "王女士", "退我38块"),
        (10 * 60 + 30, "Alex", "My soup spilled everywhere"),
        (10 * 60 + 40, "路人", "今天天气不错"),
    ]
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=["客服小李"]), tone)
    made = {t.customer: t for t in tickets(radar, "inc-1", source_name="wechat")}
    assert set(made) == {"王女士", "Alex"}  # chatter and staff make no tickets
    wang = made["王女士"]
    assert wang.messages == ["等了一个半小时了！！订单LT20261112-0457", "退我38块"] and wang.incident_id == "inc-1"
    assert (wang.facts.issue_type, wang.order_id) == ("late_delivery", "LT20261112-0457")
    # What she stated is a claim for a person to confirm, not a fact the policy book counts.
    assert wang.facts.claimed == {"delay_minutes": 90, "order_amount": Decimal(38)}
    assert (wang.facts.delay_minutes, wang.facts.order_amount) == (None, None)
    assert made["Alex"].facts.issue_type == "spilled"  # the policy book's own word for it (DG-1/DG-2 cover both)
    # The ticket says when she first wrote, not when it was filed.
    first = next(m.time for m in radar.log.messages if m.sender == "王女士")
    assert first is not None and wang.written_at == first


@pytest.mark.parametrize("issue", sorted({theme.issue_type for theme in themes()} | {"other"}))
def test_a_ticket_of_every_theme_drafts_without_an_unbacked_promise(issue: str) -> None:
    """Radar tickets carry the issue type of their theme (themes.yaml); whatever it is, the composer's reply
    promises only what the policy book backs, including when the member stated an amount and a delay."""
    from drafting import services
    from drafting.domain.files import load_incident
    from drafting.domain.models import Ticket
    from knowledge.policy import TicketFacts

    incident = load_incident(ROOT / "drafting" / "samples" / "delivery-growth.incident.yaml")
    drafter = services.drafter(services.default_settings(), with_store=False)
    ticket = Ticket(
        id=f"chat-jen-{issue}",
        customer="Jen",
        channel="chat",
        messages=["这是什么态度？！等了三个小时了，退我486！！"],
        facts=TicketFacts(issue_type=issue, delay_minutes=180 if issue == "late_delivery" else None, order_amount=Decimal(486)),
    )
    draft = drafter.draft_reply(incident, ticket)
    assert draft.text and [c.text for c in draft.commitments if not c.backed] == []


# ── a new incident drafted from the chat ─────────────────────────────────────────────────────────────


def test_an_incident_drafted_from_a_chat_names_its_themes_start_and_languages(tone: ToneChecker) -> None:
    from drafting.radar.incident import incident_draft, started_at

    rows = calm(60, (10, 30), "您好，我们正在核实，请稍等。")
    rows.append((60 * 60, "客服小李", "别闹了行吗，不就晚了一点吗"))
    rows += blow_up(60 * 60 + 20, "别闹了行吗")
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=["客服小李"]), tone)
    draft = incident_draft(radar)
    assert started_at(radar) == START + timedelta(hours=1) == draft.started_at  # the fuse, not the calm chat before it
    top = [t.theme for t in radar.themes if t.theme != "other"][:2]
    names = {"attitude": ("服务态度", "staff attitude"), "lateness": ("配送延误", "late deliveries"), "refund": ("退款", "refunds")}
    for theme in top:
        assert names[theme][0] in draft.title.zh and names[theme][1] in draft.title.en.lower()
    assert draft.title.zh.startswith("11月12日") and draft.title.en.endswith("on 12 Nov")
    assert "11月12日13:00" in draft.what_happened.zh and "12 Nov 13:00" in draft.what_happened.en
    assert "客服小李" not in draft.model_dump_json()  # the colleague who lit the fuse is never named in public text
    assert draft.languages == ["zh"] and draft.id == f"2026-11-12-chat-{radar.themes[0].theme}"
    assert incident_draft(radar, taken={draft.id}).id == f"{draft.id}-2"  # an existing incident is never reused


def test_an_incident_drafted_from_a_chat_without_staff_starts_at_the_first_complaint(tone: ToneChecker) -> None:
    from drafting.radar.incident import incident_draft, languages_seen, main_themes

    rows = [(i * 30, f"Member{i % 6}", "Still waiting, my order is 90 minutes late!!") for i in range(8)]
    rows += [(300 + i * 30, f"会员{i % 6}", "等了一个半小时了，还没到！！") for i in range(8)]
    rows.insert(0, (-600, "Member0", "hi all"))
    radar = analyse(parse_chat(chat(rows), name="chat.txt", staff=[]), tone)
    draft = incident_draft(radar)
    assert main_themes(radar) == ["lateness"] and radar.trigger is None
    assert draft.title.en == "Late deliveries on 12 Nov" and draft.title.zh == "11月12日配送延误问题"
    assert draft.what_happened.en.startswith("from 12 Nov 12:00,") and "staff" not in draft.what_happened.en
    assert languages_seen(radar) == ["zh", "en"] == draft.languages
