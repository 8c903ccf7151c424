"""Probe the promise guard with templated sentences, the team's own words (evals/data/commitments/probes.yaml).

    python -m evals.promise_probes [--probe NAME ...] [--show N] [--json]

Each probe is judged against one of two tickets:
- `nothing`: a ticket granted no remedy at all. Every sentence promises something, so every one must be held; a
  sentence the guard passes is a promise that would reach an approvable draft unread.
- `reference`: the labelled sets' reference ticket (evals/commitments.py). No sentence promises anything, so none
  may be held; a sentence the guard holds is a false alarm.

The labelled sets cannot show the first kind of miss: their reference ticket is entitled to a refund and a coupon,
so a refund the guard fails to read still counts as "backed" there. Generation is a plain product of the slots,
so a probe says nothing about phrasing it does not hold; what it found first is recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from drafting.guards.commitments import check
from evals.commitments import ENTITLED, NOW, ORDER_AMOUNT
from evals.datafiles import EvalDataError, read_text

PROBES = Path(__file__).parent / "data" / "commitments" / "probes.yaml"
AGAINST = ("nothing", "reference")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Probe:
    name: str
    note: str
    against: str
    sentences: tuple[str, ...]


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise EvalDataError(f"{where}: expected a non-empty list of strings")
    return value


def _slots(raw: Any, where: str) -> dict[str, list[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise EvalDataError(f"{where}: expected a mapping of slot names to lists of strings")
    return {str(name): _strings(values, f"{where}.{name}") for name, values in raw.items()}


def _fill(template: str, slots: dict[str, list[str]], where: str) -> Iterator[str]:
    """Every sentence the template makes with the slots it names (a slot it does not name is not multiplied)."""
    names = list(dict.fromkeys(_SLOT.findall(template)))
    unknown = [name for name in names if name not in slots]
    if unknown:
        raise EvalDataError(f"{where}: the template names {', '.join(unknown)}, which no slot gives")
    for values in itertools.product(*(slots[name] for name in names)):
        text = template
        for name, value in zip(names, values, strict=True):
            text = text.replace("{" + name + "}", value)
        yield text


def _group(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("template"), str):
        raise EvalDataError(f"{where}: expected a mapping with a template")
    slots = _slots(raw.get("slots"), f"{where}.slots")
    nested = _slots(raw.get("nested"), f"{where}.nested")
    out: list[str] = []
    for outer in _fill(raw["template"], slots, where):
        # a slot value may itself name a slot ("I've added {gift} to your account"): filled second
        out.extend(_fill(outer, nested, where) if _SLOT.search(outer) else [outer])
    return [s[:1].upper() + s[1:] for s in out]  # a sentence starts with a capital, whatever slot opens it


def load(path: Path = PROBES) -> list[Probe]:
    """The probes of a file, each with its sentences in order and without repeats; a malformed entry is an
    EvalDataError naming the probe and the field."""
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise EvalDataError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("probes"), list):
        raise EvalDataError(f"{path}: expected a mapping with a list under 'probes'")
    probes = []
    for number, raw in enumerate(data["probes"], start=1):
        where = f"{path}: probe {number}"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise EvalDataError(f"{where}: expected a mapping with a name")
        where = f"{path}: probe {raw['name']!r}"
        if raw.get("against") not in AGAINST:
            raise EvalDataError(f"{where}: against must be one of {', '.join(AGAINST)}, got {raw.get('against')!r}")
        groups = raw.get("groups")
        if not isinstance(groups, list) or not groups:
            raise EvalDataError(f"{where}: expected a non-empty list of groups")
        sentences = [s for n, group in enumerate(groups, start=1) for s in _group(group, f"{where} group {n}")]
        probes.append(Probe(raw["name"], str(raw.get("note", "")), raw["against"], tuple(dict.fromkeys(sentences))))
    return probes


def wrong(probe: Probe) -> list[str]:
    """The sentences the guard gets wrong: passed with nothing granted, or held against the reference ticket."""
    if probe.against == "nothing":
        return [s for s in probe.sentences if check(s, [], order_amount=ORDER_AMOUNT, now=NOW).ok]
    return [s for s in probe.sentences if not check(s, ENTITLED, order_amount=ORDER_AMOUNT, now=NOW).ok]


def run(names: Sequence[str] = (), path: Path = PROBES) -> list[dict[str, Any]]:
    probes = load(path)
    known = {p.name for p in probes}
    missing = [name for name in names if name not in known]
    if missing:
        raise EvalDataError(f"{path}: no probe named {', '.join(missing)}; known: {', '.join(sorted(known))}")
    out = []
    for probe in probes:
        if names and probe.name not in names:
            continue
        bad = wrong(probe)
        out.append({"probe": probe.name, "against": probe.against, "note": probe.note, "sentences": len(probe.sentences), "wrong": bad})
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.promise_probes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--probe", nargs="+", default=[], help="run only these probes")
    parser.add_argument("--data", type=Path, default=PROBES)
    parser.add_argument("--show", type=int, default=5, help="sentences shown per probe that the guard gets wrong")
    parser.add_argument("--json", action="store_true", help="print the figures (and every wrong sentence) as JSON")
    args = parser.parse_args(argv)
    try:
        results = run(args.probe, args.data)
    except EvalDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    for r in results:
        what = "approvable (promise unread)" if r["against"] == "nothing" else "held (false alarm)"
        print(f"{r['probe']:<15} against {r['against']:<9} {r['sentences']:>5} sentences  {len(r['wrong']):>4} {what}")
        for sentence in r["wrong"][: args.show]:
            print(f"    {sentence}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
