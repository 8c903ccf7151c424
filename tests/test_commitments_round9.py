"""Round 9 of the commitment guard: a delivery date for goods is not backed by the rule that times refunds.

Every sentence here is our own; none is taken from an evaluation set or a real reply."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from drafting.guards.commitments import check
from evals.commitments import ENTITLED as REFERENCE

MONDAY = datetime(2026, 11, 30, 9, 0)


def times(text: str) -> list[tuple[str, str]]:
    report = check(text, REFERENCE, order_amount=Decimal(86), now=MONDAY)
    return [(c.status, c.reason or "") for c in report.commitments if c.type == "processing_deadline"]


@pytest.mark.parametrize(
    "text",
    [
        # later than the rule's three days, so a loose match read them as "slower, so safe": but no rule says when
        # a courier arrives
        "补发的那件外套我们保证下周五之前送到您家。",
        "换新的台灯12月8日前给您寄出。",
        "维修好的耳机5天内给您寄回。",
        "We'll ship the replacement kettle by Friday next week.",
        "Your new blender will be delivered within 6 days.",
        "The courier will bring the missing box by December 9.",
    ],
)
def test_a_delivery_date_for_goods_is_held(text: str) -> None:
    found = times(text)
    assert found, "the date was not read at all"
    assert all(status != "backed" for status, _ in found)
    assert any("delivery time for goods" in reason for _, reason in found)


@pytest.mark.parametrize(
    "text",
    [
        # money arriving is what the processing rule times, whatever verb carries it
        "The refund will reach your card within 5 days.",
        "钱下周五之前退到您的支付宝。",
        "退款5个工作日内到账，您留意一下。",
        "Your money will be delivered back to your wallet within a week.",
    ],
)
def test_money_arriving_is_still_judged_by_the_processing_rule(text: str) -> None:
    found = times(text)
    assert found and all(status == "backed" for status, _ in found)
