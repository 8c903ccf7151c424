"""The commitment guard's last net: what the grammar could not read is held, not passed.

The grammar (drafting/guards/commitments.py) reads the promises it knows the phrasing of. A reply can always
say one in words it has never seen. So, after the grammar, every sentence that offers the reader something
measurable — a sum of money in any form, a multiple or a share of the price, a count of free things, a period
granted, a time bound — and from which the grammar read nothing at all (or a clause in it that gives on its
own, with nothing read in it), becomes an `unrecognised` promise: held as unbacked, with the span and a reason,
for a person to check against policy.

A sentence the grammar did read a promise from is not thereby safe: a sum, a multiple or a share in it, a time
bound in the promise's clause, or a period granted in a clause of its own, that the reading did not consume ("a
coupon and ¥50 cash", 给您退款，双倍哦, 会员一个月，再加送一周) is a promise read with the wrong type or amount,
or not read at all. Such a leftover is held the same way, unless it is a fact by the same evidence.

It must not cry wolf on the many sentences that carry a number and promise nothing, so a trigger counts only
when its sentence reads as giving or doing something for the customer (a verb of giving, a remedy word,
"we'll", 会, 给您 …; lexicon `offer`), and never when something shows it is a fact: a price or an amount paid,
the incident's own times and dates, a threshold, a demand, a question, a refusal, an instruction, what usually
happens, our own work plan (the cue lists of drafting/guards/lexicon/commitments.yaml). Bare numbers (order
numbers, phone numbers, counts of people) are triggers only when a verb of giving sends them.

Every look-up is a bounded window around a trigger, and a sentence is judged once, so the net is linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from drafting.guards.deadlines import Deadline
from drafting.guards.promise_text import SENTENCE_REACH, IndexedText, Quantity, SpanSet, lexicon

SHORT_CLAUSE = 4  # characters besides a multiple or a share in a clause that only qualifies its sentence (，双倍哦)
FACT_REACH = 24  # characters before a sum in which a price or an order names it, across a bracket: "your order (86 CNY)"
REASON = "a sum or deadline the guard could not read as a rule's remedy — check it against policy"
# said of a trigger beside a promise the grammar read without it: the reading may have the wrong type or amount
LEFTOVER = " beside a promise that was read without it"

# what each kind of trigger is, in the reviewer's words
_MONEY = "a sum of money"
_MULTIPLE = "a multiple of the price"
_SHARE = "a share of the price"
_FREE_COUNT = "a count of free things"
_TIME = "a time bound"
_PERIOD = "a period granted"
_REWARD = "a number of reward units"

# right after an amount: a rate or a price (0.99元/条, 6元/月, 3元包, "$5 each"), not a gift
_RATE_AFTER = re.compile(r"\s?(?:/|包|每(?![人位名户])|一[年月天次条个件份]|each(?![a-z])|per\s|a (?:month|year|day|piece)(?![a-z]))")
# "500 yuan each" to people is shared out, not a unit price
_EACH_AFTER = re.compile(r"\s?each(?![a-z])")
# right after a duration: a wait before something (5分钟之后再试, "after 10 minutes") or a time ago, not a bound
_AFTER_TIME = re.compile(r"\s?(?:左右)?(?:之后|以后|后|later|after|ago|前)")
# between a relative day and the action it bounds: 今晚(就)(会)到, 明天一定发
_ACTION_GAP = re.compile(r"\s?(?:就|会|能|可以|都|一定|肯定)?\s?")
# a clause that totals what was given ("一共三个月", "four months in total"): no second grant
_TOTAL = re.compile(r"一共|共计|合计|总共|总计|原来的|(?<![a-z])(?:in total|altogether|all told|total of)(?![a-z])")
# right before a duration: a span of time ("for 24 months", 前6个月, 每一天, "the last 2 hours"), not a bound
_SPAN_BEFORE = re.compile(r"(?:(?<![a-z])for|前|头|第|每|(?<![a-z])(?:every|each|per|last|past|first))\s?$")


@dataclass(frozen=True)
class Unread:
    """A trigger in a sentence that offers it and that the grammar read nothing from."""

    start: int
    end: int
    what: str  # a sum of money, a multiple or a share of the price, a count of free things, a time bound, a period granted
    amount: Decimal | None = None
    currency: str | None = None

    @property
    def reason(self) -> str:
        return f"{self.what} in an offer: {REASON}"


class Reading(Protocol):
    """What the net needs of the grammar's reading of the text (the commitment guard's extractor)."""

    t: IndexedText
    taken: SpanSet  # spans the grammar read as part of a promise or a fact
    claimed: SpanSet  # every promise the grammar found, including those it later dropped as declined

    def not_ours(self, start: int, end: int) -> bool: ...

    def given(self, q: Quantity) -> bool: ...

    def describes_fact(self, q: Quantity) -> bool: ...

    def told_as_work_plan(self, start: int, end: int) -> bool: ...


@dataclass(frozen=True)
class _Trigger:
    start: int
    end: int
    what: str
    quantity: Quantity | None = None
    loose: bool = False  # a relative day with no "by" (today, 明天): a bound only when an action goes with it


def unread_offers(
    reading: Reading, amounts: Iterable[Quantity], deadlines: Iterable[Deadline], now: datetime, money_sent: Callable[[Quantity], bool]
) -> list[Unread]:
    """One `Unread` per sentence that offers something measurable the grammar read nothing from.
    `money_sent` says whether a bare number is money sent to the customer (给您打500过去, "send you 200")."""
    return _Net(reading).run(_triggers(reading.t, amounts, deadlines, now, money_sent))


def _triggers(
    t: IndexedText, amounts: Iterable[Quantity], deadlines: Iterable[Deadline], now: datetime, money_sent: Callable[[Quantity], bool]
) -> list[_Trigger]:
    lex = lexicon()
    found: list[_Trigger] = []
    for q in amounts:
        what = _what(q, t, money_sent)
        if what is not None:
            found.append(_Trigger(q.start, q.end, what, q))
    for d in deadlines:
        if d.due is not None and d.due.date() < now.date():
            continue  # the incident's dates, or anything already past
        marked = t.hits["before_after"].starts_at(d.end, 1) or t.hits["before_before"].ends_at(d.start, 3)
        if marked or d.relative:
            found.append(_Trigger(d.start, d.end, _TIME, loose=not marked))
    # multiples and shares written as words (双倍, triple, 半价, "a quarter off", 一半)
    for patterns, what in ((lex.multiple_words.values(), _MULTIPLE), ([*lex.fraction_off.values(), lex.patterns["half_price"]], _SHARE)):
        for pattern in patterns:
            found.extend(_Trigger(*m.span(), what) for m in pattern.finditer(t.s))
    found.extend(_Trigger(s, e, _SHARE) for s, e in t.hits["half_of"].spans)
    return sorted(found, key=lambda trigger: trigger.start)


def _what(q: Quantity, t: IndexedText, money_sent: Callable[[Quantity], bool]) -> str | None:
    if q.kind == "money":
        return _MONEY
    if q.kind == "multiple":
        return _MULTIPLE
    if q.kind in ("percent", "zhe"):
        return _SHARE
    if q.kind == "count":
        return _FREE_COUNT if q.unit in ("orders", "coupons") else None
    if q.kind == "duration":
        if q.unit == "years" and q.value >= 1000:
            return None  # 2019年: a calendar year
        if _AFTER_TIME.match(t.s, q.end) or _SPAN_BEFORE.search(t.s, max(0, q.start - 8), q.start):
            return None  # a wait (5分钟后), a time ago, or a span ("for 24 months", 前6个月)
        bounds = q.low is not None or t.hits["within_after"].starts_at(q.end, 1) or t.hits["within_before"].ends_at(q.start, 8)
        return _TIME if bounds else _PERIOD  # 3天内, within five minutes, 1-3个工作日 | 延期45天, "3 months of Premium"
    if q.kind == "bare":
        if lexicon().reward_unit_after.match(t.s, q.end):
            return _REWARD  # "5,000 bonus miles", 2000金币: the brand's own money
        return _MONEY if money_sent(q) else None  # 给您打500过去, 转您两百, "send you 200"
    return None


class _Net:
    def __init__(self, reading: Reading) -> None:
        self.r, self.t, self.s = reading, reading.t, reading.t.s
        self.hits, self.remedy = reading.t.hits, reading.t.remedy

    def run(self, triggers: list[_Trigger]) -> list[Unread]:
        judged: set[tuple[int, int]] = set()
        unread: list[Unread] = []
        for trigger in triggers:
            # one verdict a sentence (a sentence of a hundred thousand numbers costs one look per piece of it)
            piece = (self.t.sentence_start(trigger.start), trigger.start // SENTENCE_REACH)
            if piece in judged or self.r.taken.overlaps(trigger.start, trigger.end):
                continue
            slo, shi = self.t.sentence(trigger.start, trigger.end)
            if self.r.claimed.starting_in(slo, shi):
                # the grammar read a promise here: a sum, a share or a time bound beside it that the reading did
                # not consume is a second promise it misread ("a coupon and ¥50 cash", 三张券，每张10元), held,
                # unless the trigger's own clause adds an offer of its own the usual way
                leftover = self.left_beside(trigger)
                if not leftover and not self.clause_of_its_own(trigger):
                    continue
                if leftover and not self.fact(trigger):
                    unread.append(self.unread(trigger, LEFTOVER))
                    judged.add(piece)
                    continue
            if self.offered(trigger) and not self.fact(trigger):
                unread.append(self.unread(trigger, ""))
                judged.add(piece)
        return unread

    @staticmethod
    def unread(trigger: _Trigger, note: str) -> Unread:
        q = trigger.quantity
        money = trigger.what == _MONEY and q is not None and q.kind in ("money", "bare")
        amount, currency = (q.value, q.unit) if money and q is not None else (None, None)
        return Unread(trigger.start, trigger.end, trigger.what + note, amount, currency)

    def left_beside(self, trigger: _Trigger) -> bool:
        """A sum, a multiple or a share in a sentence the grammar read a promise from, a time bound in the clause of
        one, or a period granted in a clause of its own, that the reading did not consume: the guard read something
        here, but not this."""
        if trigger.what == _MONEY:
            return True
        if trigger.what in (_MULTIPLE, _SHARE):  # of a price or given, not 洒了一半 ("half of it spilled")
            lo, hi = self.t.clause(trigger.start, trigger.end)
            if len(self.s[lo:hi].strip()) - (trigger.end - trigger.start) <= SHORT_CLAUSE:
                lo, hi = self.t.sentence(trigger.start, trigger.end)  # 给您退款，双倍哦: the word qualifies its sentence
            return self.money_sense(lo, hi)
        if trigger.what == _TIME and not trigger.loose:
            lo, hi = self.t.clause(trigger.start, trigger.end)
            if self.hits["until"].any(max(lo, trigger.start - 8), min(hi, trigger.end + 4)):
                return False  # "30% off until Dec 1": how long an offer runs, read with the offer
            return bool(self.r.claimed.starting_in(lo, hi))
        if trigger.what == _PERIOD:  # 送您会员一个月，再加送一周: a second period granted beside the one read
            lo, hi = self.t.clause(trigger.start, trigger.end)
            if _TOTAL.search(self.s, lo, hi):
                return False  # 加上原来的一共三个月, "4 months in total": the sum of what was read, said again
            return self.commits(lo, hi) or self.hits["granting"].any(lo, hi)
        return False

    def clause_of_its_own(self, trigger: _Trigger) -> bool:
        """In a sentence the grammar read, a clause that gives on its own ("…, and we'll also wire you 500") with
        nothing read in it is still an offer the net must hold."""
        lo, hi = self.t.clause(trigger.start, trigger.end)
        return not self.r.claimed.starting_in(lo, hi) and self.commits(lo, hi) and trigger.what in (_MONEY, _MULTIPLE, _SHARE)

    # ── does the sentence offer it? ──

    def offered(self, trigger: _Trigger) -> bool:
        """The sentence reads as giving or doing something for the customer: for a time bound, its clause commits
        to an action it bounds; for a period, its clause grants something; for a sum, its sentence gives, names a
        remedy or speaks to the reader; for a multiple, a share or a count, its clause is about money, a price or
        free things (加倍用心, "we're 100% on it", 一张卡 are not)."""
        start, end = trigger.start, trigger.end
        hits = self.hits
        lo, hi = self.t.clause(start, end)
        if trigger.what == _TIME:
            if not self.commits(lo, hi):
                return False  # 今天是会员日, "the queue today": when something is, not a time we commit to
            if trigger.loose:  # 今晚(会)到 | "we'll have your refund back to you today"
                action = hits["action_after"].starts_at(_ACTION_GAP.match(self.s, end).end(), 0)  # type: ignore[union-attr]
                return action or hits["processing"].any(lo, hi) or hits["response"].any(lo, hi) or self.remedy_in(lo, hi)
            return True
        slo, shi = self.t.sentence(start, end)
        speaks = hits["offer"].any(slo, shi) or self.commits(slo, shi) or self.remedy_in(slo, shi)
        if trigger.what == _REWARD:  # given, not a balance (您账户里现在有1200积分); 积分 itself is a coupon word
            return self.commits(lo, hi) or self.remedy["refund"].any(lo, hi) or self.remedy["compensation"].any(lo, hi)
        if trigger.what == _PERIOD:  # of a membership, or free (会员卡延期45天, 免三个月的宽带费, "3 months of Premium")
            grants = any(hits[name].any(lo, hi) for name in ("membership", "benefit_member", "free", "benefit_free"))
            return speaks and grants
        if not speaks:
            return False
        if trigger.what in (_MULTIPLE, _SHARE):
            # of a price ("2x what you paid", 话费…一半), given, or off — not of a volume (订单翻倍, "orders doubled")
            return self.money_sense(lo, hi)
        if trigger.what == _FREE_COUNT:  # one (一张, "a") is a measure word more often than a gift
            many = trigger.quantity is not None and trigger.quantity.value > 1
            return many and (hits["free"].any(lo, hi) or hits["benefit_free"].any(lo, hi) or self.remedy["coupon"].any(lo, hi))
        return True

    def money_sense(self, lo: int, hi: int) -> bool:
        """The clause is about money: a multiple or a share in it is of a price, given, or off."""
        return any(self.hits[name].any(lo, hi) for name in ("giving", "price", "discount", "off_after", "free")) or self.remedy_in(lo, hi)

    def commits(self, lo: int, hi: int) -> bool:
        return self.hits["commit"].any(lo, hi) or self.hits["giving"].any(lo, hi)

    def remedy_in(self, lo: int, hi: int) -> bool:
        return any(h.any(lo, hi) for h in self.remedy.values())

    # ── is it a fact? ──

    def fact(self, trigger: _Trigger) -> bool:
        """Positive evidence that the trigger is not offered: it is someone else's, asked, refused or excluded;
        an instruction, what usually happens, our own work plan or an earlier day's story; or a fact of the
        incident (done, late, a price or an amount paid, a threshold, a rate, the customer's demand)."""
        start, end = trigger.start, trigger.end
        hits = self.hits
        slo, shi = self.t.sentence(start, end)
        lo, hi = self.t.clause(start, end)
        if self.r.not_ours(start, end) or self.asked(start, end) or self.r.told_as_work_plan(start, end):
            return True  # someone else's, a question, or a statement's account of what happened and our work
        if hits["own_work"].any(slo, shi) or hits["instruction"].any(slo, shi) or hits["past_time"].any(slo, shi):
            return True  # our own work plan; what the customer is asked to do; a sentence about an earlier day
        if hits["habitual"].any(lo, hi) or hits["habitual"].any(slo, shi) and not hits["commit"].any(lo, hi):
            return True  # what usually happens (通常2到4个工作日), unless its own clause commits
        if hits["demand"].any(lo, hi) or hits["past"].any(lo, hi) or hits["time_fact"].any(lo, hi):
            return True
        if trigger.what in (_TIME, _PERIOD):
            return hits["money_fact"].any(lo, hi)
        # a sum in a sentence that reports money moved, or the incident in the past tense with nothing promised
        # in the sum's own clause ("Your order was charged in HKD by mistake — HK$95"), or lists prices
        reported = (hits["completed"].any(slo, shi) or hits["past"].any(slo, shi)) and not self.commits(lo, hi)
        if reported or hits["rate"].any(slo, shi) or hits["money_fact"].any(lo, hi):
            return True
        if self.s[max(0, start - 1) : start] in ("*", "#") or self.s[start : start + 1] == "*" and self.s[max(0, start - 1) : start] in ("*", ""):
            return True  # 138****0000, #1234: a masked number or an identifier
        if trigger.what in (_MULTIPLE, _SHARE, _FREE_COUNT):
            return False  # a multiple or a share names the price it is of: the price is no evidence of a fact
        return self.priced(trigger, lo, hi)

    def priced(self, trigger: _Trigger, lo: int, hi: int) -> bool:
        """The sum is a price, a cost, an amount paid, a threshold or an identifier, not a gift."""
        start, end, q = trigger.start, trigger.end, trigger.quantity
        hits = self.hits
        if q is not None and q.script != "digits" and q.value < 10 and self.s[end - 1 : end] == "块":
            return True  # 这一块的服务: a measure word, not money
        if (
            hits["threshold_before"].any(max(lo, start - 12), start)
            or hits["threshold_after"].starts_at(end, 2)
            or hits["copula_before"].ends_at(start, 1)
            and not hits["giving"].any(lo, start)
            or _RATE_AFTER.match(self.s, end)
            and not (_EACH_AFTER.match(self.s, end) and hits["people"].any(lo, hi))
        ):
            return True
        if q is not None and self.r.given(q):
            return self.r.describes_fact(q)  # 退您订单的86元 is given; "refund your ¥300 annual fee" names a fee
        slo, _ = self.t.sentence(start, end)
        return hits["fact"].any(lo, hi) or hits["fact"].any(max(slo, start - FACT_REACH), start)

    def asked(self, start: int, end: int) -> bool:
        slo, shi = self.t.sentence(start, end)
        tail = self.s[max(slo, shi - 2) : shi + 1]
        return ("?" in tail or "？" in tail) and not self.hits["offer_question"].any(slo, shi)


__all__ = ["REASON", "Reading", "Unread", "unread_offers"]
