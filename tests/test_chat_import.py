"""Chat exports in every supported shape become one list of messages; what cannot be read is reported with
its line and reason, never dropped."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from drafting.radar.chat_import import ChatImportError, parse_chat, read_chat

WECHAT = """蓝汀客服-小李 2026-11-12 13:05:10
大家好，今天订单较多
请耐心等待

王女士 2026-11-12 13:06:00
等了一个半小时了！！
汤全洒了

王女士 2026-11-12 13:06:30
[图片]
张三加入了群聊
Alex 2026-11-12 13:07:00
「蓝汀客服-小李：请耐心等待」
我也要退出群聊了！！
小李撤回了一条消息
"""


def test_wechat_desktop_copy_with_multiline_messages_system_lines_and_media() -> None:
    log = parse_chat(WECHAT.encode(), name="群聊.txt", staff=["蓝汀客服-小李"])
    assert log.format == "wechat-text" and log.problems == []
    kinds = [(m.sender, m.role, m.kind) for m in log.messages]
    assert kinds == [
        ("蓝汀客服-小李", "staff", "text"),
        ("王女士", "member", "text"),
        ("王女士", "member", "media"),
        ("", "system", "system"),
        ("Alex", "member", "text"),
        ("", "system", "system"),
    ]
    assert log.messages[1].text == "等了一个半小时了！！\n汤全洒了" and log.messages[1].time == datetime(2026, 11, 12, 13, 6)
    assert log.messages[4].text.endswith("我也要退出群聊了！！")  # a member saying it is not a system notice
    assert [m.index for m in log.messages] == list(range(6)) and log.messages[4].line == 12


def test_one_line_format_and_text_before_any_header_is_reported() -> None:
    text = "这是复制时多出来的一行\n2026-11-12 13:05 王女士：外卖还没到\n[13:06] Alex: still waiting\n13:07 客服小王：马上帮您查\n"
    log = parse_chat(text.encode(), name="chat.txt", staff=["客服小王"])
    assert log.format == "one-line-text"
    assert [(m.sender, m.text) for m in log.messages] == [("王女士", "外卖还没到"), ("Alex", "still waiting"), ("客服小王", "马上帮您查")]
    assert log.messages[2].role == "staff" and log.messages[1].time.hour == 13
    assert [(p.line, "before any sender" in p.reason) for p in log.problems] == [(1, True)]


def test_csv_with_chinese_columns_role_column_and_bad_rows() -> None:
    text = "时间,发送者,内容,身份\n2026-11-12 13:05:00,王女士,晚了一个小时,\n2026-11-12 13:06:00,小李,别急,客服\n昨天,Alex,,\nnot a time,Mei,hello,\n"
    log = parse_chat(text.encode("utf-8-sig"), name="export.csv")
    assert log.format == "csv" and [m.sender for m in log.messages] == ["王女士", "小李", "Mei"]
    assert log.messages[1].role == "staff" and log.messages[2].time is None
    assert [p.line for p in log.problems] == [4, 5]
    assert "no text" in log.problems[0].reason and "unreadable time" in log.problems[1].reason


def test_json_and_jsonl_rows() -> None:
    rows = [{"time": "2026-11-12T13:05:00", "sender": "A", "text": "hi"}, {"from": "B", "message": "where is my order?"}, 5]
    log = parse_chat(json.dumps(rows).encode(), name="chat.json")
    assert log.format == "json" and [m.sender for m in log.messages] == ["A", "B"] and log.problems[0].line == 3
    lines = '{"time": "2026-11-12 13:05:00", "sender": "A", "text": "hi", "role": "staff"}\n{broken\n\n{"sender": "B", "text": "ok"}\n'
    log = parse_chat(lines.encode(), name="chat.jsonl")
    assert log.format == "jsonl" and log.messages[0].role == "staff" and log.problems[0].line == 2


def test_telegram_export_with_entities_service_messages_media_and_replies() -> None:
    export = {
        "name": "Bakery club",
        "type": "private_supergroup",
        "messages": [
            {"id": 10, "type": "service", "date": "2026-11-12T13:00:00", "actor": "Mei", "action": "join_group_by_link"},
            {
                "id": 11,
                "type": "message",
                "date": "2026-11-12T13:01:00",
                "from": "Maya (Support)",
                "text": ["Please check ", {"type": "link", "text": "our FAQ"}, " first."],
            },
            {"id": 12, "type": "message", "date": "2026-11-12T13:02:00", "from": "Mei", "text": "Seriously?", "reply_to_message_id": 11},
            {"id": 13, "type": "message", "date": "2026-11-12T13:03:00", "from": "Tom", "text": "", "media_type": "sticker"},
            {"id": 14, "type": "message", "date": "2026-11-12T13:04:00", "from": "Tom", "text": ""},
        ],
    }
    log = parse_chat(json.dumps(export).encode(), name="result.json", staff=["Maya (Support)"])
    assert log.format == "telegram"
    assert [(m.role, m.kind) for m in log.messages] == [("system", "system"), ("staff", "text"), ("member", "text"), ("member", "media")]
    assert log.messages[1].text == "Please check our FAQ first." and log.messages[2].reply_to == 1
    assert [p.line for p in log.problems] == [5]


def test_gbk_text_is_read_and_said(tmp_path: Path) -> None:
    path = tmp_path / "wechat.txt"
    path.write_bytes("王女士 2026-11-12 13:06:00\n等了一个半小时了\n".encode("gbk"))
    log = read_chat(path)
    assert log.encoding == "gb18030" and log.messages[0].text == "等了一个半小时了"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "is empty"),
        (b"\x00\x01\x02binary", "x.txt", "not a text export"),
        (b"[1, 2", "x.json", "not valid JSON"),
        (b'{"chat": []}', "x.json", "Telegram export"),
        (b"just some words\nwith no senders\n", "notes.txt", "no message could be read"),
    ],
)
def test_unreadable_files_say_why(data: bytes, name: str, message: str) -> None:
    with pytest.raises(ChatImportError, match=message):
        parse_chat(data, name=name)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ChatImportError, match="cannot be read"):
        read_chat(tmp_path / "nope.txt")


def test_a_pinned_notice_with_its_title_is_a_system_line() -> None:
    text = 'Hannah 2026-11-14 09:35:07\nnoted 😂\n\nMaya (Crumb & Kettle) pinned "Brew guides + how to swap items (read me!)"\nAlex 2026-11-14 09:36:00\nthanks\n'
    log = parse_chat(text.encode(), name="chat.txt")
    assert [m.role for m in log.messages] == ["member", "system", "member"] and log.messages[0].text == "noted 😂"


def test_notices_found_by_the_second_set_of_logs_are_system_lines() -> None:
    text = (
        "林老师 2026-12-12 09:01:00\n好嘞\n\n“莉莉”发出红包：周六快乐\n“莉莉”撤回了一条成员消息\n“Kevin”置顶了一条消息\n"
        "Yvonne Parry joined the group via invite link\n\nBea | Loftwell Care added Gareth (Loftwell)\n\n"
        "Priti 2026-12-12 09:05:00\nI added more sugar and it was fine\nwe added Tom to the carpool\n"
    )
    log = parse_chat(text.encode(), name="chat.txt")
    assert [m.role for m in log.messages] == ["member", "system", "system", "system", "system", "system", "member"]
    assert log.messages[0].text == "好嘞"
    # "added" inside a message is talk, not a notice: only a paragraph of its own is.
    assert log.messages[-1].text == "I added more sugar and it was fine\nwe added Tom to the carpool"


def test_a_notice_takes_the_time_of_the_message_before_it_even_after_another_notice() -> None:
    text = "Amy 2026-12-12 09:01:00\nhi\n\nRavi joined the group\nMei joined the group\nLeo 2026-12-12 09:03:00\nhello\n"
    log = parse_chat(text.encode(), name="chat.txt")
    assert [m.time for m in log.messages] == [datetime(2026, 12, 12, 9, 1)] * 3 + [datetime(2026, 12, 12, 9, 3)]


def test_the_line_under_a_header_is_its_message_even_when_it_starts_with_a_time() -> None:
    text = "Margaret D 2026-11-30 10:02:00\n12:30 is fine dear, thank you\n\nPriti 2026-11-30 10:03:00\nsee you then\n"
    log = parse_chat(text.encode(), name="chat.txt")
    assert [(m.sender, m.text) for m in log.messages] == [("Margaret D", "12:30 is fine dear, thank you"), ("Priti", "see you then")]
    assert log.problems == []


def test_rows_without_a_sender_are_notices_and_telegram_keeps_an_action_written_out() -> None:
    rows = [{"time": "2026-12-12 09:00:00", "sender": "", "text": "Bea added Gareth"}, {"time": "2026-12-12 09:01:00", "sender": "A", "text": "hi"}]
    log = parse_chat(json.dumps(rows).encode(), name="chat.json")
    assert [m.role for m in log.messages] == ["system", "member"]
    export = {
        "messages": [
            {"id": 1, "type": "service", "date": "2026-12-12T09:00:00", "actor": "", "action": "Dom_93 left the group"},
            {"id": 2, "type": "service", "date": "2026-12-12T09:01:00", "actor": "Mei", "action": "join_group_by_link"},
        ]
    }
    log = parse_chat(json.dumps(export).encode(), name="result.json")
    assert [m.text for m in log.messages] == ["Dom_93 left the group", "Mei join group by link"]
