"""The commitment eval: runs on the dev split of the independently labelled promises and fails below a floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import commitments as commitment_eval

DATA = commitment_eval.DEFAULT_DATA


@pytest.mark.skipif(not DATA.exists(), reason="evals/data/commitments/promises.jsonl is not there")
def test_the_guard_extracts_the_dev_promises_exactly_and_never_passes_an_unbacked_one() -> None:
    tallies, _ = commitment_eval.evaluate(commitment_eval.load(DATA), "dev")
    overall = tallies["dev"]["overall"]
    assert overall.exact / overall.rows >= 0.95, overall.line("dev")
    assert overall.critical == 0, overall.line("dev")


def test_a_label_is_matched_by_type_amount_unit_and_the_details_it_gives(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a",
            "lang": "en",
            "text": "A refund of 86 CNY will arrive within 72 hours.",
            "promises": [
                {"type": "refund", "amount": 86, "unit": "CNY", "backed": True},
                {"type": "processing_deadline", "amount": 72, "unit": "hours", "backed": True},
            ],
        },
        {
            "id": "b",
            "lang": "zh",
            "text": "送您10张30元优惠券",
            "promises": [{"type": "coupon", "amount": 30, "unit": "CNY", "count": 2, "backed": False}],
        },
        {"id": "c", "lang": "zh", "text": "您的订单86元", "promises": []},
    ]
    path = tmp_path / "promises.jsonl"
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    _, results = commitment_eval.evaluate(commitment_eval.load(path))
    assert [r.exact for r in results] == [True, False, True]  # 72 hours = 3 days; count 10 is not 2


def test_bad_data_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "promises.jsonl"
    path.write_text('{"id": "a", "text": "x", "promises": []}\n{not json\n', encoding="utf-8")
    with pytest.raises(commitment_eval.EvalDataError, match=r"promises.jsonl:2"):
        commitment_eval.load(path)
    assert commitment_eval.main(["--data", str(tmp_path / "missing.jsonl")]) == 2


def test_membership_periods_compare_across_units_and_several_files_report_together(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "one.jsonl"
    second = tmp_path / "two.jsonl"
    first.write_text(
        json.dumps(
            {
                "id": "m1",
                "lang": "zh",
                "text": "给您会员延长两周",
                "promises": [{"type": "membership", "amount": 14, "unit": "days", "backed": True}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    second.write_text(
        json.dumps(
            {
                "id": "m2",
                "lang": "en",
                "text": "We'll extend your membership by 1 month.",
                "promises": [{"type": "membership", "amount": 30, "unit": "days", "backed": True}],
            }
        ),
        encoding="utf-8",
    )
    _, results = commitment_eval.evaluate([*commitment_eval.load(first), *commitment_eval.load(second)])
    assert [r.exact for r in results] == [True, True]  # 2 weeks = 14 days, 1 month = 30 days
    assert commitment_eval.main(["--data", str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert "file one.jsonl" in out and "file two.jsonl" in out


def test_a_promise_labelled_backed_that_the_guard_holds_is_counted_as_held(tmp_path: Path) -> None:
    # the product decision (a coupon with a minimum spend is not the rule's coupon) overrides such a label:
    # the eval reports the disagreement instead of hiding it
    row = {
        "id": "h",
        "lang": "zh",
        "text": "送您一张满90减25的券",
        "promises": [{"type": "coupon", "amount": 25, "unit": "CNY", "min_spend": 90, "backed": True}],
    }
    path = tmp_path / "held.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    tallies, results = commitment_eval.evaluate(commitment_eval.load(path))
    assert results[0].exact and not results[0].critical and len(results[0].held) == 1
    assert tallies["all"]["overall"].held == 1


def test_one_free_order_labelled_with_a_count_matches_a_free_order(tmp_path: Path) -> None:
    row = {
        "id": "f",
        "lang": "en",
        "text": "Your next lunch is on us.",
        "promises": [{"type": "free_order", "amount": 1, "unit": "orders", "backed": False}],
    }
    path = tmp_path / "free.jsonl"
    path.write_text(json.dumps(row), encoding="utf-8")
    _, results = commitment_eval.evaluate(commitment_eval.load(path))
    assert results[0].exact and not results[0].critical


def test_a_deadline_in_whole_days_matches_a_label_written_as_a_duration(tmp_path: Path) -> None:
    row = {
        "id": "d",
        "lang": "zh",
        "text": "券后天发到您账户",
        # the coupon sent to the customer is a promise too (pb-zh-0133 labels it so)
        "promises": [
            {"type": "coupon", "amount": None, "unit": None, "backed": True},
            {"type": "processing_deadline", "amount": 2, "unit": "days", "backed": False},
        ],
    }
    path = tmp_path / "deadline.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    _, results = commitment_eval.evaluate(commitment_eval.load(path))
    assert [c.unit for c in results[0].found if c.type == "processing_deadline"] == ["deadline"]
    assert results[0].exact


def test_the_real_reply_rate_is_the_share_of_replies_with_an_unbacked_promise_per_language() -> None:
    replies = {
        "en_sample.csv": [
            "Please DM us your order number.",
            "We'll pay you 500 dollars for the trouble.",
            "Thanks for your patience!",
            "Sorry about that.",
        ],
        "zh_sample.csv": ["您好，请提供订单号。"],
    }
    rates = commitment_eval.real_reply_rates(replies)
    assert rates["en"] == {"replies": 4, "unbacked": 1, "rate": 0.25}
    assert rates["zh"]["unbacked"] == 0 and rates["zh"]["rate"] == 0.0


def test_money_held_under_the_other_money_type_for_the_same_sum_is_not_critical() -> None:
    # a waived fee labelled compensation, held by the guard as a refund of that sum: the reply does not pass
    row = {
        "id": "w",
        "lang": "zh",
        "text": "年费我们给您免了，共计680元。",
        "promises": [{"type": "compensation", "amount": 680, "unit": "CNY", "backed": False}],
    }
    result = commitment_eval.score_row(row)
    assert not result.exact and result.critical == []
    other_sum = dict(row, promises=[{"type": "compensation", "amount": 500, "unit": "CNY", "backed": False}])
    assert commitment_eval.score_row(other_sum).critical


def test_a_reply_deadline_to_the_end_of_a_day_matches_a_label_in_whole_days(tmp_path: Path) -> None:
    row = {
        "id": "r",
        "lang": "zh",
        "text": "我们后天之前给您电话回访。",
        "promises": [{"type": "response_time", "amount": 2, "unit": "days", "backed": True}],
    }
    assert commitment_eval.score_row(row).exact


def test_a_refund_said_with_its_time_is_exact_whether_the_label_lists_the_refund_or_only_the_time() -> None:
    text = "退款周三之前到账。"
    deadline = {"type": "processing_deadline", "amount": None, "unit": "deadline", "backed": True}
    bare_refund = {"type": "refund", "amount": None, "unit": "CNY", "backed": True}
    assert commitment_eval.score_row({"id": "t1", "lang": "zh", "text": text, "promises": [deadline]}).exact
    assert commitment_eval.score_row({"id": "t2", "lang": "zh", "text": text, "promises": [deadline, bare_refund]}).exact
    # without its time, a refund the label lists is still missed, and one it does not list is still extra
    untimed = "这单给您退款。"
    assert not commitment_eval.score_row({"id": "t3", "lang": "zh", "text": untimed, "promises": []}).exact
    # and a refund with a sum is never excused by the time beside it
    summed = {"id": "t4", "lang": "zh", "text": "86元退款周三之前到账。", "promises": [deadline]}
    assert not commitment_eval.score_row(summed).exact


def test_a_label_naming_the_order_matches_a_refund_that_names_no_object() -> None:
    row = {
        "id": "o",
        "lang": "en",
        "text": "We'll refund you in full.",
        "promises": [{"type": "refund", "amount": None, "unit": "CNY", "scope": "full", "applies_to": "order", "backed": True}],
    }
    assert commitment_eval.score_row(row).exact
    item = dict(row, promises=[dict(row["promises"][0], applies_to="item")])
    assert not commitment_eval.score_row(item).exact  # the label says an item: unstated is not that


def test_points_worth_a_sum_held_as_cash_are_not_critical_when_the_label_calls_them_a_coupon() -> None:
    row = {
        "id": "p",
        "lang": "en",
        "text": "You'll also get a 1k-point bonus, that's ¥10 to spend in the app.",
        "promises": [{"type": "coupon", "amount": 10, "unit": "CNY", "count": 1, "backed": False}],
    }
    assert commitment_eval.score_row(row).critical == []
