"""The commitment guard: find every promise in a draft and check it against what policy allows.

A promise is money (¥30, 30元, 三十元, thirty yuan, RMB 30, $5) given as a refund, coupon or compensation;
a full or partial refund; a free order; a processing deadline (3天内到账, within 3 business days); a
response time (5分钟内回复, reply within 5 minutes); or a membership extension. Each is checked against the
remedies the policy book computed for the ticket plus the incident's own decisions: backed (naming the rule),
exceeds (more than the rule allows — naming it), or unbacked (no rule grants anything like it).

The guard reads only the draft and the entitlements, never the prompt or the ticket text: an instruction
injected into a complaint cannot talk it into accepting a promise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Iterable

import yaml

from drafting.models import Commitment
from drafting.phrasebook import fold
from knowledge.policy import MONEY_TYPES, PolicyBook, Remedy

# ── numbers ────────────────────────────────────────────────────────────────────────────────────────

_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_EN_WORDS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_EN_NUMBER_WORD = "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
NUMBER = (
    # 30, 1,000, 29.9 — bounded, and never starting inside a longer run of digits, so a pasted wall of
    # digits costs linear time instead of trying every suffix of it
    r"(?<!\d)(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,12})(?:\.\d{1,4})?(?!\d)"
    r"|[零〇一二两三四五六七八九十百千万]+"  # 三十, 一百五十
    rf"|(?:(?:{_EN_NUMBER_WORD}|a|an)(?:[\s-]+(?:hundred|thousand|and|{_EN_NUMBER_WORD}))*)"  # thirty, a hundred
)


def parse_number(text: str) -> Decimal | None:
    """'30', '1,000', '29.9', '三十', '一百五十', '两千', 'thirty-five', 'a hundred' → Decimal."""
    text = text.strip().lower()
    if not text:
        return None
    if text[0].isdigit():
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            return None
    if text[0] in _ZH_DIGITS or text[0] in _ZH_UNITS:
        total, section, digit = 0, 0, 0
        for char in text:
            if char in _ZH_DIGITS:
                digit = _ZH_DIGITS[char]
            elif char == "万":
                total += (section + digit) * 10000
                section, digit = 0, 0
            elif char in _ZH_UNITS:
                section += (digit or 1) * _ZH_UNITS[char]
                digit = 0
            else:
                return None
        return Decimal(total + section + digit)
    total, current = 0, 0
    words = re.split(r"[\s-]+", text)
    if len(words) > 1 and words[0] in ("a", "an") and words[1] not in ("hundred", "thousand"):
        words = words[1:]  # "a thirty-yuan coupon": the article, not the number one
    for word in words:
        if word == "and":
            continue
        if word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        elif word in _EN_WORDS:
            current += _EN_WORDS[word]
        else:
            return None
    value = total + current
    return Decimal(value) if value else None


# ── patterns ───────────────────────────────────────────────────────────────────────────────────────

_N = f"(?:{NUMBER})"
_CURRENCY_BEFORE = r"(?:¥|￥|rmb|cny|\$|人民币|usd)"
_CURRENCY_AFTER = r"(?:元(?:钱)?|块钱|(?<=\d)\s*块|yuan|cny|rmb|dollars?|usd)"
MONEY = re.compile(
    rf"(?:{_CURRENCY_BEFORE}\s*(?P<a1>{_N})(?:\s*(?:-|~|–|至|到|to)\s*{_CURRENCY_BEFORE}?\s*(?P<a2>{_N}))?)"
    rf"|(?:(?<![0-9a-z.,])(?P<b1>{_N})(?:\s*(?:-|~|–|至|到|to)\s*(?P<b2>{_N}))?[\s-]*{_CURRENCY_AFTER}(?![a-z]))"
)
PERCENT = re.compile(rf"(?<!\d)(?P<p>\d{{1,3}}(?:\.\d{{1,2}})?)\s*%|百分之(?P<q>{_N})")
_TIME_UNITS = (
    r"分钟|分|小时|个小时|钟头|个工作日|工作日|天|日|周|星期|个星期"
    r"|(?:business |working )?days?|hours?|hrs?|minutes?|mins?|weeks?"
)
DURATION = re.compile(
    rf"(?:(?:within|in|under|inside|no more than|less than|at most)\s+(?:the\s+next\s+)?(?P<n1>{_N})[\s-]*(?P<unit1>{_TIME_UNITS})(?![a-z]))"
    rf"|(?:(?P<n2>{_N})\s*(?P<unit2>{_TIME_UNITS})\s*(?:之内|以内|内))"
    rf"|(?:(?P<n3>{_N})\s*(?P<unit3>分钟|小时)\s*(?=回复|答复|回电|响应|处理|到账))"
)
MEMBERSHIP = re.compile(
    rf"(?:(?:延长|赠送|加送|补送|送|补偿|延期)\s*(?P<m1>{_N})\s*个?月)"
    rf"|(?:(?P<m2>{_N})[\s-]*months?(?:'s)?(?:\s+of)?(?:\s+(?:free|extra|additional|added))?(?:\s+(?:plus|member(?:ship)?))*(?:\s+(?:extension|free|added|on\s+us))?)"
    rf"|(?:extend(?:ed|ing)?\s+your\s+(?:plus\s+)?membership\s+(?:by|for)\s+(?P<m3>{_N})\s+months?)"
)
_SENTENCE = re.compile(r"[^。！？!?;；\n]+[。！？!?;；\n]*")
_CLAUSE_BREAK = re.compile(r"[，,：:、]")
_VALIDITY = re.compile(rf"(?:有效期|valid (?:for )?|good for |expires? in )\s*(?P<v>{_N})\s*(?:天|日|days?)|(?P<w>{_N})\s*(?:天|日)内有效")


@dataclass(frozen=True)
class _Keywords:
    money: dict[str, re.Pattern[str]]
    full_refund: re.Pattern[str]
    partial_refund: re.Pattern[str]
    free_order: re.Pattern[str]
    duration: dict[str, re.Pattern[str]]


@lru_cache(maxsize=1)
def _keywords() -> _Keywords:
    data = yaml.safe_load(resources.files("drafting.lexicon").joinpath("commitments.yaml").read_text(encoding="utf-8"))

    def compile_(words: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{w})" for w in words))

    return _Keywords(
        money={kind: compile_(words) for kind, words in data["money"].items()},
        full_refund=compile_(data["full_refund"]),
        partial_refund=compile_(data["partial_refund"]),
        free_order=compile_(data["free_order"]),
        duration={kind: compile_(words) for kind, words in data["duration"].items()},
    )


# How far (in characters) a keyword may sit from the number it classifies: "两小时内截图被转到……（能不能退）" is
# a fact about the incident, not a refund deadline, because nothing about refunds is near the duration.
MONEY_REACH = 30
DURATION_REACH = 20


def _nearest(patterns: dict[str, re.Pattern[str]], sentence: str, start: int, end: int, reach: int = 10_000) -> str | None:
    """The kind whose keyword sits closest to [start, end) in the sentence, within `reach` characters
    (ties: the first listed)."""
    best: tuple[int, str] | None = None
    for kind, pattern in patterns.items():
        for match in pattern.finditer(sentence):
            distance = start - match.end() if match.end() <= start else match.start() - end if match.start() >= end else 0
            if distance <= reach and (best is None or distance < best[0]):
                best = (distance, kind)
    return best[1] if best else None


def _minutes_per(unit: str) -> int:
    if unit.startswith(("hour", "hr", "小时", "个小时", "钟头")):
        return 60
    if unit.startswith(("min", "分")):
        return 1
    if unit.startswith(("week", "周", "星期", "个星期")):
        return 7 * 1440
    return 1440  # days, business days, 天, 日, 工作日


def _to_days(amount: Decimal, unit: str) -> Decimal:
    return (amount * _minutes_per(unit) / 1440).normalize()


def _to_minutes(amount: Decimal, unit: str) -> Decimal:
    return (amount * _minutes_per(unit)).normalize()


# ── extraction ─────────────────────────────────────────────────────────────────────────────────────


_QUOTED = re.compile(r"“[^”\n]{1,200}”|「[^」\n]{1,200}」|\"[^\"\n]{1,200}\"")


def extract(text: str) -> list[Commitment]:
    """Every promise in the text, in order, with offsets into the text as given (not yet checked). Words in
    quotation marks are someone's words being reported (the launch slogan “delivery in 30 minutes”), not a
    promise this text makes."""
    folded = fold(text)
    quoted = [m.span() for m in _QUOTED.finditer(folded)]
    return [c for c in _extract(text, folded) if not any(s <= c.start and c.end <= e for s, e in quoted)]


def _extract(text: str, folded: str) -> list[Commitment]:
    keywords = _keywords()
    found: list[Commitment] = []
    for sentence_match in _SENTENCE.finditer(folded):
        base = sentence_match.start()
        sentence = sentence_match.group()
        taken: list[tuple[int, int]] = []

        def span_free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e in taken)

        def add(kind: str, start: int, end: int, **values: object) -> None:
            taken.append((start, end))
            found.append(Commitment(type=kind, phrase=text[base + start : base + end], start=base + start, end=base + end, **values))  # type: ignore[arg-type]

        full = [m.span() for m in keywords.full_refund.finditer(sentence)]
        for match in MEMBERSHIP.finditer(sentence):
            months = parse_number(match.group("m1") or match.group("m2") or match.group("m3") or "")
            if months and (match.group("m1") or re.search(r"member|plus|会员|extend|extension", sentence)):
                add("membership_extension", *match.span(), amount=months, unit="months")
        for match in MONEY.finditer(sentence):
            if not span_free(*match.span()):
                continue
            low = parse_number(match.group("a1") or match.group("b1") or "")
            high = parse_number(match.group("a2") or match.group("b2") or "") if (match.group("a2") or match.group("b2")) else None
            amount = max(v for v in (low, high) if v is not None) if (low or high) else None
            if amount is None:
                continue
            kind = _nearest(keywords.money, sentence, *match.span(), reach=MONEY_REACH)
            if kind in (None, "fact"):
                continue
            if kind == "refund" and any(abs(s - match.end()) <= 12 or abs(match.start() - e) <= 12 for s, e in full):
                add("refund", *match.span(), amount=amount, unit="CNY", scope="full")
                continue
            validity = _VALIDITY.search(sentence, match.end()) if kind == "coupon" else None
            valid_days = parse_number(validity.group("v") or validity.group("w") or "") if validity else None
            if validity:
                taken.append(validity.span())  # "30天内有效" is the coupon's validity, not a deadline
            add(kind, *match.span(), amount=amount, unit="CNY", valid_days=int(valid_days) if valid_days else None)
        for start, end in full:
            if span_free(start, end) and not any(c.type == "refund" and c.scope == "full" and base <= c.start < base + len(sentence) for c in found):
                add("refund", start, end, scope="full")
        for match in keywords.partial_refund.finditer(sentence):
            if span_free(*match.span()):
                add("refund", *match.span(), scope="partial")
        for match in PERCENT.finditer(sentence):
            percent = parse_number(match.group("p") or match.group("q") or "")
            # A percentage is a refund promise only with a refund word within ten characters of it.
            near = keywords.money["refund"].search(sentence, max(0, match.start() - 10), match.end() + 10)
            if percent and near and span_free(*match.span()):
                add("refund", *match.span(), amount=percent, unit="percent", scope="full" if percent >= 100 else "partial")
        for match in keywords.free_order.finditer(sentence):
            if span_free(*match.span()):
                add("free_order", *match.span())
        for match in DURATION.finditer(sentence):
            if not span_free(*match.span()):
                continue
            number = parse_number(match.group("n1") or match.group("n2") or match.group("n3") or "")
            unit = (match.group("unit1") or match.group("unit2") or match.group("unit3") or "").strip()
            if not number or not unit:
                continue
            # A duration's keyword must share its clause: "两小时内截图被转到别的群，当晚的退款……" is a fact.
            clause_start = max((m.end() for m in _CLAUSE_BREAK.finditer(sentence, 0, match.start())), default=0)
            clause_end_match = _CLAUSE_BREAK.search(sentence, match.end())
            clause_end = clause_end_match.start() if clause_end_match else len(sentence)
            clause = sentence[clause_start:clause_end]
            kind = _nearest(keywords.duration, clause, match.start() - clause_start, match.end() - clause_start, reach=DURATION_REACH)
            if kind == "response_time":
                add("response_time", *match.span(), amount=_to_minutes(number, unit), unit="minutes")
            elif kind == "processing_deadline":
                add("processing_deadline", *match.span(), amount=_to_days(number, unit), unit="days")
    return sorted(found, key=lambda c: c.start)


# ── checking ───────────────────────────────────────────────────────────────────────────────────────


@dataclass
class CommitmentReport:
    commitments: list[Commitment] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.backed for c in self.commitments)

    @property
    def unbacked(self) -> list[Commitment]:
        return [c for c in self.commitments if not c.backed]

    def reasons(self) -> list[str]:
        return [f"“{c.phrase}”: {c.reason}" for c in self.unbacked]

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "commitments": [c.model_dump(mode="json") for c in self.commitments]}


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


_TIME_LIMITS = {
    "processing_deadline": ("days", "processing within (days)", "no rule sets a processing time for this ticket"),
    "response_time": ("minutes", "a reply within (minutes)", "no rule sets a response time for this ticket"),
}


def _judge(c: Commitment, entitled: list[Remedy], order_amount: Decimal | None) -> Commitment:
    def backed(remedy: Remedy, note: str = "") -> Commitment:
        return c.model_copy(update={"status": "backed", "backing": remedy.rule_id, "reason": note})

    def refused(status: str, reason: str, remedy: Remedy | None = None) -> Commitment:
        return c.model_copy(update={"status": status, "reason": reason, "backing": None})

    by_type = lambda *types: [r for r in entitled if r.type in types]  # noqa: E731
    refunds = by_type("refund", "free_order")
    full = [r for r in refunds if r.type == "free_order" or r.scope == "full"]

    if c.type == "refund" and c.unit == "percent":
        if c.amount is not None and c.amount >= 100:
            return backed(full[0]) if full else refused("unbacked", "no rule grants a full refund for this ticket")
        fitting = [r for r in refunds if r in full or (r.percent or 0) >= (c.amount or 0)]
        return backed(fitting[0]) if fitting else refused("unbacked", f"no rule grants a {c.amount}% refund for this ticket")
    if c.type in ("refund", "free_order", "compensation") and c.scope != "partial":
        if c.type == "compensation" and c.amount is not None:
            coupons = [r for r in by_type("coupon") if r.amount is not None and r.amount >= c.amount]
            if coupons:
                return backed(coupons[0])
        if not full and c.type != "compensation" or (c.type == "compensation" and not refunds):
            names = ", ".join(sorted({r.rule_id for r in refunds})) or "none"
            return refused("unbacked", f"no rule grants a full refund or a free order for this ticket (refund rules that apply: {names})")
        remedy = (full or refunds)[0]
        if c.amount is not None:
            if order_amount is None:
                return refused("unbacked", f"the draft names {_money(c.amount)} CNY but the ticket has no order amount to check it against (rule {remedy.rule_id})")
            limit = order_amount if remedy in full else order_amount * Decimal(remedy.percent or 0) / 100
            if c.amount > limit:
                return refused("exceeds", f"{_money(c.amount)} CNY is more than rule {remedy.rule_id} allows for this order ({_money(limit)} CNY)")
        return backed(remedy)
    if c.type == "refund":  # partial, no percent
        return backed(refunds[0]) if refunds else refused("unbacked", "no rule grants a refund for this ticket")
    if c.type == "coupon":
        coupons = sorted((r for r in by_type("coupon") if r.amount is not None), key=lambda r: r.amount)
        if not coupons:
            return refused("unbacked", "no rule grants a coupon for this ticket")
        fitting = [r for r in coupons if c.amount is not None and r.amount >= c.amount]
        if not fitting:
            best = coupons[-1]
            return refused("exceeds", f"a {_money(c.amount)} CNY coupon is more than rule {best.rule_id} allows ({_money(best.amount)} CNY)")
        long_enough = [r for r in fitting if not c.valid_days or not r.valid_days or r.valid_days >= c.valid_days]
        chosen = (long_enough or fitting)[0]
        if c.valid_days and chosen.valid_days and c.valid_days > chosen.valid_days:
            return refused("exceeds", f"valid {c.valid_days} days is longer than rule {chosen.rule_id} allows ({chosen.valid_days} days)")
        return backed(chosen)
    if c.type in _TIME_LIMITS:
        # A time promise is backed by a rule that commits to the same time or faster: promising 5 days
        # when policy says 3 is honest; promising 1 day when policy says 3 is not.
        measure, said, none = _TIME_LIMITS[c.type]
        limits = [r for r in by_type(c.type) if getattr(r, measure) is not None]
        fitting = [r for r in limits if c.amount is not None and Decimal(getattr(r, measure)) <= c.amount]
        if fitting:
            return backed(fitting[0])
        if limits:
            best = min(limits, key=lambda r: getattr(r, measure))
            return refused("exceeds", f"promises {said} {_money(c.amount)}; rule {best.rule_id} commits to {getattr(best, measure)}")
        return refused("unbacked", none)
    if c.type == "membership_extension":
        extensions = [r for r in by_type("membership_extension") if r.months is not None and c.amount is not None and r.months >= c.amount]
        return backed(extensions[0]) if extensions else refused("unbacked", f"no rule grants a {_money(c.amount)}-month membership extension for this ticket")
    return refused("unbacked", "no rule backs this promise")


def check(text: str, entitled: Iterable[Remedy], *, order_amount: Decimal | None = None) -> CommitmentReport:
    """Extract the promises in `text` and judge each against the remedies the customer is entitled to
    (the policy book's remedies for the ticket plus the incident's decisions)."""
    remedies = list(entitled)
    return CommitmentReport([_judge(c, remedies, order_amount) for c in extract(text)])


def statement_entitlements(book: PolicyBook, decisions: Iterable[Remedy] = ()) -> list[Remedy]:
    """What a public statement may promise: any remedy some rule of the book grants, plus the incident's
    decisions (a statement speaks to everyone, so it is checked against the book as a whole)."""
    remedies = [remedy.model_copy(update={"rule_id": rule.id}) for rule in book.rules for remedy in rule.remedies]
    return remedies + list(decisions)


__all__ = ["CommitmentReport", "MONEY_TYPES", "check", "extract", "parse_number", "statement_entitlements"]
