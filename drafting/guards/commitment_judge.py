"""Judging a promise against what the customer is entitled to: backed (naming the rule), exceeds (more than
the rule allows — naming it) or unbacked (nothing grants anything like it, or it cannot be judged).

Default-deny: a currency the policy book does not pay in, an amount with no order to compare it to, a
deadline that cannot be resolved, a discount, cash compensation or a free order without a free-order rule
are all unbacked, with a reason a reviewer can act on.
"""

from __future__ import annotations

from decimal import Decimal

from drafting.domain.models import Commitment
from knowledge.policy import Remedy

BOOK_CURRENCY = "CNY"
# a membership period in months, whatever unit the draft wrote it in (a month counts as 30 days)
MEMBERSHIP_MONTHS = {"days": Decimal(1) / 30, "weeks": Decimal(7) / 30, "months": Decimal(1), "years": Decimal(12)}


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _span(minutes: Decimal) -> str:
    """A duration as a reviewer reads it: 5 minutes, 2 hours, 3 days."""
    for size, name in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size or size == 1:
            value = (minutes / size).quantize(Decimal("0.1")).normalize()
            value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value
            return f"{value:f} {name}{'' if value == 1 else 's'}"
    return ""  # pragma: no cover


def _said(c: Commitment) -> str:
    """What the draft promised, in the reviewer's words."""
    if c.unit == "deadline":
        return f"a {c.type.replace('_', ' ')} “{c.deadline}”"
    if c.unit in ("percent", "multiple"):
        return f"a {c.type.replace('_', ' ')} of {_money(c.amount)}{'%' if c.unit == 'percent' else '× the price'}"
    if c.type in ("refund", "compensation", "coupon") and c.amount is not None:
        return f"a {_money(c.amount)} {c.currency or c.unit or '(no currency)'} {c.type}"
    return f"a {c.type.replace('_', ' ')}"


