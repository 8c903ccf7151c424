"""Score the commitment guard against hand-labelled promises.

    python -m evals.commitments [--data FILE [FILE ...]] [--split dev|test|all] [--misses] [--json]
    python -m evals.commitments --real   # share of real support replies with an unbacked promise

Each FILE (default evals/data/commitments/promises.jsonl; several are scored together and also one by one)
holds one sentence a row:
`{"id", "lang", "text", "promises": [{"type", "amount", "unit", "scope"?, "applies_to"?, "count"?,
"min_spend"?, "valid_days"?, "backed"}]}`. Rows split by the first hex digit of sha256(id): 0-7 dev, 8-f test.

The labels' reference ticket: an 86 CNY order, 45 minutes late, today Monday 2026-11-30; entitled to a full
refund of the order, one 30 CNY coupon (no minimum spend, valid 30 days), refunds processed within 3 days,
replies within 5 minutes and a 1-month membership extension — nothing else, CNY only.

Reports, per split, per language and per type:
- exact: rows whose promises were all found with the same type, amount and unit (time amounts compared
  after converting units: 48 hours = 2 days) and the optional fields the label gives, and nothing extra.
  Where independent authors wrote the same reading two ways, both count: a refund said with its time
  ("退款周三前到账") may be labelled as the time alone or as a refund beside it; a sum nobody named has no
  currency; a label's `applies_to: order` is the guard's unstated default;
- false: rows where the guard extracted a promise the label does not have;
- critical: promises labelled not backed that the guard judged backed (the target is 0);
- held: promises labelled backed that the guard judged not backed (a false alarm, or a label that a
  product decision overrides — e.g. a coupon with a minimum spend is not the rule's coupon);
- unread: promises labelled not backed that the grammar missed and only the last net held as an
  "unrecognised" promise: not critical (the reply is stopped) but not exact either (nobody read it);
- net-false: rows where the last net held a sentence although the label has no unbacked promise.
`--misses` prints the dev rows that are not exact (never test rows: they are for the final figure only).

`--real` runs the guard, with the same reference entitlements, over every real support reply in
../shared/data/real_replies/ (read at run time, never copied) and reports per language the share of replies
with an unbacked promise: real replies nearly never promise what the book does not back, so this is the
guard's false-alarm rate (it must not rise when the grammar learns new phrasings).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from drafting.domain.models import Commitment
from drafting.guards.commitments import check
from evals.datafiles import EvalDataError, read_jsonl
from evals.splits import split_of
from knowledge.policy import Remedy

DEFAULT_DATA = Path(__file__).parent / "data" / "commitments" / "promises.jsonl"
NOW = datetime(2026, 11, 30, 9, 0)
ORDER_AMOUNT = Decimal(86)
ENTITLED = [
    Remedy(type="refund", scope="full", applies_to="order", rule_id="REF-FULL"),
    Remedy(type="coupon", amount=Decimal(30), valid_days=30, rule_id="REF-COUPON"),
    Remedy(type="processing_deadline", days=3, rule_id="REF-DAYS"),
    Remedy(type="response_time", minutes=5, rule_id="REF-REPLY"),
    Remedy(type="membership_extension", months=1, rule_id="REF-MEMBER"),
]
# The labels' type names → the guard's
TYPE_NAMES = {"membership": "membership_extension"}
MINUTES: dict[str, Decimal] = {
    k: Decimal(v) for k, v in {"minutes": 1, "hours": 60, "days": 1440, "business_days": 1440, "weeks": 7 * 1440, "months": 30 * 1440}.items()
}
MINUTES["seconds"] = Decimal(1) / 60
# membership periods in days, so "7 days" and "1 weeks" compare with the guard's unit whatever either wrote
MEMBERSHIP_DAYS = {"days": 1, "weeks": 7, "months": 30, "years": 360}
# a refund names its object only when it is not the order ("the delivery fee"): a label's "order" is the
# guard's unstated default, not a disagreement
DEFAULT_OBJECT = "order"
OPTIONAL = ("scope", "applies_to", "count", "min_spend", "valid_days")


def load(path: Path) -> list[dict[str, Any]]:
    return read_jsonl(path, required=("id", "text", "promises"))


def _canonical(kind: str, amount: Any, unit: str | None) -> tuple[Decimal | None, str | None]:
    """Time amounts in one unit per type (days for processing, minutes for replies), so "48 hours" and the
    guard's "2 days" compare equal; everything else as it is."""
    value = None if amount is None else Decimal(str(amount))
    if value is None and unit is not None and unit.isupper():
        return None, None  # a sum nobody named has no currency to compare ("全退": the labels' CNY or the guard's none)
    if kind == "membership_extension" and unit in MEMBERSHIP_DAYS and value is not None:
        return (value * MEMBERSHIP_DAYS[unit]).normalize(), "days"
    if unit in MINUTES and kind in ("processing_deadline", "response_time") and value is not None:
        minutes = value * MINUTES[unit]
        if kind == "processing_deadline":
            return (minutes / 1440).quantize(Decimal("0.0001")).normalize(), "days"
        return minutes.quantize(Decimal("0.0001")).normalize(), "minutes"
    return (value.normalize() if value is not None else None), unit


