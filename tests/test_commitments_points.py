"""Points are not the rule's coupon: a grant in the brand's reward units, read as a coupon of the money they are
worth, is held for a person even when the sum fits under the rule's coupon (drafting/guards/doubts.py
`_paid_in_points`). Independent labellers split on whether a coupon rule backs points; the guard takes the side
that cannot over-promise. A coupon whose sentence mentions points elsewhere is still the rule's coupon.

Every sentence here is our own; none is taken from an evaluation set or a real reply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from drafting.guards.commitments import check
from evals.commitments import ENTITLED as REFERENCE

MONDAY = datetime(2026, 11, 30, 9, 0)


def judged(text: str) -> list[tuple[str, bool, str]]:
    report = check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY)
    return [(c.type, c.backed, c.reason) for c in report.commitments]


@pytest.mark.parametrize(
    "text",
    [
        "As an apology we've put 800 loyalty points, worth ¥8, on your account.",
        "You'll get 2,500 reward points (about ¥25) with this reply.",
        "We're crediting ¥15 in points to your membership today.",
        "给您账户补了2000积分，价值20元，已经到账。",
        "作为补偿，送您价值25元的积分。",
        "我们给您发了15元积分，下单可以直接抵扣。",
    ],
)
def test_points_worth_a_sum_under_the_coupon_rule_are_held(text: str) -> None:
    found = judged(text)
    assert found and not all(backed for _, backed, _ in found), found
    assert any("reward units" in reason for _, backed, reason in found if not backed), found


@pytest.mark.parametrize(
    "text",
    [
        "We'll send you a 30-yuan coupon with no minimum spend, valid for 30 days.",
        "给您发一张30元无门槛优惠券，30天内有效。",
        # points named in the sentence but far from the coupon, as a fact about them
        "Your loyalty points stay exactly as they were, and we'll send you a 30-yuan coupon with no minimum spend, valid 30 days.",
        "您的会员积分不受影响，另外给您发一张30元无门槛优惠券，30天内有效。",
    ],
)
def test_the_rules_own_coupon_still_passes(text: str) -> None:
    found = judged(text)
    assert found and all(backed for _, backed, _ in found), found
