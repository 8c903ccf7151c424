"""The policy book: which remedies a ticket gets, and how bad rule files are refused."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.policy import PolicyBook, PolicyError, Remedy, TicketFacts, describe_remedy


@pytest.fixture(scope="module")
def book() -> PolicyBook:
    return PolicyBook.load()


def summary(remedies: list[Remedy]) -> set[tuple[str, str, object]]:
    """(rule, type, the number that matters) for each remedy."""
    return {(r.rule_id, r.type, r.amount or r.days or r.minutes or r.months or r.scope or r.channel) for r in remedies}


CASES = [
    (
        {"issue_type": "late_delivery", "delay_minutes": 45},
        {("LD-2", "refund", "full"), ("LD-2", "coupon", Decimal(30)), ("LD-2", "processing_deadline", 3), ("RT-1", "response_time", 120)},
    ),
    (
        {"issue_type": "late_delivery", "delay_minutes": 20, "order_date": "2026-10-20"},
        {("LD-1", "coupon", Decimal(10)), ("RT-1", "response_time", 120)},
    ),
    (  # the on-time guarantee applies from 2026-11-01 and beats LD-1
        {"issue_type": "late_delivery", "delay_minutes": 20, "order_date": "2026-11-01"},
        {("LD-3", "free_order", None), ("LD-3", "processing_deadline", 3), ("RT-1", "response_time", 120)},
    ),
    (  # more than 30 minutes late: LD-2 wins over LD-3 even after 2026-11-01
        {"issue_type": "late_delivery", "delay_minutes": 31, "order_date": "2026-11-05"},
        {("LD-2", "refund", "full"), ("LD-2", "coupon", Decimal(30)), ("LD-2", "processing_deadline", 3), ("RT-1", "response_time", 120)},
    ),
    (  # exactly 10 minutes late is on the line: nothing yet
        {"issue_type": "late_delivery", "delay_minutes": 10},
        {("RT-1", "response_time", 120)},
    ),
    (  # unknown delay: no lateness rule can apply
        {"issue_type": "late_delivery"},
        {("RT-1", "response_time", 120)},
    ),
    (
        {"issue_type": "not_delivered"},
        {("LD-2", "refund", "full"), ("LD-2", "coupon", Decimal(30)), ("LD-2", "processing_deadline", 3), ("RT-1", "response_time", 120)},
    ),
    (
        {"issue_type": "spilled", "has_photo": True, "hours_since_delivery": 2, "during_incident": True},
        {("DG-1", "refund", "full"), ("DG-1", "coupon", Decimal(20)), ("DG-1", "processing_deadline", 3), ("RT-2", "response_time", 5)},
    ),
    (  # without a photo an agent reviews; the tighter of the two response times stands
        {"issue_type": "damaged", "has_photo": False},
        {("DG-2", "review", None), ("RT-1", "response_time", 120)},
    ),
    (  # platinum bonus stacks only on compensation, and the priority channel is faster
        {"issue_type": "late_delivery", "delay_minutes": 45, "membership_tier": "platinum"},
        {
            ("LD-2", "refund", "full"),
            ("LD-2", "coupon", Decimal(30)),
            ("MT-2", "coupon", Decimal(20)),
            ("LD-2", "processing_deadline", 3),
            ("MT-1", "response_time", 30),
            ("MT-1", "priority_channel", "priority support"),
        },
    ),
    (
        {"issue_type": "staff_attitude", "membership_tier": "platinum"},
        {("MT-1", "response_time", 30), ("MT-1", "priority_channel", "priority support")},
    ),
    ({"issue_type": "expired"}, {("RF-1", "refund", "full"), ("RF-1", "processing_deadline", 3), ("RT-1", "response_time", 120)}),
    ({"issue_type": "change_of_mind", "hours_since_delivery": 200}, {("RT-1", "response_time", 120)}),
    (
        {"issue_type": "benefit_removed"},
        {("SV-1", "refund", "pro_rated"), ("SV-1", "membership_extension", 1), ("SV-1", "processing_deadline", 7), ("RT-1", "response_time", 120)},
    ),
]


@pytest.mark.parametrize(("facts", "expected"), CASES)
def test_remedies_for_ticket_facts(book: PolicyBook, facts: dict[str, object], expected: set[tuple[str, str, object]]) -> None:
    assert summary(book.remedies_for(TicketFacts.model_validate(facts))) == expected


def test_every_remedy_links_to_its_rule_and_document(book: PolicyBook) -> None:
    for remedy in book.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=45, membership_tier="gold")):
        rule = book.rule(remedy.rule_id)
        assert rule is not None and remedy.document == rule.document != ""
        assert remedy.rule_id in describe_remedy(remedy)


def test_alternatives_are_marked_as_the_customers_choice(book: PolicyBook) -> None:
    remedies = book.remedies_for(TicketFacts(issue_type="benefit_removed"))
    choices = [r for r in remedies if r.choice]
    assert {r.type for r in choices} == {"refund", "membership_extension"}
    assert len({r.choice for r in choices}) == 1


def test_coupon_cap_trims_the_total(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    write(
        folder / "generous.yaml",
        """
        document: test
        rules:
          - id: A
            group: a
            priority: 2
            when: {issue_type: [late_delivery]}
            remedies: [{type: coupon, amount: 80, valid_days: 30}]
          - id: B
            group: b
            priority: 1
            when: {issue_type: [late_delivery]}
            remedies: [{type: coupon, amount: 50, valid_days: 30}]
        caps:
          - {id: CAP, remedy: coupon, max_total: 100}
        """,
    )
    remedies = PolicyBook.load(folder).remedies_for(TicketFacts(issue_type="late_delivery"))
    assert [(r.rule_id, r.amount, r.capped_by) for r in remedies] == [("A", Decimal(80), None), ("B", Decimal(20), "CAP")]


RULE_DIFF = "document: d\nrules:\n  - id: R1\n    when: {when}\n    remedies: {remedies}\n"
BAD_RULES = [
    ("{mood: [angry]}", "[{type: coupon, amount: 5, valid_days: 3}]", "R1", "when.mood", "unknown fact"),
    ("{delay_minutes: 30}", "[{type: coupon, amount: 5, valid_days: 3}]", "R1", "when.delay_minutes", "comparison"),
    ("{delay_minutes: {over: 30}}", "[{type: coupon, amount: 5, valid_days: 3}]", "R1", "when.delay_minutes", "over"),
    ("{issue_type: [late]}", "[{type: coupon, amount: 5, valid_days: 3}]", "R1", "when.issue_type", "unknown value"),
    ("{has_photo: yes please}", "[{type: coupon, amount: 5, valid_days: 3}]", "R1", "when.has_photo", "true or false"),
    ("{}", "[{type: coupon, amount: 5}]", "R1", "remedies.0", "valid_days"),
    ("{}", "[{type: coupon, amount: -5, valid_days: 3}]", "R1", "remedies.0.amount", "greater than 0"),
    ("{}", "[{type: cash, amount: 5}]", "R1", "remedies.0.type", "refund"),
    ("{}", "[{type: refund, scope: partial}]", "R1", "remedies.0", "percent"),
]


@pytest.mark.parametrize(("when", "remedies", "rule_id", "field", "message"), BAD_RULES)
def test_invalid_rule_is_rejected_with_file_rule_and_field(tmp_path: Path, when: str, remedies: str, rule_id: str, field: str, message: str) -> None:
    path = write(tmp_path / "rules.yaml", RULE_DIFF.format(when=when, remedies=remedies))
    with pytest.raises(PolicyError) as caught:
        PolicyBook.load(tmp_path)
    error = caught.value
    assert (error.path, error.rule_id) == (str(path), rule_id)
    assert error.field is not None and error.field.startswith(field)
    assert message in str(error)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rules: [\n", "invalid YAML at line"),
        ("- just a list\n", "must be a mapping"),
        ("rules: []\n", "document"),
        ("document: d\nrules:\n  - {id: X, remedies: [{type: review}]}\n  - {id: X, remedies: [{type: review}]}\n", "duplicate rule id"),
        ("document: d\nrulez: []\n", "rulez"),
    ],
)
def test_invalid_rule_file_is_rejected(tmp_path: Path, content: str, message: str) -> None:
    write(tmp_path / "bad.yaml", content)
    with pytest.raises(PolicyError, match=message) as caught:
        PolicyBook.load(tmp_path)
    assert "bad.yaml" in str(caught.value)


def test_missing_or_empty_policy_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        PolicyBook.load(tmp_path / "nowhere")
    with pytest.raises(PolicyError, match="no policy-book files"):
        PolicyBook.load(tmp_path)


def test_unknown_ticket_fact_is_refused() -> None:
    with pytest.raises(ValueError, match="mood"):
        TicketFacts.model_validate({"issue_type": "late_delivery", "mood": "furious"})


facts_strategy = st.builds(
    TicketFacts,
    issue_type=st.sampled_from(TicketFacts.model_fields["issue_type"].annotation.__args__),  # type: ignore[union-attr]
    delay_minutes=st.none() | st.integers(0, 600),
    order_amount=st.none() | st.decimals(0, 5000, places=2),
    membership_tier=st.none() | st.sampled_from(["basic", "gold", "platinum"]),
    order_date=st.none() | st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    has_photo=st.none() | st.booleans(),
    hours_since_delivery=st.none() | st.floats(0, 1000),
    during_incident=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(facts=facts_strategy)
def test_properties_hold_for_any_ticket(book: PolicyBook, facts: TicketFacts) -> None:
    remedies = book.remedies_for(facts)
    coupons = sum((r.amount or Decimal(0)) for r in remedies if r.type == "coupon")
    assert coupons <= Decimal(100)  # CP-1
    assert all(book.rule(r.rule_id) is not None for r in remedies)
    assert sum(1 for r in remedies if r.type in ("refund", "free_order") and not r.choice) <= 1
    assert sum(1 for r in remedies if r.type == "processing_deadline") <= 1
    assert sum(1 for r in remedies if r.type == "response_time") == 1  # every complaint gets a reply promise
    if facts.delay_minutes is None and facts.issue_type == "late_delivery":
        assert not any(r.rule_id.startswith("LD") for r in remedies)
    if facts.order_date is not None and facts.order_date < date(2026, 11, 1):
        assert not any(r.rule_id == "LD-3" for r in remedies)


def test_date_window_is_inclusive(book: PolicyBook) -> None:
    start = date(2026, 11, 1)
    rules = lambda d: {r.rule_id for r in book.remedies_for(TicketFacts(issue_type="late_delivery", delay_minutes=15, order_date=d))}  # noqa: E731
    assert "LD-3" in rules(start) and "LD-3" not in rules(start - timedelta(days=1))