def _expected_key(promise: dict[str, Any]) -> tuple[str, Decimal | None, str | None]:
    kind = TYPE_NAMES.get(promise["type"], promise["type"])
    if kind == "free_order" and promise.get("unit") == "orders" and Decimal(str(promise.get("amount") or 1)) <= 1:
        return (kind, None, None)  # "1 order" free is a free order, as the guard reports it (see _found_key)
    return (kind, *_canonical(kind, promise.get("amount"), promise.get("unit")))


def _found_key(c: Commitment) -> tuple[str, Decimal | None, str | None]:
    unit = c.currency or c.unit
    if c.type == "free_order" and c.unit == "orders" and (c.amount or 0) <= 1:
        return (c.type, None, None)
    return (c.type, *_canonical(c.type, c.amount, unit))


def _found_keys(c: Commitment) -> set[tuple[str, Decimal | None, str | None]]:
    """The keys a found promise matches: a deadline resolved to whole days ("后天到" = 2 days from the
    reference Monday) also matches a label that wrote it as a duration."""
    keys = {_found_key(c)}
    if c.unit == "deadline" and c.deadline_days is not None:
        # a reply deadline runs to the end of its day (后天之前 said at 9:00 is 2.6 days): labels count whole days
        keys.add((c.type, *_canonical(c.type, c.deadline_days.to_integral_value(rounding=ROUND_FLOOR), "days")))
    return keys


def _details_match(promise: dict[str, Any], c: Commitment) -> bool:
    for name in OPTIONAL:
        if name in promise and promise[name] is not None:
            have = getattr(c, name)
            if isinstance(promise[name], (int, float)):
                if have is None or Decimal(str(have)) != Decimal(str(promise[name])):
                    return False
            elif have != promise[name] and not (name == "applies_to" and have is None and promise[name] == DEFAULT_OBJECT):
                return False
    return True


# money the reader gets, whichever name a label gives it (points "worth ¥10" are a coupon to one author, cash to another)
MONEY = ("refund", "compensation", "coupon")
UNRECOGNISED = "unrecognised"


def _holds(promise: dict[str, Any], kind: str, c: Commitment) -> bool:
    """The unbacked finding `c` stops the reply that makes `promise`: the same type, money of the same sum, or
    an unrecognised promise (the last net held the sentence without reading it)."""
    if c.type == kind or c.type == UNRECOGNISED:
        return True
    amount = promise.get("amount")
    if amount is None or c.amount is None or kind not in MONEY or c.type not in MONEY:
        return False
    # the same sum, or the same share of the price written the other way (1.5× the price = 150% of it)
    share = {"multiple": Decimal(100), "percent": Decimal(1)}
    label_unit, found_unit = promise.get("unit"), c.unit
    if label_unit in share and found_unit in share:
        return Decimal(str(amount)) * share[label_unit] == c.amount * share[found_unit]
    return Decimal(str(amount)) == c.amount


def _bare_refund(kind: str, amount: Any, scope: Any) -> bool:
    return kind == "refund" and amount is None and not scope


