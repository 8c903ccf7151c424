"""The ticket the promise-reading tests judge against, and how they read a sentence: the 86-yuan order refunded
in full, one 30-yuan coupon valid 30 days, refunds within 3 days, replies within 5 minutes and one month of
membership, on Tuesday 1 December 2026."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from drafting.domain.models import Commitment
from drafting.guards.commitments import check
from knowledge.policy import Remedy

ENTITLED = [
    Remedy(type="refund", scope="full", applies_to="order", rule_id="R-REFUND"),
    Remedy(type="coupon", amount=Decimal(30), valid_days=30, rule_id="R-COUPON"),
    Remedy(type="processing_deadline", days=3, rule_id="R-DAYS"),
    Remedy(type="response_time", minutes=5, rule_id="R-REPLY"),
    Remedy(type="membership_extension", months=1, rule_id="R-MEMBER"),
]
TUESDAY = datetime(2026, 12, 1, 10, 0)


def read(text: str) -> list[Commitment]:
    return check(text, ENTITLED, order_amount=Decimal(86), now=TUESDAY).commitments


def summary(text: str) -> list[tuple[str, Decimal | None, str | None, str]]:
    return [(c.type, c.amount, c.currency or c.unit, c.status) for c in read(text)]


def held(text: str) -> bool:
    """Does the guard hold the sentence (some promise in it not backed)?"""
    return not check(text, ENTITLED, order_amount=Decimal(86), now=TUESDAY).ok
