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

Where reading stops, the net denies by default (round 6): what a clause that commits carries and no promise read
there consumed is held too — a free thing (白送, 包邮, "on the house", "you won't be charged"), an extra gift in a
clause of its own (再额外赔您…, "something extra on your account"), a time bound no time promise took (a day with no
"by": "we'll process it on Wednesday"; 十分钟后联系您; 一个小时就处理好), a scope of several orders beside a refund
read as this order's ("all your orders"), a membership tier granted with no period, a remedy given with no measure
(我们给您一些补偿), a coupon's validity the reading left out. These cues (lexicon residual_*) come after the measured
triggers, so a sentence is held by what it measures when it measures anything.

Every look-up is a bounded window around a trigger, and a sentence is judged once, so the net is linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Protocol

from drafting.domain.models import Commitment
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
_FREE = "something free"
_EXTRA = "an extra gift"
_SCOPE = "a refund or free order for more than this order"
_FUTURE = "a refund of an order to come"
_GOODS = "goods given in kind"
_MEMBER = "a membership granted"
_VALIDITY = "a coupon's validity"
VALIDITY_REACH = 14  # characters before a duration in which a validity word names it: "valid for", "good for", 有效期
_REMEDY = "a remedy with no measure"
# the residual cues that name something given (the net's default-deny for gifts the grammar could not read)
_GIVEN = (_FREE, _EXTRA, _SCOPE, _FUTURE, _MEMBER, _REMEDY, _GOODS)
# what a free or an extra cue is consumed by: a gift the grammar read in the same clause
_GIFT_TYPES = frozenset(("refund", "coupon", "compensation", "free_order", "membership_extension", "discount"))

_READER = re.compile(r"\s?(?:您|你)(?!好)|\s?(?<![a-z])(?:you|your|u)(?![a-z])")
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
# right after a duration: the action it bounds, with nothing between but 就 ("一个小时就给您处理好", 三天就到) or
# a cap ("20 minutes tops", "two hours max"): a bound, though no "within" marks it
_THEN_ACTION = re.compile(r"\s?(?:左右)?(?:就|便)|\s(?:tops|max|at most|or (?:less|sooner))(?![a-z])")
# between "X后" / "after X" and the action it puts off: 十分钟后(会)(给您)联系您
_AFTER_GAP = re.compile(r"\s?(?:左右)?(?:之后|以后|后)\s?(?:就|会|将|再)?\s?(?:给|为|帮)?(?:您|你)?\s?")
# between a time and the action it bounds: 十分钟(之内)(就)(会)(给您)联系您, 今晚就把钱…
_BOUND_GAP = re.compile(r"\s?(?:左右)?(?:之前|以前|之内|以内|前|内)?\s?(?:就|会|将|一定|肯定)?\s?(?:给|为|帮)?(?:您|你)?\s?")
# right before a clock time: the end of a window that started at another ("上午9点至下午5点", "9 a.m. to 5 p.m.")
_WINDOW_END = re.compile(r"(?:\d|点|am|pm|a\.m\.|p\.m\.)\s?(?:至|到|-|–|—|~|to|until|till)\s?(?:上午|下午|晚上|中午|早上)?$")
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

    def own_plan(self, lo: int, hi: int, slo: int, shi: int) -> bool: ...

    def done(self, lo: int, hi: int) -> bool: ...

    def that_day(self, d: Deadline) -> bool: ...

    def found_in(self, lo: int, hi: int) -> list[Commitment]: ...

    def pledged(self, lo: int, start: int, end: int | None = None) -> bool: ...


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
    # 当天 after a date already past ("5月6日…我们当天查明") is the day of that event, as the grammar read it
    told = [d for d in deadlines if not reading.that_day(d)]
    return _Net(reading).run(_triggers(reading.t, amounts, told, now, money_sent))