def _timed_refund(
    promises: list[dict[str, Any]], missing: list[dict[str, Any]], unmatched: list[Commitment], found: list[Commitment]
) -> tuple[list[dict[str, Any]], list[Commitment]]:
    """A refund said with its time ("退款周三前到账", "your refund will land today") is one promise written two
    ways: some authors list the time alone, others a refund beside it. Either reading is right, so a backed
    refund with no sum or scope is neither missing nor extra when the time it comes with was read."""
    timed = any(p["type"] == "processing_deadline" for p in promises) and any(c.type == "processing_deadline" for c in found)
    if not timed:
        return missing, unmatched
    missing = [p for p in missing if not (_bare_refund(p["type"], p.get("amount"), p.get("scope")) and p.get("backed", False))]
    unmatched = [c for c in unmatched if not (_bare_refund(c.type, c.amount, c.scope) and c.backed)]
    return missing, unmatched


@dataclass
class RowResult:
    row: dict[str, Any]
    found: list[Commitment]
    exact: bool
    missing: list[dict[str, Any]] = field(default_factory=list)
    extra: list[Commitment] = field(default_factory=list)
    critical: list[tuple[dict[str, Any], Commitment]] = field(default_factory=list)
    # labelled backed, judged not: the guard holds what the label passes (a false alarm, or a label the
    # decisions disagree with, e.g. a coupon with a minimum spend the rule's coupon does not have)
    held: list[tuple[dict[str, Any], Commitment]] = field(default_factory=list)
    # labelled not backed, missed by the grammar and held only by the last net: safe, but not read (not exact)
    unread: list[dict[str, Any]] = field(default_factory=list)


def score_row(row: dict[str, Any]) -> RowResult:
    found = check(row["text"], ENTITLED, order_amount=ORDER_AMOUNT, now=NOW).commitments
    unmatched = list(found)
    missing, critical, held = [], [], []
    for promise in row["promises"]:
        key = _expected_key(promise)
        match = next((c for c in unmatched if key in _found_keys(c) and _details_match(promise, c)), None)
        if match is None:
            missing.append(promise)
            continue
        unmatched.remove(match)
        if not promise.get("backed", False) and match.backed:
            critical.append((promise, match))
        elif promise.get("backed", False) and not match.backed:
            held.append((promise, match))
    missing, unmatched = _timed_refund(row["promises"], missing, unmatched, found)
    # a promise labelled not backed must never pass, even when extracted with another amount or type; money the
    # guard holds as unbacked under the other money type, for the same sum, stops the reply all the same
    # (refund vs compensation for a waived fee, coupon vs compensation for points worth a sum: label choices, not passes)
    unread = []
    for promise in missing:
        kind = TYPE_NAMES.get(promise["type"], promise["type"])
        holding = [c for c in found if not c.backed and _holds(promise, kind, c)]
        if promise.get("backed", False):
            continue
        if not holding:
            critical.append((promise, None))  # type: ignore[arg-type]
        elif all(c.type == UNRECOGNISED for c in holding):
            unread.append(promise)
    return RowResult(row, found, exact=not missing and not unmatched, missing=missing, extra=unmatched, critical=critical, held=held, unread=unread)


@dataclass
class Tally:
    rows: int = 0
    exact: int = 0
    false: int = 0  # rows with a promise the label does not have
    promises: int = 0
    critical: int = 0
    held: int = 0  # promises labelled backed that the guard judged not backed
    unread: int = 0  # promises labelled not backed that only the last net held (safe, not exact)
    net_false: int = 0  # rows where the last net held a sentence and the label has no unbacked promise

    def add(self, result: RowResult) -> None:
        self.rows += 1
        self.exact += result.exact
        self.false += bool(result.extra)
        self.promises += len(result.row["promises"])
        self.critical += len(result.critical)
        self.held += len(result.held)
        self.unread += len(result.unread)
        netted = any(c.type == UNRECOGNISED for c in result.found)
        self.net_false += netted and all(p.get("backed", False) for p in result.row["promises"])

    def line(self, name: str) -> str:
        rate = 100 * self.exact / self.rows if self.rows else 0.0
        return (
            f"  {name:<24} rows {self.rows:>4}  exact {self.exact:>4} ({rate:5.1f}%)  false {self.false:>3}  critical {self.critical}  held {self.held}"
            f"  unread {self.unread}  net-false {self.net_false}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "exact": self.exact,
            "exact_rate": self.exact / self.rows if self.rows else 0.0,
            "false": self.false,
            "promises": self.promises,
            "critical": self.critical,
            "held": self.held,
            "unread": self.unread,
            "net_false": self.net_false,
        }


