"""Group chats in, as one list of messages: WeChat / WeCom desktop copies (a header line with name and time,
then the message; or "time name: message" on one line), WhatsApp's "Export chat" text, Slack's channel
JSON, CSV, JSON or JSON lines with time / sender / text
(/ role) columns, and Telegram's JSON export.

The format is detected from the file's name and content. Nothing is dropped silently: a line that cannot
be read is reported with its number and the reason, and the rest is imported. System messages (joins,
leaves, recalls, red packets) and media placeholders ([图片], [Sticker] …) are kept and marked, so the radar
can count them without mistaking them for complaints.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from drafting.radar.staff import infer_staff

Role = Literal["staff", "member", "system"]
Kind = Literal["text", "media", "system"]

MAX_CHAT_BYTES = 200 * 1024 * 1024

# Times as chat exports write them: 2026-11-12 13:05:10, 2026/11/12 13:05, 2026年11月12日 13:05, 13:05:10.
_DATE = r"(?:(?P<y>\d{4})[-/.年](?P<mo>\d{1,2})[-/.月](?P<d>\d{1,2})日?[ T]+)?"
_CLOCK = r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?"
_TIME = _DATE + _CLOCK
# "王女士 2026-11-12 13:05:10" or "王女士  13:05" (the WeChat desktop header), and the reverse order.
_HEADER_NAME_FIRST = re.compile(r"^(?P<name>\S(?:.{0,60}?\S)?)\s+" + _TIME + r"\s*$")
_HEADER_TIME_FIRST = re.compile(r"^" + _TIME + r"\s+(?P<name>\S(?:.{0,60}?\S)?)\s*$")
# "2026-11-12 13:05:10 王女士: 消息" / "[13:05] Alex: message" / "13:05 王女士：消息".
_ONE_LINE = re.compile(r"^\[?" + _TIME + r"\]?\s+(?P<name>[^:：\n]{1,60}?)\s*[:：]\s?(?P<text>.*)$")

_MEDIA = re.compile(
    r"^\s*\[(?:图片|表情|动画表情|视频|语音|文件|链接|位置|名片|聊天记录|Photo|Image|Sticker|GIF|Video|"
    r"Voice message|Audio|File|Link|Location)\]\s*$|^\s*(?:<Media omitted>|<媒体已省略>|\u200e?(?:image|video|audio|sticker|GIF|document) omitted)\s*$",
    re.IGNORECASE,
)

TIME_KEYS = ("time", "date", "timestamp", "datetime", "sent_at", "ts", "时间", "日期", "发送时间")  # ts: Slack
SENDER_KEYS = ("sender", "from", "name", "author", "user", "nickname", "发送者", "发送人", "昵称", "用户")
TEXT_KEYS = ("text", "message", "content", "body", "msg", "内容", "消息", "消息内容")
ROLE_KEYS = ("role", "type", "身份", "角色")
STAFF_ROLES = {"staff", "agent", "admin", "owner", "support", "员工", "客服", "管理员", "群主", "官方"}


@dataclass(frozen=True)
class ChatMessage:
    index: int  # position in the chat, from 0
    time: datetime | None
    sender: str
    role: Role
    text: str
    kind: Kind
    line: int  # where it starts in the file (1-based; rows for CSV, messages for JSON)
    reply_to: int | None = None  # index of the message it answers, when the export says so (Telegram)


@dataclass(frozen=True)
class Problem:
    line: int
    reason: str


@dataclass
class ChatLog:
    format: str  # wechat-text, one-line-text, whatsapp, csv, json, jsonl, telegram
    encoding: str
    messages: list[ChatMessage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    inferred_staff: list[str] = field(default_factory=list)  # staff found by their names, when nobody named any

    @property
    def staff(self) -> set[str]:
        return {m.sender for m in self.messages if m.role == "staff"}


class ChatImportError(ValueError):
    """The whole file cannot be read (empty, too large, not text, not any known format); says why."""


# ── entry points ────────────────────────────────────────────────────────────────────────────────────


def read_chat(path: Path | str, *, staff: Iterable[str] = ()) -> ChatLog:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ChatImportError(f"{path}: cannot be read: {exc.strerror}") from None
    if size > MAX_CHAT_BYTES:
        raise ChatImportError(f"{path}: {size / 1e6:.0f} MB is over the {MAX_CHAT_BYTES / 1e6:.0f} MB limit; split the export")
    return parse_chat(path.read_bytes(), name=path.name, staff=staff)


def parse_chat(data: bytes, *, name: str = "", staff: Iterable[str] = ()) -> ChatLog:
    """Parse an export given as bytes; `name` (a file name) helps detect the format."""
    text, encoding = _decode(data, name)
    if not text.strip():
        raise ChatImportError(f"{name or 'the chat'}: is empty")
    staff_names = {s.strip() for s in staff if s.strip()}
    suffix = Path(name).suffix.lower()
    stripped = text.lstrip()
    if suffix == ".json" or (suffix not in (".csv", ".txt", ".jsonl") and stripped[:1] in "[{" and not _looks_jsonl(stripped)):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ChatImportError(f"{name or 'the chat'}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
        if isinstance(document, dict) and isinstance(document.get("messages"), list):
            log = _telegram(document, encoding)
        elif isinstance(document, list):
            log = _records(((n, row) for n, row in enumerate(document, start=1)), "json", encoding)
        else:
            raise ChatImportError(f"{name or 'the chat'}: JSON must be a list of messages or a Telegram export with 'messages'")
    elif suffix == ".jsonl" or _looks_jsonl(stripped):
        log = _records(_json_lines(text), "jsonl", encoding)
    elif suffix == ".csv" or _looks_csv(text):
        log = _csv(text, encoding)
    else:
        log = _plain_text(text, encoding)
    if not log.messages:
        reasons = "; ".join(f"line {p.line}: {p.reason}" for p in log.problems[:3])
        raise ChatImportError(f"{name or 'the chat'}: no message could be read ({log.format}){': ' + reasons if reasons else ''}")
    return _finish(log, staff_names)


# ── decoding and detection ──────────────────────────────────────────────────────────────────────────


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise ChatImportError(f"{name or 'the chat'}: is not a text export (binary data)")
    for encoding in ("utf-8-sig", "gb18030"):  # WeChat on Chinese Windows saves GBK text
        try:
            return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n"), encoding.replace("-sig", "")
        except UnicodeDecodeError:
            continue
    raise ChatImportError(f"{name or 'the chat'}: neither UTF-8 nor GB18030 text")  # pragma: no cover - gb18030 decodes any bytes


def _looks_jsonl(text: str) -> bool:
    first = text.split("\n", 1)[0].strip()
    return first.startswith("{") and first.endswith("}")


def _looks_csv(text: str) -> bool:
    header = text.split("\n", 1)[0].lower()
    cells = [c.strip().strip('"') for c in header.split(",")]
    return len(cells) >= 2 and any(c in TEXT_KEYS for c in cells) and any(c in SENDER_KEYS for c in cells)


# ── plain text (WeChat / WeCom desktop copy, or one line per message) ──────────────────────────────


def _plain_text(text: str, encoding: str) -> ChatLog:
    lines = text.split("\n")
    headers = sum(1 for line in lines if _header(line))
    one_liners = sum(1 for line in lines if _ONE_LINE.match(line.strip()))
    if sum(1 for line in lines if _WHATSAPP.match(line)) > max(headers, one_liners):
        return _whatsapp(lines, encoding)
    log = ChatLog("wechat-text" if headers >= one_liners else "one-line-text", encoding)
    current: dict[str, Any] | None = None
    raw: list[dict[str, Any]] = []
    last_time: datetime | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if current is not None and current.get("header") and not current["lines"] and stripped:
            # The line under a header is its message, whatever it looks like ("12:30 is fine, thank you" is not
            # a header of its own, "Alex left the group" said by Bea is not a notice).
            current["lines"].append(line.rstrip())
            continue
        header = _header(stripped) if log.format == "wechat-text" else None
        single = _ONE_LINE.match(stripped) if header is None else None
        if header:
            current = {"time": header[0], "sender": header[1], "lines": [], "line": number, "header": True}
            raw.append(current)
            last_time = header[0] or last_time
        elif single:
            current = {"time": _time(single), "sender": single["name"].strip(), "lines": [single["text"]], "line": number}
            raw.append(current)
            last_time = current["time"] or last_time
        elif _is_system_line(stripped) or (_ALONE_NOTICE.match(stripped) and _stands_alone(lines, number - 1)):
            # joins, recalls, red packets: a line of their own, with no sender
            # A notice carries no time of its own: it happened after the last message with one.
            raw.append({"time": last_time, "sender": "", "lines": [stripped], "line": number, "system": True})
            current = None
        elif not stripped:
            if current is not None and current["lines"]:
                current["lines"].append("")  # a blank line inside a multi-line message
        elif current is None:
            log.problems.append(Problem(number, "text before any sender and time line; which message is it part of?"))
        else:
            current["lines"].append(line.rstrip())
    for entry in raw:
        body = "\n".join(entry["lines"]).strip()
        if not body:
            log.problems.append(Problem(entry["line"], f"a header for {entry['sender'] or 'a message'} with no message under it"))
            continue
        role: Role = "system" if entry.get("system") else "member"
        log.messages.append(ChatMessage(0, entry["time"], entry["sender"], role, body, "text", entry["line"]))
    return log


# WhatsApp's "Export chat": "12/11/2026, 13:05 - Alex: text" (Android), "[12/11/2026, 13:05:10] Alex: text"
# (iPhone), "11/12/26, 1:05 PM - Alex: text" (US); a line with no "name:" is a notice (joins, encryption).
_WHATSAPP = re.compile(
    r"^\u200e?\[?(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{2,4}),?\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?"
    r"(?:\s?(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?\]?\s*(?:-\s)?(?P<rest>.*)$"
)
_WHATSAPP_SENDER = re.compile(r"^(?P<name>[^:\n]{1,60}?):\s(?P<text>.*)$")


def _whatsapp(lines: list[str], encoding: str) -> ChatLog:
    log = ChatLog("whatsapp", encoding)
    matches = [(number, _WHATSAPP.match(line)) for number, line in enumerate(lines, start=1)]
    order = _date_order([m for _, m in matches if m])
    current: ChatMessage | None = None
    for number, match in matches:
        line = lines[number - 1]
        if match is None:
            if current is not None:  # the next line of a multi-line message
                current = ChatMessage(0, current.time, current.sender, current.role, f"{current.text}\n{line.rstrip()}", current.kind, current.line)
                log.messages[-1] = current
            elif line.strip():
                log.problems.append(Problem(number, "text before any dated message line; which message is it part of?"))
            continue
        when = _whatsapp_time(match, order)
        if when is None:
            log.problems.append(Problem(number, "unreadable date; the message is kept without a time"))
        said = _WHATSAPP_SENDER.match(match["rest"])
        if said:
            current = ChatMessage(0, when, said["name"].strip(), "member", said["text"].replace("\u200e", ""), "text", number)
        else:
            current = ChatMessage(0, when, "", "system", match["rest"].strip(), "system", number)
        log.messages.append(current)
    log.messages = [m for m in (_stripped(m) for m in log.messages) if m.text]
    return log


def _stripped(m: ChatMessage) -> ChatMessage:
    return ChatMessage(m.index, m.time, m.sender, m.role, m.text.strip(), m.kind, m.line, m.reply_to)


def _date_order(matches: list[re.Match[str]]) -> str:
    """ "ymd", "dmy" or "mdy" for the whole export: a year written first says ymd; a first number over 12 says
    the day comes first, a second one over 12 that the month does; else 12-hour clocks (AM/PM) are the US
    order and anything else the day-first order most of the world exports."""
    if any(len(m["a"]) == 4 for m in matches):
        return "ymd"
    if any(int(m["a"]) > 12 for m in matches):
        return "dmy"
    if any(int(m["b"]) > 12 for m in matches) or any(m["ampm"] for m in matches):
        return "mdy"
    return "dmy"


def _whatsapp_time(match: re.Match[str], order: str) -> datetime | None:
    a, b, c = int(match["a"]), int(match["b"]), int(match["c"])
    year, month, day = (a, b, c) if order == "ymd" else (c, b, a) if order == "dmy" else (c, a, b)
    year += 2000 if year < 100 else 0
    hour = int(match["h"])
    if match["ampm"]:
        hour = hour % 12 + (12 if match["ampm"][0].lower() == "p" else 0)
    try:
        return datetime(year, month, day, hour, int(match["mi"]), int(match["s"] or 0))
    except ValueError:
        return None


# "Bea added Gareth (Loftwell)": a notice only as a paragraph of its own; inside a message it is talk.
_ALONE_NOTICE = re.compile(r"^[^,.;!?]{1,60}\b(?:added|removed) [^,.;!?]{1,60}$")


def _stands_alone(lines: list[str], i: int) -> bool:
    """Line i has a blank line (or the start) before it and a blank line, a header or the end after it."""
    before = i == 0 or not lines[i - 1].strip()
    after = i + 1 >= len(lines) or not lines[i + 1].strip() or _header(lines[i + 1].strip()) is not None
    return before and after


def _header(line: str) -> tuple[datetime | None, str] | None:
    for pattern in (_HEADER_NAME_FIRST, _HEADER_TIME_FIRST):
        match = pattern.match(line)
        if match and not _ONE_LINE.match(line):
            return _time(match), match["name"].strip()
    return None


def _time(match: re.Match[str]) -> datetime | None:
    try:
        if match["y"]:
            return datetime(int(match["y"]), int(match["mo"]), int(match["d"]), int(match["h"]), int(match["mi"]), int(match["s"] or 0))
        return datetime(1900, 1, 1, int(match["h"]), int(match["mi"]), int(match["s"] or 0))  # a clock time only
    except ValueError:
        return None


# ── rows: CSV, JSON, JSON lines ─────────────────────────────────────────────────────────────────────


def _csv(text: str, encoding: str) -> ChatLog:
    reader = csv.DictReader(io.StringIO(text))
    return _records(((reader.line_num, row) for row in reader), "csv", encoding)


def _json_lines(text: str) -> Iterable[tuple[int, Any]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, ChatImportError(f"not valid JSON: {exc.msg} at column {exc.colno}")


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in row.items()}
    for key in keys:
        if key in lowered and lowered[key] not in (None, ""):
            return lowered[key]
    return None


def _records(rows: Iterable[tuple[int, Any]], fmt: str, encoding: str) -> ChatLog:
    log = ChatLog(fmt, encoding)
    for number, row in rows:
        if isinstance(row, ChatImportError):
            log.problems.append(Problem(number, str(row)))
            continue
        if not isinstance(row, dict):
            log.problems.append(Problem(number, "expected an object with time, sender and text"))
            continue
        body = _pick(row, TEXT_KEYS)
        if body is None or not str(body).strip():
            log.problems.append(Problem(number, f"no text (looked for {', '.join(TEXT_KEYS[:4])})"))
            continue
        sender = _slack_name(row) or str(_pick(row, SENDER_KEYS) or "").strip()
        stated_time = _pick(row, TIME_KEYS)
        when = _parse_time(stated_time)
        if stated_time is not None and when is None:
            log.problems.append(Problem(number, f"unreadable time {stated_time!r}; the message is kept without one"))
        role_value = str(_pick(row, ROLE_KEYS) or "").strip().lower()
        # A row without a sender is a notice (joins, red packets, "X added Y"): no member speaks without a name.
        joined = str(row.get("subtype") or "") in _SLACK_NOTICES
        role: Role = "staff" if role_value in STAFF_ROLES else "system" if role_value == "system" or not sender or joined else "member"
        log.messages.append(ChatMessage(0, when, sender, role, str(body).strip(), "text", number))
    return log


# Slack's channel export (one JSON list of messages per day): "ts" is seconds since 1970 as a string, the
# name is in user_profile, and joins and leaves are messages with a subtype.
_SLACK_NOTICES = {"channel_join", "channel_leave", "group_join", "group_leave", "channel_topic", "channel_purpose", "pinned_item"}


def _slack_name(row: dict[str, Any]) -> str:
    profile = row.get("user_profile")
    if not isinstance(profile, dict):
        return ""
    return str(profile.get("display_name") or profile.get("real_name") or "").strip()


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str) and re.fullmatch(r"\d{9,11}(?:\.\d+)?|\d{12,13}", value.strip()):
        value = float(value)  # seconds (or milliseconds) since 1970, written as text
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=None) if moment.tzinfo else moment
    except ValueError:
        match = re.fullmatch(_TIME, text)
        return _time(match) if match else None


# ── Telegram ────────────────────────────────────────────────────────────────────────────────────────


def _telegram(document: dict[str, Any], encoding: str) -> ChatLog:
    log = ChatLog("telegram", encoding)
    ids: dict[Any, int] = {}
    pending_replies: list[tuple[int, Any]] = []
    for number, entry in enumerate(document["messages"], start=1):
        if not isinstance(entry, dict):
            log.problems.append(Problem(number, "expected a message object"))
            continue
        when = _parse_time(entry.get("date"))
        if entry.get("type") == "service":
            actor = str(entry.get("actor") or "")
            action = str(entry.get("action") or "service")
            # Telegram names actions in snake case ("join_group_by_link"); anything else is kept as written.
            text = f"{actor} {action.replace('_', ' ') if re.fullmatch(r'[a-z_]+', action) else action}".strip()
            log.messages.append(ChatMessage(0, when, "", "system", text, "system", number))
            ids[entry.get("id")] = len(log.messages) - 1
            continue
        body = _telegram_text(entry.get("text"))
        if not body:
            media = entry.get("media_type") or ("photo" if "photo" in entry else None) or ("file" if "file" in entry else None)
            if media is None:
                log.problems.append(Problem(number, f"message {entry.get('id')} has no text or media"))
                continue
            body = f"[{str(media).replace('_', ' ').title()}]"
        log.messages.append(ChatMessage(0, when, str(entry.get("from") or ""), "member", body, "text", number))
        ids[entry.get("id")] = len(log.messages) - 1
        if entry.get("reply_to_message_id") is not None:
            pending_replies.append((len(log.messages) - 1, entry["reply_to_message_id"]))
    for position, target in pending_replies:
        if target in ids:
            m = log.messages[position]
            log.messages[position] = ChatMessage(m.index, m.time, m.sender, m.role, m.text, m.kind, m.line, reply_to=ids[target])
    return log


def _telegram_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):  # rich text: plain strings and entities with their own "text"
        return "".join(part if isinstance(part, str) else str(part.get("text", "")) for part in value).strip()
    return ""


# ── the common finish: order, roles, kinds ──────────────────────────────────────────────────────────


def _finish(log: ChatLog, staff: set[str]) -> ChatLog:
    if not staff and not any(m.role == "staff" for m in log.messages):
        # Nobody named the staff and the export has no role column: find the accounts whose names mark them.
        staff = infer_staff(m.sender for m in log.messages if m.role != "system")
        log.inferred_staff = sorted(staff)
    finished = []
    for index, m in enumerate(log.messages):
        role: Role = m.role
        kind: Kind = m.kind
        if role == "system" or (not m.sender and _is_system_line(m.text)):
            role, kind = "system", "system"
        else:
            if m.sender in staff:
                role = "staff"
            if _MEDIA.match(m.text):
                kind = "media"
        finished.append(ChatMessage(index, m.time, m.sender, role, m.text, kind, m.line, m.reply_to))
    log.messages = finished
    return log


_SYSTEM_LINE = re.compile(
    r"^.{1,60}?(?:加入了群聊|退出了群聊|移出了群聊|撤回了一条(?:成员)?消息|置顶了一条消息|取消置顶了一条消息)[。.]?$|^.{1,30}修改群名为.{1,40}$|^.{1,30}拍了拍.{1,30}$|"
    r"^\[红包\].{0,40}$|^.{1,30}领取了.{0,30}红包[。.]?$|^.{1,30}(?:发出|发了一个)红包(?:[:：].{0,40})?$|"
    r"^[^,.;!?]{1,60}\b(?:joined the group(?: via invite link)?|left the group|was removed|(?:recalled|unsent|deleted) a message|"
    r"changed the group name to .{1,40}|pinned (?:a message|\".{1,120}\"|“.{1,120}”))\.?$|^[^,.;!?]{1,40}\b(?:invited|added) .{1,60} to the group\.?$",
    re.IGNORECASE,
)


def _is_system_line(text: str) -> bool:
    """A system notice on a line of its own ("王女士加入了群聊", "Alex left the group"), not a member talking
    about one ("我也要退出群聊了！！", "he left the group, and so will I")."""
    return len(text) <= 100 and bool(_SYSTEM_LINE.match(text))