def _triggers(
    t: IndexedText, amounts: Iterable[Quantity], deadlines: Iterable[Deadline], now: datetime, money_sent: Callable[[Quantity], bool]
) -> list[_Trigger]:
    lex = lexicon()
    found: list[_Trigger] = []
    for q in amounts:
        what = _what(q, t, money_sent)
        if what is not None:
            found.append(_Trigger(q.start, q.end, what, q))
        elif q.kind in ("bare", "count") and q.value >= 1 and t.hits["residual_goods_after"].starts_at(q.end, 1):
            found.append(_Trigger(q.start, q.end, _GOODS, q))  # 送您两杯奶茶, "two nights in the suite"
    for d in deadlines:
        if d.due is not None and d.due.date() < now.date():
            continue  # the incident's dates, or anything already past
        marked = t.hits["before_after"].starts_at(d.end, 1) or t.hits["before_before"].ends_at(d.start, 3)
        # an unmarked date or clock time ("on Wednesday", 下午两点送过去) bounds an action like a relative day does:
        # loose, held only when an action of ours goes with it
        found.append(_Trigger(d.start, d.end, _TIME, loose=not marked))
    # multiples and shares written as words (双倍, triple, 半价, "a quarter off", 一半)
    for patterns, what in ((lex.multiple_words.values(), _MULTIPLE), ([*lex.fraction_off.values(), lex.patterns["half_price"]], _SHARE)):
        for pattern in patterns:
            found.extend(_Trigger(*m.span(), what) for m in pattern.finditer(t.s))
    found.extend(_Trigger(s, e, _SHARE) for s, e in t.hits["half_of"].spans)
    # the residual cues come after the measured triggers: a sentence held once is held by what it measures
    # (我们帮您出一半 holds the share, not the waiver verb)
    return sorted(found, key=lambda trigger: trigger.start) + sorted(_residual_cues(t), key=lambda trigger: trigger.start)


def _residual_cues(t: IndexedText) -> list[_Trigger]:
    """Free things (白送, 包邮, "on the house", "you won't be charged") and extras (额外, 再赔您, "an extra",
    "on top"): cues of a gift whatever words carry it. A waiver verb gives on its own (loose=False); a free word
    or an extra needs its clause to commit (loose=True). Idioms ("feel free", 免费热线) are no cue."""
    idioms = t.hits["free_idiom"]

    def idiom(s: int, e: int) -> bool:
        return any(ie > s for _, ie in idioms.within(max(0, s - 40), e))

    cues = [_Trigger(s, e, _FREE) for s, e in t.hits["residual_free_verb"].spans[:200] if not idiom(s, e)]
    cues += [_Trigger(s, e, _FREE, loose=True) for s, e in t.hits["residual_free_word"].spans[:200] if not idiom(s, e)]
    cues += [_Trigger(s, e, _EXTRA, loose=True) for s, e in t.hits["residual_extra"].spans[:200]]
    cues += [_Trigger(s, e, _SCOPE) for s, e in t.hits["residual_scope"].spans[:200]]
    cues += [_Trigger(s, e, _FUTURE) for s, e in t.hits["residual_future"].spans[:200]]
    cues += [_Trigger(s, e, _MEMBER) for s, e in t.hits["residual_member"].spans[:200]]
    # a coupon or compensation named in a clause that gives, with nothing read in it (我们给您一些补偿)
    for pattern in lexicon().residual_remedy.values():
        cues += [_Trigger(m.start(), m.end(), _REMEDY) for m in islice(pattern.finditer(t.s), 200)]
    return cues


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
        if _AFTER_TIME.match(t.s, q.end):
            # 十分钟后联系您: our action put off by a while is due then; 5分钟后再试, "2 days ago" are not
            return _TIME if _our_action_after(t, q.end) else None
        if t.hits["validity"].any(max(0, q.start - VALIDITY_REACH), q.start) or t.hits["validity"].starts_at(q.end, 2):
            return _VALIDITY  # "good for 90 days", 三个月内有效: how long a coupon lasts
        if _SPAN_BEFORE.search(t.s, max(0, q.start - 8), q.start):
            return None  # a span ("for 24 months", 前6个月)
        bounds = (
            q.low is not None
            or t.hits["within_after"].starts_at(q.end, 1)
            or t.hits["within_before"].ends_at(q.start, 8)
            or bool(_THEN_ACTION.match(t.s, q.end))
        )
        return _TIME if bounds else _PERIOD  # 3天内, within five minutes, 1-3个工作日 | 延期45天, "3 months of Premium"
    if q.kind == "bare":
        if lexicon().reward_unit_after.match(t.s, q.end):
            return _REWARD  # "5,000 bonus miles", 2000金币: the brand's own money
        return _MONEY if money_sent(q) else None  # 给您打500过去, 转您两百, "send you 200"
    return None


