"""The crisis radar: which staff message lit the fuse, how the anger spread, what members complain about,
who drives the conversation, which watched words came up — and one ticket per complaining member.

Trigger detection ranks every staff message by how much the conversation changed after it, compared with
before: the message rate, the share of complaints, how many people who had been silent joined in, and how
often the message itself was quoted or answered. A staff message the tone guard flags counts extra — a
dismissive reply is the classic fuse (PLAYBOOK) — but a polite announcement that the chat turns on can
still rank first, which is what an update backlash looks like.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from drafting.domain.asks import may_ask, read_asks
from drafting.domain.models import Ticket
from drafting.guards.risk import anger_signs
from drafting.guards.tone import ToneChecker
from drafting.radar.chat_import import ChatLog, ChatMessage
from drafting.radar.issues import Members, evidence_of, incident_issue, issue_for
from drafting.radar.staff import name_parts
from drafting.text.data import load_yaml
from drafting.text.phrasebook import fold
from knowledge.policy import IssueType, TicketFacts

WINDOW = timedelta(minutes=30)  # how far before and after a staff message the conversation is compared
WINDOW_MESSAGES = 40  # … or this many messages, when the chat has no usable times


# ── themes ──────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Theme:
    name: str
    issue_type: IssueType  # TicketFacts checks it when a ticket is made
    patterns: tuple[re.Pattern[str], ...]


def _lexicon() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml("drafting.guards.lexicon", "themes.yaml")
    return data


@lru_cache(maxsize=1)
def themes() -> tuple[Theme, ...]:
    return tuple(
        Theme(name, spec["issue_type"], tuple(re.compile(p, re.IGNORECASE) for p in spec["patterns"])) for name, spec in _lexicon()["themes"].items()
    )


@lru_cache(maxsize=1)
def _satisfied() -> tuple[re.Pattern[str], re.Pattern[str]]:
    return (re.compile("|".join(f"(?:{p})" for p in _lexicon()["satisfied"]), re.IGNORECASE), re.compile(_lexicon()["satisfied_but"], re.IGNORECASE))


def classify(text: str) -> tuple[str | None, int]:
    """(theme, anger signs) of one member message: the theme with the most matches, "other" for an angry
    message that names none, None for a message that is not a complaint."""
    return _classify(text, fold(text))


def _classify(text: str, folded: str) -> tuple[str | None, int]:
    scores = {t.name: sum(len(p.findall(folded)) for p in t.patterns) for t in themes()}
    anger = anger_signs(text)
    best = max(scores, key=lambda name: scores[name])
    satisfied, but = _satisfied()
    if scores[best] and not anger and satisfied.search(folded) and not but.search(folded):
        return None, anger  # "退了，76块到账了": a theme named, a problem resolved
    if scores[best]:
        return best, anger
    return ("other" if anger else None), anger


# ── results ─────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class TriggerCandidate:
    index: int  # the staff message's position in the chat
    sender: str
    text: str
    time: datetime | None
    score: float
    rate_ratio: float  # messages per minute after ÷ before
    complaint_share_before: float
    complaint_share_after: float
    new_voices: int  # members who had not spoken before and spoke in the window after
    echoes: int  # later messages quoting or answering it
    tone_flags: tuple[str, ...]  # what the tone guard flagged in it


@dataclass(frozen=True)
class Bucket:
    start: datetime
    messages: int
    complaints: int
    angry: int
    staff: int


@dataclass(frozen=True)
class Mood:
    """The member side of the chat in the minutes up to and including `minute`: what share complained, what
    share was angry."""

    minute: datetime
    complaint_share: float | None  # None when no member spoke in the window
    angry_share: float | None


@dataclass(frozen=True)
class ThemeSummary:
    theme: str
    count: int
    members: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Alert:
    watch: str  # the watch list it came from
    term: str
    index: int
    sender: str
    text: str
    context: tuple[str, ...]  # the messages just before and after


@dataclass
class Radar:
    log: ChatLog
    triggers: list[TriggerCandidate]
    timeline: list[Bucket]
    themes: list[ThemeSummary]
    influencers: list[tuple[str, int]]  # members most replied to or quoted, with how often
    alerts: list[Alert]
    complaint_of: dict[int, str] = field(default_factory=dict)  # message index -> theme

    @property
    def trigger(self) -> TriggerCandidate | None:
        return self.triggers[0] if self.triggers else None


# ── analysis ────────────────────────────────────────────────────────────────────────────────────────


def analyse(log: ChatLog, tone: ToneChecker, *, watch: dict[str, list[str]] | None = None, bucket_minutes: int = 1) -> Radar:
    """Everything the radar shows, in one pass over the chat. `watch`: named lists of terms to alert on
    (default_watch() when None; {} for no alerts)."""
    messages = log.messages
    folded = [fold(m.text) for m in messages]  # once: themes, quotes, staff names and watch words all read it
    complaint_of: dict[int, str] = {}
    angry: set[int] = set()
    for m in messages:
        if m.role != "member" or m.kind != "text":
            continue
        theme, anger = _classify(m.text, folded[m.index])
        if theme is not None:
            complaint_of[m.index] = theme
        if anger:
            angry.add(m.index)
    echoes = _echoes(messages, folded)
    triggers = _rank_triggers(messages, complaint_of, echoes, tone)
    # After the ranking (which must not count a message twice, as a quote and as a complaint): a member who
    # quotes a staff message, or names a staff member, in words no theme covers is reacting to how staff
    # treated people — an attitude complaint.
    for index in _about_staff(messages, echoes, folded):
        complaint_of.setdefault(index, "attitude")
    return Radar(
        log=log,
        triggers=triggers,
        timeline=_timeline(messages, complaint_of, angry, bucket_minutes),
        themes=_themes(messages, complaint_of),
        influencers=_influencers(messages, echoes),
        alerts=_alerts(messages, folded, default_watch() if watch is None else watch),
        complaint_of=complaint_of,
    )


def _staff_names(messages: list[ChatMessage]) -> list[str]:
    """Staff senders and the short names people call them by ("沪鲜送运营-大伟" -> 大伟, "Maya (Support)" -> Maya)."""
    names: set[str] = set()
    for m in messages:
        if m.role == "staff" and m.sender:
            names.add(m.sender)
            for part in name_parts(m.sender):
                if len(part) >= 2 and not part.isdigit():
                    names.add(part)
    generic = {"support", "team", "service", "客服", "官方", "运营", "admin", "community", "staff", "store", "shop"}
    return sorted((n for n in names if n.lower() not in generic), key=len, reverse=True)


_PUSHBACK = re.compile(r"[?？!！]|\b(why|what|seriously|really|wow|no)\b|凭什么|为什么|怎么|什么|难道|还", re.IGNORECASE)


def _about_staff(messages: list[ChatMessage], echoes: dict[int, list[int]], folded: list[str]) -> list[int]:
    """Member messages that quote or answer a staff message, or name a staff member while pushing back (a
    question, an exclamation): "@Maya thanks!" is not a complaint, "大伟呢？" is."""
    answering = {reply for index, replies in echoes.items() if messages[index].role == "staff" for reply in replies}
    names = _staff_names(messages)
    pattern = re.compile("|".join(re.escape(fold(n)) for n in names), re.IGNORECASE) if names else None
    out = []
    staff_said: deque[str] = deque(maxlen=20)  # recent staff messages, folded, for words quoted back mid-sentence
    for m in messages:
        if m.role == "staff" and m.kind == "text":
            staff_said.append(folded[m.index])
        if m.role != "member" or m.kind != "text":
            continue
        if m.index in answering or _quotes_back(m.text, staff_said):
            out.append(m.index)
        elif (
            pattern is not None
            and pattern.search(folded[m.index])
            and _PUSHBACK.search(m.text)
            and not re.search(r"谢谢|感谢|辛苦|\b(thanks?|thank you|cheers|appreciate)\b", m.text, re.IGNORECASE)
        ):
            out.append(m.index)
    return out


_INLINE_QUOTE = re.compile(r"[“\"「『‘]([^”\"」』’\n]{3,60})[”\"」』’]")


def _quotes_back(text: str, staff_said: Iterable[str]) -> bool:
    """A member repeating a staff member's own words in quotation marks ("换哪个平台都一样" is the best free
    advert…): the member is holding those words up, which is how people answer a reply they resent."""
    for quoted in _INLINE_QUOTE.findall(text):
        key = fold(quoted.strip(" .,，。!！?？…"))
        if len(key) >= 4 and any(key in said for said in staff_said):
            return True
    return False


def _echoes(messages: list[ChatMessage], folded: list[str]) -> dict[int, list[int]]:
    """For each message, the later messages that answer or quote it: reply links where the export has them,
    else quoted text, matched to the newest earlier message that says it itself (not to another quote of
    it), from the quoted sender when the quote names one."""
    found: dict[int, list[int]] = defaultdict(list)
    recent: deque[tuple[ChatMessage, str]] = deque(maxlen=400)  # original (unquoting) messages, folded; quotes reach back hours, not days
    for m in messages:
        quote = _QUOTE.search(m.text) if m.role != "system" else None
        if m.reply_to is not None:
            found[m.reply_to].append(m.index)
        elif quote:
            key = fold(quote["q"].strip())[:12]
            name = (quote["name"] or "").strip()
            match = next((earlier for earlier, said in reversed(recent) if key in said and (not name or earlier.sender == name)), None) or next(
                (earlier for earlier, said in reversed(recent) if key in said), None
            )
            if match is not None:
                found[match.index].append(m.index)
        if m.role != "system" and m.kind == "text" and not quote:
            recent.append((m, folded[m.index]))
    return found


_QUOTE = re.compile(
    r"^\s*(?:>\s*|「|『|“|\"|引用\s*|replying to\s+)(?:(?P<name>[^:：\n「」]{1,40})[:：]\s*)?"
    r"(?P<q>[^」』”\"\n]{4,})",
    re.IGNORECASE,
)


def _rank_triggers(
    messages: list[ChatMessage], complaint_of: dict[int, str], echoes: dict[int, list[int]], tone: ToneChecker
) -> list[TriggerCandidate]:
    """Every staff message, scored by how the conversation changed around it. Windows are found by bisection
    and counted with prefix sums, so a 100,000-message chat with thousands of staff messages stays fast."""
    n = len(messages)
    seconds = _seconds(messages)
    timed = bool(seconds)
    seen: set[str] = set()
    counts = {"talk": [0] * (n + 1), "member": [0] * (n + 1), "complaint": [0] * (n + 1), "first": [0] * (n + 1)}
    for i, m in enumerate(messages):
        first = m.role == "member" and m.sender not in seen
        if first:
            seen.add(m.sender)
        for name, value in (
            ("talk", m.role != "system"),
            ("member", m.role == "member"),
            ("complaint", m.role == "member" and i in complaint_of),
            ("first", first),
        ):
            counts[name][i + 1] = counts[name][i] + value

    def total(name: str, lo: int, hi: int) -> int:  # messages lo..hi-1
        return counts[name][hi] - counts[name][lo]

    candidates = []
    for m in messages:
        if m.role != "staff" or m.kind != "text":
            continue
        i = m.index
        if timed:
            lo = bisect_left(seconds, seconds[i] - WINDOW.total_seconds())
            hi = bisect_right(seconds, seconds[i] + WINDOW.total_seconds())
            # Minutes actually covered (at least five), so a chat that starts or ends near the message is fair.
            minutes_before = max((seconds[i] - seconds[lo]) / 60 if lo < i else 0, 5.0)
            minutes_after = max((seconds[hi - 1] - seconds[i]) / 60 if hi - 1 > i else 0, 5.0)
        else:
            lo, hi = max(0, i - WINDOW_MESSAGES), min(n, i + 1 + WINDOW_MESSAGES)
            minutes_before = minutes_after = WINDOW.total_seconds() / 60
        rate_before = total("talk", lo, i) / minutes_before
        rate_after = total("talk", i + 1, hi) / minutes_after
        members_before, members_after = total("member", lo, i), total("member", i + 1, hi)
        share_before = total("complaint", lo, i) / max(members_before, 1)
        share_after = total("complaint", i + 1, hi) / max(members_after, 1)
        new_voices = total("first", i + 1, hi)
        echo = len(echoes.get(i, []))
        report = tone.check(m.text, kind="chat")
        flags = tuple(f.phrase for f in report.flags if f.severity in ("medium", "high"))
        ratio = (rate_after + 0.5) / (rate_before + 0.5)
        score = (
            math.log(ratio)
            + 2.0 * max(share_after - share_before, 0.0)
            + math.log1p(new_voices) * 0.5
            + math.log1p(echo) * 0.8
            + (0.8 if flags else 0.0)
        ) * min(1.0, members_after / 5)
        candidates.append(
            TriggerCandidate(
                i, m.sender, m.text, m.time, round(score, 3), round(ratio, 2), round(share_before, 2), round(share_after, 2), new_voices, echo, flags
            )
        )
    return sorted(candidates, key=lambda c: -c.score)


def _seconds(messages: list[ChatMessage]) -> list[float]:
    """Each message's time in seconds, a message without one taking the time of the one before it (a notice
    between two messages happened between them); [] when fewer than nine in ten messages have a time, and
    windows must be counted in messages instead. Non-decreasing, as bisection needs."""
    known = sum(m.time is not None for m in messages)
    if not messages or known < 0.9 * len(messages):
        return []
    first = next(m.time for m in messages if m.time is not None)
    out, last = [], first.timestamp()
    for m in messages:
        if m.time is not None:
            last = max(last, m.time.timestamp())
        out.append(last)
    return out


def _timeline(messages: list[ChatMessage], complaint_of: dict[int, str], angry: set[int], bucket_minutes: int) -> list[Bucket]:
    timed = [(m, m.time) for m in messages if m.time is not None]
    if not timed:
        return []
    width = timedelta(minutes=max(bucket_minutes, 1))
    first = timed[0][1].replace(second=0, microsecond=0)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for m, time in timed:
        if m.role == "system":
            continue
        slot = int((time - first) / width)
        row = counts[slot]
        row[0] += 1
        row[1] += m.index in complaint_of
        row[2] += m.index in angry
        row[3] += m.role == "staff"
    if not counts:
        return []
    last = max(counts)
    return [Bucket(first + width * slot, *counts.get(slot, [0, 0, 0, 0])) for slot in range(last + 1)]


def mood_over_time(timeline: list[Bucket], minutes: int = 5) -> list[Mood]:
    """Complaint and anger shares over a sliding window of `minutes` buckets: per-minute shares of a few
    messages jump between 0 and 100 %, a five-minute window shows the turn."""
    out = []
    members = complaints = angry = 0
    for i, bucket in enumerate(timeline):
        members += bucket.messages - bucket.staff
        complaints += bucket.complaints
        angry += bucket.angry
        if i >= minutes:
            gone = timeline[i - minutes]
            members -= gone.messages - gone.staff
            complaints -= gone.complaints
            angry -= gone.angry
        out.append(Mood(bucket.start, complaints / members if members else None, angry / members if members else None))
    return out


def _themes(messages: list[ChatMessage], complaint_of: dict[int, str]) -> list[ThemeSummary]:
    by_theme: dict[str, list[ChatMessage]] = defaultdict(list)
    for index, theme in complaint_of.items():
        by_theme[theme].append(messages[index])
    out = []
    for theme, items in by_theme.items():
        # Examples: the longest distinct messages say the most about what people want.
        examples = tuple(dict.fromkeys(m.text for m in sorted(items, key=lambda m: -len(m.text))))[:3]
        out.append(ThemeSummary(theme, len(items), len({m.sender for m in items}), examples))
    return sorted(out, key=lambda s: -s.count)


def _influencers(messages: list[ChatMessage], echoes: dict[int, list[int]], top: int = 5) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for index, answers in echoes.items():
        if messages[index].role == "member":
            counts[messages[index].sender] += len(answers)
    for m in messages:  # "@name" mentions count as being answered too
        for name in re.findall(r"@(\S{1,30})", m.text):
            counts[name.rstrip("，,:：")] += 1
    return counts.most_common(top)


@lru_cache(maxsize=1)
def default_watch() -> dict[str, list[str]]:
    """The watch lists shipped in lexicon/watch.yaml: media, regulator and legal, safety, churn."""
    data = load_yaml("drafting.guards.lexicon", "watch.yaml")
    return {str(name): [str(term) for term in terms] for name, terms in data.items()}


def _term_pattern(term: str) -> str:
    """A watched term on folded text; a Latin term must stand as a word ("sue", not "issue")."""
    folded = re.escape(fold(term.strip()))
    if term.isascii() and re.fullmatch(r"[\w\s.'-]+", term):
        folded = rf"(?<![a-z0-9]){folded}(?![a-z0-9])"
    return folded


def _alerts(messages: list[ChatMessage], folded: list[str], watch: dict[str, list[str]]) -> list[Alert]:
    watched = [(name, term, re.compile(_term_pattern(term), re.IGNORECASE)) for name, terms in watch.items() for term in terms if term.strip()]
    if not watched:
        return []
    # Most messages match no term: one alternation of them all finds those at once, and only the rest are
    # tried term by term (which also finds terms that overlap, e.g. 曝光 and 曝光你们).
    any_term = re.compile("|".join(pattern.pattern for _, _, pattern in watched), re.IGNORECASE)
    alerts = []
    for m in messages:
        if m.role == "system":
            continue
        if not any_term.search(folded[m.index]):
            continue
        for name, term, pattern in watched:
            if pattern.search(folded[m.index]):
                context = tuple(x.text for x in messages[max(0, m.index - 1) : m.index + 2] if x.index != m.index)
                alerts.append(Alert(name, term, m.index, m.sender, m.text, context))
    return alerts


# ── tickets ─────────────────────────────────────────────────────────────────────────────────────────

# Not \b: Chinese characters are word characters, so "订单LT20261112-0457" has no word break before the id.
_ORDER_ID = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,4}\d{6,}(?:-\d{2,6})?(?![A-Za-z0-9])")
_AMOUNT = re.compile(r"(?:[¥￥$]\s?(?P<a>\d+(?:\.\d{1,2})?))|(?P<b>\d+(?:\.\d{1,2})?)\s?(?:元|块|rmb|yuan|cny|dollars?)", re.IGNORECASE)
_ZH_NUMBER = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_NUMBER = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_UNIT_MINUTES = {"小": 60, "h": 60, "天": 1440, "d": 1440, "周": 10080, "星": 10080, "w": 10080}  # by the unit's first letter
_DELAY = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|[一两二三四五六七八九十]|\b(?:one|two|three|four|five|six|seven|eight|nine|ten))\s?(?P<half>个半)?\s?(?:个)?[\s-]?"
    r"(?P<unit>小时|分钟|天|周|星期|hours?|hrs?|minutes?|mins?|days?|weeks?)"
    r"|(?P<halfhour>半小时|half an hour)",
    re.IGNORECASE,
)


def facts_from(texts: Iterable[str]) -> dict[str, Any]:
    """Order ids, amounts and delays as the member stated them (the largest delay and amount win)."""
    order_ids, amounts, delays = [], [], []
    for text in texts:
        order_ids += _ORDER_ID.findall(text)
        for match in _AMOUNT.finditer(text):
            amounts.append(Decimal(match["a"] or match["b"]))
        for match in _DELAY.finditer(text):
            if match["halfhour"]:
                delays.append(30)
                continue
            raw = match["num"]
            number = float(_ZH_NUMBER.get(raw) or _EN_NUMBER.get(raw.lower()) or raw)
            if match["half"]:
                number += 0.5
            delays.append(int(number * _UNIT_MINUTES.get(match["unit"][0].lower(), 1)))
    return {
        "order_ids": list(dict.fromkeys(order_ids)),
        "amount": max(amounts) if amounts else None,
        "delay_minutes": max(delays) if delays else None,
    }


def tickets(radar: Radar, incident_id: str | None, *, source_name: str = "chat", imported_at: datetime | None = None) -> list[Ticket]:
    """One ticket per member who complained or announced they are leaving, holding everything that member
    wrote in the chat (in order, each message with its time, however far apart), the facts they stated
    (as claims), and the issue type their whole conversation names.

    `imported_at` (default: now) stands in for times the chat does not give: the date of clock-only times,
    and the whole time of a chat without any (the ticket says which, Ticket.written_at_note)."""
    messages = radar.log.messages
    imported = imported_at or datetime.now()
    said = _said_by_member(messages)
    first_complaint: dict[str, int] = {}
    for index in sorted(radar.complaint_of):
        first_complaint.setdefault(messages[index].sender, index)
    for sender, items in said.items():
        if sender not in first_complaint and (leaving := _leaving_message(items)) is not None:
            first_complaint[sender] = leaving.index  # a member saying goodbye is a customer about to be lost
    first_complaint.pop("", None)
    when, note = _dated_times(messages, imported)
    members = Members.of(said)
    own_issue = {sender: evidence_of((m.text for m in said[sender] if m.kind == "text"), members, sender) for sender in first_complaint}
    shared = incident_issue([evidence.named for evidence in own_issue.values()])
    out = []
    for number, sender in enumerate(sorted(first_complaint, key=first_complaint.__getitem__), start=1):
        items = said[sender]
        texts = [m.text for m in items if m.kind == "text"]
        facts = facts_from(texts)
        own_themes = {radar.complaint_of[m.index] for m in items if m.index in radar.complaint_of}
        issue = issue_for(own_issue[sender], own_themes, shared)
        # What a member says about their own order is a claim, not a fact: it is kept for a person to confirm
        # (Workflow.confirm_facts) and raises nothing the ticket is entitled to until then.
        claims = {"delay_minutes": facts["delay_minutes"] if issue == "late_delivery" else None, "order_amount": facts["amount"]}
        times = [when[m.index] for m in items]
        written = next((t for t in times if t is not None), None)
        out.append(
            Ticket(
                id=f"{source_name}-{_slug(sender)}-{number}",
                incident_id=incident_id,
                customer=sender,
                channel=source_name,
                messages=[m.text for m in items],
                message_times=times,
                facts=TicketFacts(issue_type=issue, claimed=claims),
                order_id=facts["order_ids"][0] if facts["order_ids"] else None,
                # The first message: the queue puts the longest-waiting customer first among equal risks.
                written_at=written or imported,
                written_at_note=note if written is not None else "import_time",
            )
        )
    return out


def _said_by_member(messages: list[ChatMessage]) -> dict[str, list[ChatMessage]]:
    """Every message each member wrote, text and media ([图片] tells a reviewer a photo was sent), in order."""
    said: dict[str, list[ChatMessage]] = defaultdict(list)
    for m in messages:
        if m.role == "member" and m.sender:
            said[m.sender].append(m)
    return said


def _leaving_message(items: list[ChatMessage]) -> ChatMessage | None:
    """The first message in which a member says they are leaving (退群, 再也不买, "I'm done with this brand"),
    read by the same grammar the reply drafts use (domain/playbook/asks.yaml, the leaving ask); only the
    messages that could say goodbye are read in full, so a 100,000-message chat stays fast."""
    for m in items:
        if m.kind == "text" and may_ask(m.text, "leaving") and "leaving" in read_asks([m.text]).types():
            return m
    return None


# ── when members wrote ──────────────────────────────────────────────────────────────────────────────

_NO_DATE = 1900  # the year chat_import gives a clock time shown without its date


def _dated_times(messages: list[ChatMessage], imported: datetime) -> tuple[list[datetime | None], Literal["clock_only", "import_time"] | None]:
    """Each message's time, with a date where the export showed only the clock: counted back from the day of
    the import (a clock that jumps forward going back in the chat means the day before). The note says
    how the times were found: None as written, "clock_only", or "import_time" when the chat has none."""
    times = [m.time for m in messages]
    if all(t is None for t in times):
        return times, "import_time"
    if not any(t is not None and t.year == _NO_DATE for t in times):
        return times, None
    out: list[datetime | None] = list(times)
    day = imported.date()
    later = imported  # the newest time a message can have
    for i in range(len(times) - 1, -1, -1):
        t = times[i]
        if t is None or t.year != _NO_DATE:
            continue
        moment = datetime.combine(day, t.time())
        while moment > later:
            day -= timedelta(days=1)
            moment = datetime.combine(day, t.time())
        out[i] = later = moment
    return out, "clock_only"


def _slug(name: str) -> str:
    return re.sub(r"[^\w]+", "-", name).strip("-")[:40] or "member"