class _Judge:
    def __init__(self, c: Commitment, entitled: list[Remedy], order_amount: Decimal | None) -> None:
        self.c, self.entitled, self.order_amount = c, entitled, order_amount

    def backed(self, remedy: Remedy) -> Commitment:
        return self.c.model_copy(update={"status": "backed", "backing": remedy.rule_id, "reason": ""})

    def refused(self, status: str, reason: str) -> Commitment:
        return self.c.model_copy(update={"status": status, "reason": reason, "backing": None})

    def of(self, *types: str) -> list[Remedy]:
        return [r for r in self.entitled if r.type in types]

    def names(self, *types: str) -> str:
        return ", ".join(sorted({r.rule_id for r in self.of(*types)})) or "none"

    def verdict(self) -> Commitment:
        c = self.c
        if c.type == "unrecognised":  # the last net's finding: nothing can back what could not be read
            return self.refused("unbacked", c.reason or "a promise the guard could not read: check it against policy")
        money_like = c.type in ("refund", "compensation", "coupon") and c.unit not in ("percent", "multiple")
        if money_like and c.amount is not None and c.currency is None:
            return self.refused("unbacked", f"{_said(c)}: the amount names no currency, so no rule can be matched to it")
        if c.currency and c.currency != BOOK_CURRENCY:
            return self.refused("unbacked", f"{_said(c)}: the policy book pays in {BOOK_CURRENCY} only, so nothing backs a promise in {c.currency}")
        if c.type == "discount":
            return self.refused("unbacked", f"{_said(c)}: no rule grants a discount (refund rules that apply: {self.names('refund', 'free_order')})")
        if c.unit == "multiple":
            return self.multiple()
        if c.type == "refund" and c.unit == "percent":
            return self.percent_refund()
        if c.type == "compensation" and c.unit == "percent":
            return self.refused("unbacked", f"{_said(c)}: no rule grants compensation as a percentage")
        if c.type == "free_order" and c.unit not in (None, "orders"):
            return self.refused("unbacked", f"a free service for {_money(c.amount)} {c.unit}: no rule grants a free period")
        if c.type == "free_order":
            return self.free_orders()
        if c.type == "compensation":
            return self.compensation()
        if c.type == "refund" and c.scope is None and c.amount is None:  # "按剩余会员期退款": a refund, as the rule says
            refunds = self.of("refund", "free_order")
            return self.backed(refunds[0]) if refunds else self.refused("unbacked", "a refund: no rule grants a refund for this ticket")
        # a partial refund of a named sum is still held to the rule's limit (a 50% rule, an item-only rule)
        if c.type in ("refund", "free_order", "compensation") and (c.scope != "partial" or c.amount is not None):
            return self.refund_or_compensation()
        if c.type == "refund":
            refunds = self.of("refund", "free_order")
            return self.backed(refunds[0]) if refunds else self.refused("unbacked", "a partial refund: no rule grants a refund for this ticket")
        if c.type == "coupon":
            return self.coupon()
        if c.type in ("processing_deadline", "response_time"):
            return self.time()
        if c.type == "membership_extension":
            return self.membership()
        return self.refused("unbacked", f"{_said(c)}: no rule backs this promise")

    def full_refunds(self) -> list[Remedy]:
        return [r for r in self.of("refund", "free_order") if r.type == "free_order" or r.scope == "full"]

    def multiple(self) -> Commitment:
        c, full = self.c, self.full_refunds()
        if not full:
            return self.refused("unbacked", f"{_said(c)}: no rule grants a full refund, let alone a multiple of the price")
        if c.amount is not None and c.amount > 1:
            return self.refused("exceeds", f"{_said(c)}: rule {full[0].rule_id} refunds the price once, not {_money(c.amount)} times")
        return self.backed(full[0])

    def percent_refund(self) -> Commitment:
        c, full = self.c, self.full_refunds()
        refunds = self.of("refund", "free_order")
        if c.amount is not None and c.amount > 100:
            best = full[0].rule_id if full else self.names("refund")
            return self.refused("exceeds" if refunds else "unbacked", f"{_said(c)}: more than the price; rule {best} refunds at most the order")
        if c.amount is not None and c.amount >= 100:
            return self.backed(full[0]) if full else self.refused("unbacked", "a full refund: no rule grants a full refund for this ticket")
        fitting = [r for r in refunds if r in full or (r.percent or 0) >= (c.amount or 0)]
        if fitting:
            return self.backed(fitting[0])
        if refunds:
            return self.refused("exceeds", f"{_said(c)}: rule {refunds[0].rule_id} grants {refunds[0].percent}%")
        return self.refused("unbacked", f"{_said(c)}: no rule grants a refund for this ticket")

    def refund_or_compensation(self) -> Commitment:
        c = self.c
        refunds = self.of("refund", "free_order")
        full = self.full_refunds()
        if c.type == "compensation" and c.amount is not None:
            coupons = [r for r in self.of("coupon") if r.amount is not None and r.amount >= c.amount]
            if coupons:
                return self.backed(coupons[0])
        if (c.type != "compensation" and c.scope != "partial" and not full) or (c.type == "compensation" or c.scope == "partial") and not refunds:
            what = _said(c) if c.amount is not None else "a full refund or a free order"
            return self.refused(
                "unbacked",
                f"{what}: no rule grants a full refund or a free order for this ticket (refund rules that apply: {self.names('refund', 'free_order')})",
            )
        remedy = (full or refunds)[0]
        if c.applies_to == "order" and remedy.applies_to == "item" and not any(r.applies_to == "order" for r in full):
            return self.refused("exceeds", f"a refund of the whole order: rule {remedy.rule_id} refunds only the affected item")
        if c.amount is not None:
            if self.order_amount is None:
                return self.refused(
                    "unbacked",
                    f"the draft names {_money(c.amount)} CNY but the ticket has no order amount to check it against (rule {remedy.rule_id})",
                )
            limit = self.order_amount if remedy in full else self.order_amount * Decimal(remedy.percent or 0) / 100
            if c.amount > limit:
                return self.refused(
                    "exceeds", f"{_money(c.amount)} CNY is more than rule {remedy.rule_id} allows for this order ({_money(limit)} CNY)"
                )
        return self.backed(remedy)

    def compensation(self) -> Commitment:
        """Money paid on top (赔您86元, an extra $100): no rule of the book pays cash; name what is close."""
        c = self.c
        close = [f"coupon {_money(r.amount)} CNY ({r.rule_id})" for r in self.of("coupon")] + [
            f"refund ({r.rule_id})" for r in self.of("refund", "free_order")
        ]
        # a sum the grammar knows it cannot name (a price match) says why, in the grammar's words
        said = c.reason.split(": no rule")[0] if c.amount is None and c.reason else _said(c)
        return self.refused(
            "unbacked", f"{said}: no rule grants cash compensation; what this ticket may get instead: {', '.join(close) or 'nothing'}"
        )

    def free_orders(self) -> Commitment:
        """A free order (免单, "on us") or free future orders: only a free-order rule backs it — a refund rule
        gives the money back, it does not make orders free."""
        c = self.c
        granted = self.of("free_order")
        if not granted:
            return self.refused(
                "unbacked",
                f"a free order{f' ({_money(c.amount)} orders)' if c.amount else ''}: no rule grants a free order for this ticket (refund rules that apply: {self.names('refund')})",
            )
        if (c.amount or 1) > 1:
            return self.refused("exceeds", f"{_money(c.amount)} free orders: rule {granted[0].rule_id} grants one")
        return self.backed(granted[0])

    def coupon(self) -> Commitment:
        c = self.c
        coupons = sorted((r for r in self.of("coupon") if r.amount is not None), key=lambda r: r.amount or 0)
        if not coupons:
            return self.refused("unbacked", f"{_said(c)}: no rule grants a coupon for this ticket")
        if c.amount is None:  # "we'll add a coupon": the value is the rule's; as many as the rules grant
            if (c.count or 1) > len(coupons):
                granted = ", ".join(r.rule_id for r in coupons)
                return self.refused("exceeds", f"{c.count} coupons: the rules for this ticket grant {len(coupons)} (rule {granted})")
            # "we've extended your coupon by 60 days": no value named, but a term the rules must allow
            lasting = [r for r in coupons if not c.valid_days or not r.valid_days or r.valid_days >= c.valid_days]
            if not lasting:
                best = max(coupons, key=lambda r: r.valid_days or 0)
                return self.refused(
                    "exceeds", f"a coupon valid {c.valid_days} days is longer than rule {best.rule_id} allows ({best.valid_days} days)"
                )
            return self.backed(lasting[0])
        fitting = [r for r in coupons if r.amount is not None and r.amount >= c.amount]
        if not fitting:
            best = coupons[-1]
            return self.refused("exceeds", f"a {_money(c.amount)} CNY coupon is more than rule {best.rule_id} allows ({_money(best.amount)} CNY)")
        if (c.count or 1) > 1:
            return self.refused("exceeds", f"{c.count} coupons of {_money(c.amount)} CNY: rule {fitting[0].rule_id} grants one")
        if c.min_spend:
            # a coupon on other terms is another coupon: 满60减25 is not the rule's 25-yuan coupon with no
            # threshold (the customer could not use it on a small order), so promise it as the rule states it
            same_terms = [r for r in fitting if (r.min_spend or 0) == c.min_spend]
            if not same_terms:
                rule = fitting[0]
                terms = f"a minimum spend of {_money(rule.min_spend)} CNY" if rule.min_spend else "no minimum spend"
                return self.refused(
                    "exceeds",
                    f"a coupon of {_money(c.amount)} CNY off a spend of {_money(c.min_spend)} CNY: rule {rule.rule_id}'s coupon has {terms} (promise it as the rule states it)",
                )
            fitting = same_terms
        long_enough = [r for r in fitting if not c.valid_days or not r.valid_days or r.valid_days >= c.valid_days]
        chosen = (long_enough or fitting)[0]
        if c.valid_days and chosen.valid_days and c.valid_days > chosen.valid_days:
            return self.refused("exceeds", f"valid {c.valid_days} days is longer than rule {chosen.rule_id} allows ({chosen.valid_days} days)")
        return self.backed(chosen)

    def time(self) -> Commitment:
        # A time promise is backed by a rule that commits to the same time or faster: promising 5 days when
        # policy says 3 is honest; promising 1 day when policy says 3 is not.
        c = self.c
        measure = "days" if c.type == "processing_deadline" else "minutes"
        limits = [r for r in self.of(c.type) if getattr(r, measure) is not None]
        promised = c.amount
        if c.unit == "deadline":
            if c.deadline_days is None:
                return self.refused("unbacked", f"{_said(c)}: the deadline cannot be resolved to a date, so it cannot be checked against any rule")
            promised = c.deadline_days if measure == "days" else c.deadline_days * 1440
        fitting = [r for r in limits if promised is not None and Decimal(getattr(r, measure)) <= promised]
        if fitting:
            return self.backed(fitting[0])
        what = "processing" if measure == "days" else "a reply"
        minutes = (promised or Decimal(0)) * (1440 if measure == "days" else 1)
        said = f"{what} {f'“{c.deadline}”, ' if c.unit == 'deadline' else ''}within {_span(minutes)}"
        if limits:
            best = min(limits, key=lambda r: getattr(r, measure))
            rule_minutes = Decimal(getattr(best, measure)) * (1440 if measure == "days" else 1)
            return self.refused("exceeds", f"promises {said}; rule {best.rule_id} commits to {_span(rule_minutes)}, no faster")
        return self.refused("unbacked", f"promises {said}: no rule sets a {'processing' if measure == 'days' else 'response'} time for this ticket")

    def membership(self) -> Commitment:
        c = self.c
        extensions = [r for r in self.of("membership_extension") if r.months is not None]
        if c.amount is None:  # 终身VIP, "a lifetime membership": no rule grants an open-ended one
            return self.refused(
                "exceeds" if extensions else "unbacked",
                f"a membership with no end{f': rule {extensions[0].rule_id} allows {extensions[0].months} months' if extensions else ': no rule grants a membership extension for this ticket'}",
            )
        months = c.amount * MEMBERSHIP_MONTHS.get(c.unit or "months", Decimal(1))
        said = f"{_money(c.amount)} {c.unit or 'months'}"
        fitting = [r for r in extensions if r.months is not None and r.months >= months]
        if fitting:
            return self.backed(fitting[0])
        if extensions:
            return self.refused(
                "exceeds", f"a {said} membership extension is more than rule {extensions[0].rule_id} allows ({extensions[0].months} months)"
            )
        return self.refused("unbacked", f"no rule grants a {said} membership extension for this ticket")


def judge(commitment: Commitment, entitled: list[Remedy], order_amount: Decimal | None) -> Commitment:
    """The commitment with its status, backing rule and reason filled in."""
    return _Judge(commitment, entitled, order_amount).verdict()