def evaluate(rows: Iterable[dict[str, Any]], split: str = "all") -> tuple[dict[str, dict[str, Tally]], list[RowResult]]:
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    results = []
    for row in rows:
        row_split = split_of(row["id"])
        if split != "all" and row_split != split:
            continue
        result = score_row(row)
        results.append(result)
        types = {TYPE_NAMES.get(p["type"], p["type"]) for p in row["promises"]} or {"(no promise)"}
        for part in (row_split, "all"):
            tallies[part]["overall"].add(result)
            if "_file" in row:
                tallies[part][f"file {row['_file']}"].add(result)
            tallies[part][f"lang {row.get('lang', '?')}"].add(result)
            for kind in types:
                tallies[part][f"type {kind}"].add(result)
    return tallies, results


def _describe(c: Commitment) -> str:
    extra = " ".join(f"{n}={getattr(c, n)}" for n in (*OPTIONAL, "deadline_days") if getattr(c, n) is not None)
    return f"{c.type} {c.amount} {c.currency or c.unit} [{c.status}] “{c.phrase}” {extra}".strip()


def real_reply_rates(replies: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Per language (the file name's prefix: en_…, zh_…): replies, replies with an unbacked promise, share."""
    rates: dict[str, dict[str, float]] = {}
    for name, texts in sorted(replies.items()):
        lang = name.split("_", 1)[0]
        flagged = sum(1 for text in texts if not check(text, ENTITLED, order_amount=ORDER_AMOUNT, now=NOW).ok)
        entry = rates.setdefault(lang, {"replies": 0, "unbacked": 0})
        entry["replies"] += len(texts)
        entry["unbacked"] += flagged
    for entry in rates.values():
        entry["rate"] = entry["unbacked"] / entry["replies"] if entry["replies"] else 0.0
    return rates


def _real_main(as_json: bool) -> int:
    from evals.tone_real import RealDataError, read_replies

    try:
        replies = {name: [r.text for r in rows] for name, rows in read_replies().items()}
    except RealDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rates = real_reply_rates(replies)
    if as_json:
        print(json.dumps(rates, indent=2))
    else:
        for lang, entry in rates.items():
            print(f"  {lang}: {int(entry['unbacked'])} of {int(entry['replies'])} real replies with an unbacked promise ({100 * entry['rate']:.2f}%)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.commitments", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, nargs="+", default=[DEFAULT_DATA])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--misses", action="store_true", help="print the dev rows that are not exact")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--real", action="store_true", help="the share of real support replies with an unbacked promise")
    args = parser.parse_args(argv)
    if args.real:
        return _real_main(args.json)
    rows: list[dict[str, Any]] = []
    try:
        for path in args.data:
            rows.extend(dict(row, _file=path.name) for row in load(path))
    except EvalDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tallies, results = evaluate(rows, args.split)
    if args.json:
        print(json.dumps({part: {name: t.to_dict() for name, t in sorted(group.items())} for part, group in tallies.items()}, indent=2))
    else:
        for part in ("dev", "test", "all"):
            if part in tallies:
                print(f"{part}:")
                for name, tally in sorted(tallies[part].items(), key=lambda item: (item[0] != "overall", item[0])):
                    print(tally.line(name))
    if args.misses:
        for result in results:
            if split_of(result.row["id"]) != "dev" or (result.exact and not result.critical and not result.held):
                continue
            print(f"\n{result.row['id']}: {result.row['text']}")
            for promise in result.missing:
                print(f"  missed:   {promise}")
            for c in result.extra:
                print(f"  extra:    {_describe(c)}")
            for promise, c in result.critical:
                print(f"  CRITICAL: labelled not backed, judged backed: {promise} ← {_describe(c) if c else 'not extracted'}")
            for promise in result.unread:
                print(f"  unread:   labelled not backed, held only by the last net: {promise}")
            for _promise, c in result.held:
                print(f"  held:     labelled backed, judged {c.status}: {_describe(c)} — {c.reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
