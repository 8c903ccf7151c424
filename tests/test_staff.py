"""Staff found by their display names, for chats pasted without a staff list or role column."""

from __future__ import annotations

import json

from drafting.radar.chat_import import parse_chat
from drafting.radar.staff import infer_staff, name_parts


def test_marked_accounts_are_staff_and_plain_names_are_not() -> None:
    senders = [
        "绿洲生鲜客服-小敏",
        "绿洲生鲜-店长Rita",
        "团长阿芳",
        "Rita",
        "小敏妈妈",
        "Ken | Oakline Support",
        "Priyanka",
        "Oakline Care Team",
        "moderna_lover",
        "adminton",
    ]
    found = infer_staff(senders)
    assert {"绿洲生鲜客服-小敏", "绿洲生鲜-店长Rita", "Ken | Oakline Support", "Oakline Care Team"} <= found
    # A group-buy leader is a customer; a person's name after a marker is not the brand; markers are whole words.
    assert not found & {"团长阿芳", "Rita", "小敏妈妈", "Priyanka", "moderna_lover", "adminton"}


def test_a_brand_word_before_a_marker_names_the_brands_other_accounts() -> None:
    found = infer_staff(["Jo | Fernway Team", "Coach Abe (Fernway)", "Jo", "Abe", "青禾咖啡运营-阿木", "青禾咖啡·Luna", "小禾"])
    assert found == {"Jo | Fernway Team", "Coach Abe (Fernway)", "青禾咖啡运营-阿木", "青禾咖啡·Luna"}
    # A marker first ("店长Coco") gives no brand: Coco is a person, and other Cocos are members.
    assert infer_staff(["饭团-店长Coco", "Coco酱"]) == {"饭团-店长Coco"}


def test_a_member_whose_name_carries_the_brand_stays_a_member() -> None:
    found = infer_staff(
        ["鹿角客服-小周", "鹿角粉丝小王", "鹿角·阿青", "Jo | Fernway Team", "Fernway fan Lee", "Fernway Lovers Club", "Abe (Fernway)"]
    )
    assert found == {"鹿角客服-小周", "鹿角·阿青", "Jo | Fernway Team", "Abe (Fernway)"}


def test_a_name_signed_with_a_bar_or_an_ops_or_care_team_is_staff() -> None:
    found = infer_staff(["Nina | Harbourline", "Raj (Harbourline Ops)", "Lou | Pantry Care", "Kim (Pantry)", "Tom Caregiver", "Ops4ever"])
    assert found == {"Nina | Harbourline", "Raj (Harbourline Ops)", "Lou | Pantry Care", "Kim (Pantry)"}


def test_name_parts_split_where_brands_join_names() -> None:
    assert name_parts("沪鲜送运营-大伟") == ["沪鲜送运营", "大伟"]
    assert name_parts("Maya (Crumb & Kettle)") == ["Maya", "Crumb", "&", "Kettle"]


def chat(rows: list[dict]) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()


ROWS = [
    {"time": "2026-11-12 12:00:00", "sender": "绿洲生鲜客服-小敏", "text": "大家好"},
    {"time": "2026-11-12 12:01:00", "sender": "阿芳", "text": "芒果坏了"},
    {"time": "2026-11-12 12:02:00", "sender": "小周", "text": "收到"},
]


def test_the_importer_infers_staff_only_when_nobody_named_them() -> None:
    log = parse_chat(chat(ROWS), name="chat.jsonl")
    assert log.inferred_staff == ["绿洲生鲜客服-小敏"] and log.staff == {"绿洲生鲜客服-小敏"}
    named = parse_chat(chat(ROWS), name="chat.jsonl", staff=["小周"])
    assert named.inferred_staff == [] and named.staff == {"小周"}  # the list is the truth: no markers added
    roles = parse_chat(chat([{**r, "role": "staff" if r["sender"] == "小周" else "member"} for r in ROWS]), name="chat.jsonl")
    assert roles.inferred_staff == [] and roles.staff == {"小周"}
