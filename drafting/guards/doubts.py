"""Round 7: a promise the guard read but cannot be sure it read right is held, not backed by a loose match.

The judge backs a reading by its type and measure: a processing deadline of four days passes a rule of three
("promising 5 days when policy says 3 is honest"). That is only sound when the reading is what the sentence
promises. When the words around a reading say it may be of another kind — the deadline times the repair of a fault
("we'll have the outage fixed by Thursday", 系统故障下周内修复), which no rule times — the match is loose, and the
guard denies by default: the promise is held with the reason, for a person to check against policy.

The same holds when the words say the measure may be wrong: a second candidate in the sentence that no promise took
("within 3 days, or 5 at most", "86 yuan — call it 100", 会员一个月，再送一个), or a qualifier the reading left out (a
membership tier given beside a period: 补您一个月会员，再给您升级成黄金会员).

Each look is one sentence around one promise or one quantity, so the pass is linear in what was found.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from decimal import Decimal
from itertools import islice
from typing import Protocol

from drafting.domain.models import Commitment
from drafting.guards.promise_text import IndexedText, Quantity, SpanSet

FIX_TIME = "a time for repairing a fault (“{word}”): no rule sets one — promise a fix date only when engineering has committed to it"
TIER = "a membership tier (“{word}”) beside the period: no rule grants a tier — promise the extension as the rule states it"
SECOND = "a second {what} (“{word}”) in the sentence that no promise took: which is promised is unclear — say one, as a rule states it"
TERMS = "a coupon whose {what} (“{word}”) the reading left out: the rule's coupon has its own — promise it as the rule states it"
DELIVERY = "a delivery time for goods (“{word}”): the processing rule times money, not a courier — promise a delivery date only when the store or carrier has committed to it"
POINTS = "a grant in the brand's reward units (“{word}”): the rule's coupon is a coupon, and no rule grants points — promise the coupon as the rule states it"
SCOPE = "a refund beside more than this order (“{word}”): the rule refunds the ticket's order — promise that, and hand the rest to a person"
TIMES = ("processing_deadline", "response_time")
# the promises a second sum can belong to
MEASURED = frozenset(("refund", "coupon", "compensation", "membership_extension", "free_order", "discount", *TIMES))
POINTS_BEFORE, POINTS_AFTER = 30, 12  # characters around a coupon's sum in which reward units name what it is worth
_WORTH_BETWEEN = re.compile(r"\b(?:worth|valued at|about|around|roughly|that's|which is)\b|价值|相当于|折合|约合|约|等于|抵")
VALIDITY_REACH = 14  # characters before a duration in which a validity word names it ("valid for 60 days")
# what a clause may hold besides a bound and still only qualify its sentence ("…, or 5 days at most", "或者最多5天")
_ONLY_A_BOUND = re.compile(r"(?:\s|[,，、]|or|and|then|up to|at most|at the latest|tops|max|within|in|或者?|最多|最晚|最迟|之内|以内|内|前)*")
QUANTITIES = 400  # quantities looked at: a text of ten thousand numbers costs no more than a long reply
# a bound said after a duration ("5 days at most", "10 minutes tops")
_CAP_AFTER = re.compile(r"\s(?:tops|max|at most|at the latest|or less|or sooner)(?![a-z])")


class Reading(Protocol):
    """What the doubts need of the grammar's reading (the commitment guard's extractor)."""

    t: IndexedText
    original: str
    found: list[Commitment]
    found_at: SpanSet  # normalised span of each promise → its index in found
    taken: SpanSet  # normalised spans read as part of a promise or a fact
    amounts: list[Quantity]  # every quantity in the text, in order

    def found_in(self, lo: int, hi: int) -> list[Commitment]: ...


def doubts(reading: Reading, minutes: Callable[[Decimal, str], Decimal]) -> dict[tuple[int, int], str]:
    """The promises read with a measure the judge would back by a loose match: their original spans → why.
    `minutes` converts a duration to minutes (a time said again in other units is the same time)."""
    out: dict[tuple[int, int], str] = {}
    seen: set[int] = set()
    for bucket in reading.found_at.buckets.values():
        for start, end, index in bucket:
            if index in seen:
                continue
            seen.add(index)
            c = reading.found[index]
            reason = (
                _fix_time(reading, c, start, end)
                or _delivery_time(reading, c, start, end)
                or _tier_beside(reading, c, start, end)
                or _coupon_terms_unread(reading, c, start, end)
                or _paid_in_points(reading, c, start, end)
                or _refund_beyond_the_order(reading, c, start, end)
            )
            if reason is not None:
                out[(c.start, c.end)] = reason
    for q in islice(reading.amounts, QUANTITIES):
        for c, reason in _second_candidate(reading, q, minutes):
            out.setdefault((c.start, c.end), reason)
    return out


def _fix_time(reading: Reading, c: Commitment, start: int, end: int) -> str | None:
    """A processing deadline in a clause about repairing a fault, with no remedy in it: the time of a fix, which
    the rule of days for processing a refund or a coupon does not cover ("the glitch will be fixed within a week";
    but "we'll fix the refund by Friday" times the refund)."""
    if c.type != "processing_deadline":
        return None
    t = reading.t
    lo, hi = t.clause(start, end)
    repair = t.hits["repair_work"].within(lo, hi)
    if not repair or any(h.any(lo, hi) for h in t.remedy.values()) or t.hits["replacement"].any(lo, hi):
        return None
    word_start, word_end = t.norm.span(*repair[0])
    return FIX_TIME.format(word=reading.original[word_start:word_end])


def _delivery_time(reading: Reading, c: Commitment, start: int, end: int) -> str | None:
    """A processing deadline in a clause about goods travelling to the customer, with no money arriving in it: a
    delivery date ("the replacement reaches you by the 5th", 补发的商品下周三前寄出). The rule of days for processing
    a refund backs it only by a loose match (a later date than the rule's reads as "slower, so safe"), yet no rule
    promises when a courier arrives; "the refund reaches you by Friday" or 钱周三前到 still times money."""
    if c.type != "processing_deadline":
        return None
    t = reading.t
    lo, hi = t.clause(start, end)
    goods = t.hits["goods_delivery"].within(lo, hi)
    if not goods or t.hits["money_arrival"].any(lo, hi) or any(h.any(lo, hi) for h in t.remedy.values()):
        return None
    return DELIVERY.format(word=_span(reading, *goods[0]))


def _tier_beside(reading: Reading, c: Commitment, start: int, end: int) -> str | None:
    """A membership period read with a tier given in its sentence that the reading left out (补您一个月会员，再给您
    升级成黄金会员): the rule extends the membership the customer has, it grants no tier."""
    if c.type != "membership_extension":
        return None
    t = reading.t
    slo, shi = t.sentence(start, end)
    tier = t.hits["member_tier"].within(slo, shi)
    if not tier:
        return None
    word_start, word_end = t.norm.span(*tier[0])
    return TIER.format(word=reading.original[word_start:word_end])


def _refund_beyond_the_order(reading: Reading, c: Commitment, start: int, end: int) -> str | None:
    """A refund read as this order's while its sentence also refunds more ("订单退款，会员费也退给您", "this order and
    last week's"): the rule refunds the ticket's order; another order or a fee beside it is no part of it."""
    if c.type not in ("refund", "free_order"):
        return None
    t = reading.t
    slo, shi = t.sentence(start, end)
    # (a fee the refund's own words took is what it refunds: "refund the membership fee" is no refund of the order)
    beyond = t.hits["residual_scope"].within(slo, shi) + t.hits["refund_beyond"].within(slo, shi)
    if not beyond:
        return None
    return SCOPE.format(word=_span(reading, *beyond[0]))


def _coupon_terms_unread(reading: Reading, c: Commitment, start: int, end: int) -> str | None:
    """A coupon read with no validity while its sentence names one ("good till the end of next year", 有效期到明年底):
    a term of the coupon said in words the reading did not take, which no rule's validity can be checked against."""
    if c.type != "coupon":
        return None
    t = reading.t
    slo, shi = t.sentence(start, end)
    if c.valid_days is None and t.hits["validity"].any(slo, shi) and not t.hits["open_validity"].any(slo, shi):
        word = t.hits["validity"].within(slo, shi)[0]
        return TERMS.format(what="validity", word=_span(reading, *word))
    return None


def _paid_in_points(reading: Reading, c: Commitment, start: int, end: int) -> str | None:
    """A coupon read from the money reward units are worth ("1,000 bonus points (worth ¥10)", 1.5万积分，价值150元):
    the sum may be no more than the rule's coupon, but points are another thing than the coupon the rule grants
    (how they are spent, when they lapse, whether they can be cashed), and independent readers split on whether
    the rule backs them. Default-deny: held for a person, not backed by a loose match."""
    if c.type != "coupon":
        return None
    t = reading.t
    slo, shi = t.sentence(start, end)
    clo, chi = t.clause(start, end)
    # the units in the sum's own clause ("¥10 in points", 10元积分, "2,500 reward points (about ¥25)"), or named just
    # before a worth word that leads to the sum ("1.5万积分，价值150元"); a coupon with points mentioned elsewhere in
    # its sentence, as a fact about them, is still the rule's coupon
    for u_start, u_end in t.hits["reward_noun_before"].within(max(slo, start - POINTS_BEFORE), min(shi, end + POINTS_AFTER)):
        if (clo <= u_start and u_end <= chi) or (u_end <= start and _WORTH_BETWEEN.search(t.s, u_end, start)):
            return POINTS.format(word=_span(reading, u_start, u_end))
    return None


def unread_minimum_spends(reading: Reading) -> dict[tuple[int, int], Decimal]:
    """Coupons read with no minimum spend while their sentence names a threshold sum the reading did not take
    (200元起用, "one 20-yuan coupon, for orders over 99 yuan"): their original spans → that sum. The coupon is
    judged with it — the rule's coupon may have that very threshold, or none."""
    out: dict[tuple[int, int], Decimal] = {}
    seen: set[int] = set()
    for bucket in reading.found_at.buckets.values():
        for start, end, index in bucket:
            c = reading.found[index]
            if index in seen or c.type != "coupon" or c.min_spend is not None:
                continue
            seen.add(index)
            slo, shi = reading.t.sentence(start, end)
            threshold = next((q for q in _money_in(reading, slo, shi) if _threshold(reading, q)), None)
            if threshold is not None:
                out[(c.start, c.end)] = threshold.value
    return out


def _threshold(reading: Reading, q: Quantity) -> bool:
    t = reading.t
    if reading.taken.overlaps(q.start, q.end):
        return False
    return t.hits["threshold_before"].ends_at(q.start, 3) or t.hits["threshold_after"].starts_at(q.end, 2)


def _money_in(reading: Reading, lo: int, hi: int) -> list[Quantity]:
    """The sums starting in [lo, hi), found by bisection (the quantities are in text order): a look near one coupon
    costs the same however many numbers the text holds."""
    amounts = reading.amounts
    first, last = bisect_left(amounts, lo, key=lambda q: q.start), bisect_left(amounts, hi, key=lambda q: q.start)
    return [q for q in amounts[first:last] if q.kind in ("money", "bare")]


def _span(reading: Reading, start: int, end: int) -> str:
    o_start, o_end = reading.t.norm.span(start, end)
    return reading.original[o_start:o_end]


def _second_candidate(reading: Reading, q: Quantity, minutes: Callable[[Decimal, str], Decimal]) -> list[tuple[Commitment, str]]:
    """A quantity no promise took, in the sentence of promises it could measure instead: a bound time beside a time
    promise ("within 3 days, or 5 days at most"), or a bare number or a count said as a second sum or grant
    ("another 30", "call it 100", 再送您一张). The promises it could belong to are in doubt."""
    t = reading.t
    if reading.taken.overlaps(q.start, q.end):
        return []
    slo, shi = t.sentence(q.start, q.end)
    if q.kind == "duration" and q.unit is not None and _bounds(t, q):
        lo, hi = t.clause(q.start, q.end)
        said = minutes(q.value, q.unit)
        # a clause that is little more than the bound ("…, or 5 days at most") qualifies its sentence; a bound in a
        # clause of its own is a promise of its own (退款3天内完成，客服5分钟内响应) or a condition ("reported within
        # 24 hours"), read or not
        alone = bool(_ONLY_A_BOUND.fullmatch(t.s[lo : q.start] + " " + t.s[q.end : hi]))
        scope = (slo, shi) if alone else (lo, hi)
        times = [c for c in reading.found_in(*scope) if c.type in TIMES and c.unit not in (None, "deadline")]
        doubted = [c for c in times if c.amount is not None and c.unit is not None and minutes(c.amount, c.unit) != said]
        return [(c, SECOND.format(what="time", word=_said(reading, q))) for c in doubted]
    if q.kind in ("bare", "count", "percent") and _said_as_second(t, q) and not t.hits["residual_goods_after"].starts_at(q.end, 1):
        # (再补送一份: goods given beside the promise, which the net reads, not a second sum)
        measured = [c for c in reading.found_in(slo, q.start) if c.type in MEASURED]
        return [(c, SECOND.format(what="amount", word=_said(reading, q))) for c in measured]
    return []


def _bounds(t: IndexedText, q: Quantity) -> bool:
    """The duration is a bound (within 5 minutes, 5天内, "5 days at most"), not a validity or a span."""
    if t.hits["validity"].any(max(0, q.start - VALIDITY_REACH), q.start) or t.hits["validity"].starts_at(q.end, 2):
        return False
    return t.hits["within_before"].ends_at(q.start, 8) or t.hits["within_after"].starts_at(q.end, 1) or bool(_CAP_AFTER.match(t.s, q.end))


def _said_as_second(t: IndexedText, q: Quantity) -> bool:
    """A bare number said as another sum or a changed one: "another 30", "call it 100", "make it 100", 再送一个."""
    return t.hits["second_amount_before"].ends_at(q.start, 2) or t.hits["second_amount_after"].starts_at(q.end, 1)


def _said(reading: Reading, q: Quantity) -> str:
    return _span(reading, q.start, q.end)


__all__ = ["doubts", "unread_minimum_spends"]