def _our_action_after(t: IndexedText, end: int, after_wait: bool = True) -> bool:
    """A reply, a contact or a processing word right after a wait (十分钟后联系您, 两小时后给您回电) or, with
    `after_wait` off, right after a time (专员十分钟内联系您, 今晚就把钱转过去): the time bounds our action."""
    gap = (_AFTER_GAP if after_wait else _BOUND_GAP).match(t.s, end)
    if gap is None:
        return False
    return t.hits["response"].starts_at(gap.end(), 0) or t.hits["processing"].starts_at(gap.end(), 0)


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
            residual = self.residual_unread(trigger)
            if residual is not None:  # a residual cue is judged by its own rule, and only by it
                if residual and not self.fact(trigger):
                    unread.append(self.unread(trigger, LEFTOVER if trigger.what == _VALIDITY else ""))
                    judged.add(piece)
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
            if self.only_qualifies(lo, hi, trigger.start, trigger.end):
                lo, hi = self.t.sentence(trigger.start, trigger.end)  # 给您退款，双倍哦: the word qualifies its sentence
            return self.money_sense(lo, hi)
        if trigger.what == _TIME:
            lo, hi = self.t.clause(trigger.start, trigger.end)
            if self.hits["until"].any(max(lo, trigger.start - 8), min(hi, trigger.end + 4)):
                return False  # "30% off until Dec 1": how long an offer runs, read with the offer
            # a date or a day with no "by" ("Refund will be completed on December 1st") beside a promise read
            # without it is the time of that promise, unread — when an action of ours goes with it
            # ("Dinner's on us tonight", 今晚房费减免一半, "20% off this week" say when the gift applies, not when we act)
            if not trigger.loose:
                return bool(self.r.claimed.starting_in(lo, hi))
            acts = (
                self.hits["processing"].any(lo, hi) or self.hits["response"].any(lo, hi) or _our_action_after(self.t, trigger.end, after_wait=False)
            )
            return bool(self.r.claimed.starting_in(lo, hi)) and acts and self.offered(trigger)
        if trigger.what == _PERIOD:  # 送您会员一个月，再加送一周: a second period granted beside the one read
            lo, hi = self.t.clause(trigger.start, trigger.end)
            if _TOTAL.search(self.s, lo, hi):
                return False  # 加上原来的一共三个月, "4 months in total": the sum of what was read, said again
            return self.commits(lo, hi) or self.hits["granting"].any(lo, hi)
        return False

    def residual_unread(self, trigger: _Trigger) -> bool | None:
        """Whether a residual cue is left unread where it stands (None: the trigger is no residual cue)."""
        if trigger.what == _VALIDITY:
            return self.validity_unread(trigger)
        if trigger.what in (_SCOPE, _FUTURE):
            return self.scope_beyond(trigger)
        if trigger.what == _MEMBER:
            return not self.gift_read_with(trigger) and self.member_granted(trigger)
        if trigger.what in _GIVEN:
            return not self.gift_read_with(trigger) and self.residual_offered(trigger)
        return None

    def only_qualifies(self, lo: int, hi: int, start: int, end: int, slack: int = 0) -> bool:
        """Does the clause lo:hi hold little besides the span start:end (，双倍哦; "…, on the house")? Such a
        clause only qualifies its sentence, which is then what the span is read with."""
        return len(self.s[lo:hi].strip()) - (end - start) <= SHORT_CLAUSE + slack

    def gift_read_with(self, trigger: _Trigger) -> bool:
        """A free or an extra cue is consumed by a gift the grammar read in its clause (in its sentence, when the
        clause is no more than the cue: "…, on the house")."""
        lo, hi = self.t.clause(trigger.start, trigger.end)
        if self.only_qualifies(lo, hi, trigger.start, trigger.end):
            lo, hi = self.t.sentence(trigger.start, trigger.end)
        elif hi < len(self.s) and self.hits["apposition"].starts_at(hi + 1, 1):
            hi = self.t.clause(hi + 1, hi + 1)[1]  # 年费给您免了，共计680元: the next clause names what is waived
        if trigger.what in (_REMEDY, _GOODS):
            # 发一张20元券，券于12月3日前发放: the remedy named again; 准备了一份小礼物，价值99元: the gift's value read
            lo, hi = self.t.sentence(trigger.start, trigger.end)
        found = self.r.found_in(lo, hi)
        # a promise read here and then dropped (a colleague's words corrected, a demand declined) took its cues along
        dropped = len(self.r.claimed.starting_in(lo, hi)) > len(found)
        return dropped or any(c.type in _GIFT_TYPES for c in found) or bool(self.r.claimed.starting_in(trigger.start, trigger.end))

    def validity_unread(self, trigger: _Trigger) -> bool:
        """A validity beside a coupon read without one ("a coupon good for 90 days"): the term no rule may allow."""
        lo, hi = self.t.sentence(trigger.start, trigger.end)
        coupons = [c for c in self.r.found_in(lo, hi) if c.type == "coupon"]
        return bool(coupons) and all(c.valid_days is None for c in coupons)

    def scope_beyond(self, trigger: _Trigger) -> bool:
        """ "We'll refund all your orders", 您之前的订单都给您免单: a refund or a free order read in the clause of a
        scope of several orders, which the reading took as this order's."""
        lo, hi = self.t.clause(trigger.start, trigger.end)
        found = self.r.found_in(lo, hi)
        if trigger.what == _FUTURE:  # the refund is of the order to come only when nothing else given there could be
            gifts = {c.type for c in found if c.type in _GIFT_TYPES}
            return gifts == {"refund"}  # ("refund the rice and 30% off next time": the discount is next time's)
        return any(c.type in ("refund", "free_order", "compensation", "discount", "coupon") for c in found)

    def member_granted(self, trigger: _Trigger) -> bool:
        """A verb of granting in the clause of a membership or a tier (升级为黑金会员, "extended through June"); a
        grant done is still the promise a reviewer must check ("we've added a month"), so the past is no fact here."""
        lo, hi = self.t.clause(trigger.start, trigger.end)
        return self.hits["residual_grant"].any(lo, hi)

    def residual_offered(self, trigger: _Trigger) -> bool:
        """A waiver verb gives by itself; a free word needs a clause that commits; an extra needs a clause that
        commits, gives and names something of value (再额外赔您一单的钱, "add something extra to your account")."""
        lo, hi = self.t.clause(trigger.start, trigger.end)
        if self.only_qualifies(lo, hi, trigger.start, trigger.end):
            lo, hi = self.t.sentence(trigger.start, trigger.end)
        if trigger.what == _FREE:
            return not trigger.loose or self.commits(lo, hi) or self.hits["future_order"].any(lo, hi)
        if trigger.what == _REMEDY:
            # "李悦会联系您，专门答复补偿的问题": compensation is what a person will talk about, not what is given
            if self.hits["residual_topic"].any(lo, hi):
                return False
            to_someone = self.hits["giving"].any(lo, hi) or self.hits["receiving"].any(lo, hi) or self.hits["people"].any(lo, hi)
            return self.commits(lo, hi) and (to_someone or _READER.search(self.s, lo, hi) is not None)
        if trigger.what == _GOODS:  # given to the reader: 给您送两杯, "send you two drinks" (拍2组送2包 is a promotion's rule)
            return any(_READER.match(self.s, e, min(hi, e + 3)) or _READER.search(self.s, s, e) for s, e in self.hits["giving"].within(lo, hi))
        gives = self.hits["giving"].any(lo, hi) or self.remedy_in(lo, hi)
        return self.commits(lo, hi) and gives and (self.hits["residual_value"].any(lo, hi) or self.remedy_in(lo, hi))

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
            if self.only_qualifies(lo, hi, start, end, slack=2):
                lo, hi = self.t.sentence(start, end)  # ", 20 minutes tops": a clause that is only the bound bounds its sentence
            # a marked bound on an arrival or a reply needs no "will" ("Money's back in 24 hrs", 退款两小时到账)
            arrives = not trigger.loose and (hits["processing"].any(lo, hi) or hits["response"].any(lo, hi))
            if (
                not arrives
                and not self.commits(lo, hi)
                and not _our_action_after(self.t, end)
                and not _our_action_after(self.t, end, after_wait=False)
            ):
                return False  # 今天是会员日, "the queue today": when something is, not a time we commit to
            if trigger.loose:  # 今晚(会)到 | "we'll have your refund back to you today"
                action = hits["action_after"].starts_at(_ACTION_GAP.match(self.s, end).end(), 0)  # type: ignore[union-attr]
                return action or hits["processing"].any(lo, hi) or hits["response"].any(lo, hi) or self.remedy_in(lo, hi)
            return True
        slo, shi = self.t.sentence(start, end)
        speaks = hits["offer"].any(slo, shi) or self.commits(slo, shi) or self.remedy_in(slo, shi)
        if trigger.what == _REWARD:  # given, not a balance (您账户里现在有1200积分); 积分 itself is a coupon word
            return self.commits(lo, hi) or self.remedy["refund"].any(lo, hi) or self.remedy["compensation"].any(lo, hi) or self.r.pledged(lo, start)
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
        if self.r.own_plan(lo, hi, slo, shi) or hits["instruction"].any(slo, shi) or hits["past_time"].any(slo, shi):
            return True  # our own work plan; what the customer is asked to do; a sentence about an earlier day
        if hits["habitual"].any(lo, hi) or hits["habitual"].any(slo, shi) and not hits["commit"].any(lo, hi):
            return True  # what usually happens (通常2到4个工作日), unless its own clause commits
        if hits["demand"].any(lo, hi):
            return True
        if (hits["time_fact"].any(lo, hi) or hits["past"].any(lo, hi) and trigger.what != _MEMBER) and (
            trigger.what == _TIME or not self.r.pledged(lo, start, end)
        ):
            return True  # lateness, a condition or the past states a fact — unless the writer pledges the remedy it explains
        if trigger.what == _TIME and self.r.done(lo, hi):
            return True  # "on 1 April we withdrew the 7–9 a.m. slot": when something happened, not a bound to come
        if trigger.what == _TIME and _WINDOW_END.search(self.s, max(0, start - 8), start) and hits["service_hours"].any(slo, shi):
            return True  # 工作时间为…上午9点至下午5点: the end of the hours someone answers, not a deadline
        if trigger.what in (_TIME, _PERIOD, _VALIDITY):
            return hits["money_fact"].any(lo, hi)
        if trigger.what in _GIVEN:
            if any(e <= start or s >= end for s, e in hits["negation"].within(lo, hi)):
                return True  # "coupons will no longer be sent", 我们无法额外补偿: refused (a waiver's own "won't" is the gift)
            # free above a threshold or as a rule of a promotion (满99包邮, "free on orders over 50"), done before
            threshold = hits["threshold_before"].any(lo, hi) or hits["threshold_after"].any(lo, hi)
            return threshold or hits["money_fact"].any(lo, hi) or hits["completed"].any(lo, hi) or hits["rate"].any(lo, hi)
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


# what an "extra" cue the net holds is called, for the guard that excuses one introducing a decision said word for word
EXTRA_GIFT = _EXTRA

__all__ = ["EXTRA_GIFT", "REASON", "Reading", "Unread", "unread_offers"]
