"""How often the tone guard agrees with a person on real support replies the team did not write.

    python -m evals.tone_real [--split dev|test] [--rate] [--json FILE]

Two measurements, each for the lexicon alone and for the lexicon plus the semantic second opinion:

- On evals/data/tone_real/labels*.jsonl (blind reviewers' ok/stop labels on real replies, stored as
  row references only; `labels.jsonl` is the first 900, `labels_b.jsonl` 2,427 more by three other reviewers;
  --labels FILE scores one file alone): the false-alarm rate on `ok` replies and the recall on `stop` replies, for the
  split asked for. A reply counts as flagged when the guard raises any tone flag; "rejects" counts only
  what would discard a model's draft (`ToneReport.rejects_model_draft`).
- With --rate: the flag rate on every reply in ../shared/data/real_replies/, per source (zh Weibo
  helpdesks, zh Taobao shops, en Twitter). About 96% of those are acceptable, so the rate should stay low.

Where the source keeps the customer's message a reply answers (the English tweets' `customer_text`), the
guard reads the reply against it, as the app, the API and the chain do with a ticket's messages.

The texts are read from ../shared/data/real_replies/ at run time and checked against the stored SHA-1;
they are never copied into the repository (evaluation and calibration only; see its NOTICE). Rows are split
by sha256 of "file:row": first hex digit 0-7 is dev, 8-f is test. Tune on dev; report test once.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drafting.guards.tone import ToneChecker, ToneReport
from evals import splits
from evals.datafiles import EvalDataError, read_text

ROOT = Path(__file__).resolve().parent.parent
LABEL_DIR = ROOT / "evals" / "data" / "tone_real"
REPLIES = ROOT.parent / "shared" / "data" / "real_replies"


class RealDataError(ValueError):
    """The labels cannot be joined with the replies; the message names the file and the row."""


@dataclass(frozen=True)
class Reply:
    file: str
    row: int
    source: str  # zh-weibo, zh-taobao, en-twitter
    text: str
    # The customer's message the reply answers, where the source keeps it (the English tweets): the guard
    # reads the reply against it, as it does a ticket's messages in the app, the API and the chain.
    customer_text: str = ""

    @property
    def answering(self) -> tuple[str, ...]:
        return (self.customer_text,) if self.customer_text.strip() else ()


def split_of(file: str, row: int) -> str:
    return splits.split_of(f"{file}:{row}")


def source_of(file: str, row: dict[str, str]) -> str:
    if file.startswith("zh"):
        return "zh-taobao" if row.get("source", "").startswith("ecd") else "zh-weibo"
    return "en-twitter"


def read_replies(folder: Path = REPLIES) -> dict[str, list[Reply]]:
    """Every reply of every CSV in the folder, by file name, in row order."""
    if not folder.is_dir():
        raise RealDataError(f"{folder}: no such folder (the real replies live beside the checkout, in ../shared/data)")
    out: dict[str, list[Reply]] = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            out[path.name] = [
                Reply(path.name, i, source_of(path.name, r), r.get("text") or "", r.get("customer_text") or "")
                for i, r in enumerate(csv.DictReader(handle))
            ]
    return out


def label_files() -> list[Path]:
    return sorted(LABEL_DIR.glob("labels*.jsonl"))


def read_labels(path: Path | Sequence[Path] | None = None, replies: dict[str, list[Reply]] | None = None) -> list[tuple[dict[str, Any], Reply]]:
    """The labels of one file, or of several (default: every labels*.jsonl), joined with their reply texts; a row
    whose text no longer matches its SHA-1, or a reply labelled twice, is an error."""
    replies = replies if replies is not None else read_replies()
    paths = label_files() if path is None else [path] if isinstance(path, Path) else list(path)
    joined: list[tuple[dict[str, Any], Reply]] = []
    seen: dict[tuple[str, int], str] = {}
    for one in paths:
        for label, reply in _read_label_file(one, replies):
            where = seen.setdefault((reply.file, reply.row), one.name)
            if where != one.name:
                raise RealDataError(f"{one}: {reply.file} row {reply.row} is labelled in {where} too")
            joined.append((label, reply))
    return joined


def _read_label_file(path: Path, replies: dict[str, list[Reply]]) -> list[tuple[dict[str, Any], Reply]]:
    joined = []
    try:
        text = read_text(path)
    except EvalDataError as exc:  # missing, or not UTF-8: said with the file, as every other label problem
        raise RealDataError(str(exc)) from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            label = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RealDataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        missing = [key for key in ("file", "row", "sha1", "label") if not isinstance(label, dict) or key not in label]
        if missing:
            raise RealDataError(f"{path}:{number}: missing {', '.join(missing)}")
        rows = replies.get(label["file"])
        if rows is None or not 0 <= label["row"] < len(rows):
            raise RealDataError(f"{path}:{number}: {label['file']} row {label['row']} not found")
        reply = rows[label["row"]]
        if hashlib.sha1(reply.text.encode("utf-8")).hexdigest() != label["sha1"]:
            raise RealDataError(f"{path}:{number}: {label['file']} row {label['row']} does not match its sha1")
        joined.append((label, reply))
    return joined


def is_flagged(report: ToneReport) -> bool:
    return bool(report.flags)


def agreement(pairs: Sequence[tuple[dict[str, Any], Reply]], reports: Sequence[ToneReport]) -> dict[str, Any]:
    ok = [rep for (label, _), rep in zip(pairs, reports, strict=True) if label["label"] == "ok"]
    stop = [rep for (label, _), rep in zip(pairs, reports, strict=True) if label["label"] == "stop"]

    def rate(items: Iterable[bool], n: int) -> float:
        return sum(items) / n if n else float("nan")

    return {
        "ok": len(ok),
        "stop": len(stop),
        "false_alarms": rate((is_flagged(r) for r in ok), len(ok)),
        "recall": rate((is_flagged(r) for r in stop), len(stop)),
        "rejects_false_alarms": rate((r.rejects_model_draft for r in ok), len(ok)),
        "rejects_recall": rate((r.rejects_model_draft for r in stop), len(stop)),
        "not_ok_verdict_on_ok": rate((r.verdict != "ok" for r in ok), len(ok)),
    }


def flag_rates(replies: dict[str, list[Reply]], checker: ToneChecker) -> dict[str, Any]:
    by_source: dict[str, list[bool]] = {}
    rejecting: dict[str, list[bool]] = {}
    timings: list[float] = []
    for rows in replies.values():
        for reply in rows:
            if not reply.text.strip():
                continue
            began = time.perf_counter()
            report = checker.check(reply.text, kind="auto", answering=reply.answering)
            timings.append(time.perf_counter() - began)
            by_source.setdefault(reply.source, []).append(is_flagged(report))
            rejecting.setdefault(reply.source, []).append(report.rejects_model_draft)
    out: dict[str, Any] = {
        src: {"replies": len(v), "flag_rate": sum(v) / len(v), "reject_rate": sum(rejecting[src]) / len(v)} for src, v in sorted(by_source.items())
    }
    out["median_ms"] = 1000 * statistics.median(timings) if timings else float("nan")
    return out


def checkers(which: str) -> dict[str, ToneChecker]:
    out = {}
    if which in ("lexicon", "both"):
        out["lexicon"] = ToneChecker()
    if which in ("semantic", "both"):
        from drafting.guards.tone_semantic import default_model

        out["lexicon+semantic"] = ToneChecker(semantic=default_model())
    return out


def run(split: str, rate: bool, which: str = "both", labels: Sequence[Path] | None = None) -> dict[str, Any]:
    replies = read_replies()
    pairs = [(label, reply) for label, reply in read_labels(labels, replies=replies) if split == "all" or split_of(reply.file, reply.row) == split]
    result: dict[str, Any] = {"split": split, "labels": [p.name for p in (labels or label_files())]}
    for name, checker in checkers(which).items():
        reports = [checker.check(reply.text, kind="auto", answering=reply.answering) for _, reply in pairs]
        result[name] = {"labelled": agreement(pairs, reports)}
        for lang in ("zh", "en"):
            sub = [(p, r) for p, r in zip(pairs, reports, strict=True) if p[1].file.startswith(lang)]
            result[name][f"labelled_{lang}"] = agreement([p for p, _ in sub], [r for _, r in sub])
        if rate:
            result[name]["real_replies"] = flag_rates(replies, checker)
    return result


def _print(result: dict[str, Any]) -> None:
    print(f"tone guard on real replies — labelled split: {result['split']} ({', '.join(result['labels'])})")
    for name, parts in result.items():
        if not isinstance(parts, dict):
            continue
        for key in ("labelled", "labelled_zh", "labelled_en"):
            a = parts[key]
            print(
                f"  {name:17s} {key:12s} ok={a['ok']:3d} stop={a['stop']:2d}  false alarms {a['false_alarms']:.1%}  "
                f"recall {a['recall']:.2f}  | rejects: false {a['rejects_false_alarms']:.1%} recall {a['rejects_recall']:.2f}"
            )
        for source, value in (parts.get("real_replies") or {}).items():
            if isinstance(value, dict):
                print(
                    f"  {name:17s} flag rate {source:11s} {value['flag_rate']:.1%} of {value['replies']} "
                    f"(would discard a draft: {value['reject_rate']:.1%})"
                )
            else:
                print(f"  {name:17s} median check {value:.2f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.tone_real", description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--rate", action="store_true", help="also measure the flag rate on every real reply, per source")
    parser.add_argument("--only", choices=("lexicon", "semantic", "both"), default="both")
    parser.add_argument("--labels", type=Path, nargs="+", help="score these label files only (default: every labels*.jsonl)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    try:
        result = run(args.split, args.rate, args.only, args.labels)
    except RealDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
