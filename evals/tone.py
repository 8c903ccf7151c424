"""Score the tone guard against labelled text and write an HTML report.

    python -m evals.tone --data FILE --text-col C --label-col C [--task binary|score] [--report FILE.html]

--task binary (default): labels say whether a text needs revision ("revise"/"fine", 1/0, true/false,
  yes/no). Reports precision, recall and F1 for "needs revision" and "fine", their macro-F1, AUC of the
  score, per-category precision/recall/F1 when a category column is present (`--category-col`, a list or a
  ";"/","-separated string), recall on high-severity items (`--severity-col`) and the false-positive rate on
  good replies. `--split-col split --split test` keeps to one split.
--task score: labels are graded human judgements (e.g. the Stanford Politeness Corpus' Normalized Score).
  Reports Spearman between a sub-score (`--subscore`, default politeness) and the label, and accuracy on
  the top-vs-bottom quartile split (the paper's binary task), the scorer's own median as the cut-off — so
  nothing is fitted to the labels — plus the AUC on those quartiles.

--misses lists the dev rows the guard got wrong, grouped by labelled category, with the flags behind each
  false alarm. It shows only rows that both the file's split column and the project's hash rule
  (evals/splits.py) call dev — on the tone sets the two disagree on about half the rows — and refuses any
  other split.

FILE may be CSV or JSONL. The report has score distributions by label, per-category confusion counts and
the worst misses with the guard's own explanations.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from drafting.guards.tone import CATEGORIES, SUBSCORES, ToneChecker, ToneReport
from evals import report as html_report
from evals.datafiles import EvalDataError, read_jsonl, read_text
from evals.metrics import auc, macro_f1, prf, spearman
from evals.splits import split_of

POSITIVE = {"revise", "1", "true", "yes", "y", "bad", "needs_revision", "needs revision", "flagged"}
NEGATIVE = {"fine", "0", "false", "no", "n", "ok", "good"}


# ── reading ────────────────────────────────────────────────────────────────────────────────────────


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    return list(csv.DictReader(read_text(path).splitlines()))


def _column(rows: Sequence[dict[str, Any]], column: str, path: Path) -> None:
    if rows and column not in rows[0]:
        raise EvalDataError(f"{path}: no column {column!r}; columns are {', '.join(map(str, rows[0]))}")


def binary_label(value: Any, where: str) -> bool:
    key = str(value).strip().lower()
    if key in POSITIVE:
        return True
    if key in NEGATIVE:
        return False
    raise EvalDataError(
        f"{where}: label {value!r} is neither 'needs revision' ({', '.join(sorted(POSITIVE))}) nor 'fine' ({', '.join(sorted(NEGATIVE))})"
    )


def categories_of(value: Any) -> set[str]:
    if value is None or value == "":
        return set()
    if isinstance(value, list):
        return {str(v).strip() for v in value if str(v).strip()}
    return {part.strip() for part in str(value).replace(",", ";").split(";") if part.strip()}


# ── evaluation ─────────────────────────────────────────────────────────────────────────────────────


def evaluate_binary(rows: list[dict[str, Any]], reports: list[ToneReport], args: argparse.Namespace, path: Path) -> dict[str, Any]:
    gold = [binary_label(row[args.label_col], f"{path} row {i + 1}") for i, row in enumerate(rows)]
    # A text counts as caught when the guard puts anything in front of the reviewer: a verdict other than ok,
    # or a low-confidence hint (which leaves the verdict ok but is shown to the reviewer). Style notes count
    # too unless --style ignore: the team's sets were written to a rubric that lists officialese as a reason
    # to revise, while the real-reply rubric (evals/tone_real.py) calls boilerplate fine.
    counts_style = args.style == "count"
    predicted = [r.verdict != "ok" or bool(r.flags) or (counts_style and bool(r.style)) for r in reports]
    overall = prf(gold, predicted)
    result: dict[str, Any] = {
        "task": "binary",
        "n": len(rows),
        "needs_revision": overall.as_dict(),
        "fine": prf([not g for g in gold], [not p for p in predicted]).as_dict(),
        "macro_f1": macro_f1(gold, predicted),
        "auc": auc([100 - r.score for r in reports], gold),
        "accuracy": float(np.mean([g == p for g, p in zip(gold, predicted, strict=True)])),
    }
    fine = [i for i, g in enumerate(gold) if not g]
    result["false_positive_rate_fine"] = float(np.mean([predicted[i] for i in fine])) if fine else float("nan")
    kind_col = args.kind_col if rows and args.kind_col in rows[0] else None
    if kind_col:
        good_replies = [i for i in fine if rows[i].get(kind_col) == "draft"]
        result["false_positive_rate_good_replies"] = float(np.mean([predicted[i] for i in good_replies])) if good_replies else float("nan")
    if rows and args.severity_col in rows[0]:
        high = [i for i, row in enumerate(rows) if str(row.get(args.severity_col, "")).lower() == "high"]
        if high:
            result["high_severity"] = {
                "n": len(high),
                "recall": float(np.mean([predicted[i] for i in high])),
                "blocked": float(np.mean([reports[i].verdict == "block" for i in high])),
            }
    if rows and args.category_col in rows[0]:
        per_category = {}
        for category in CATEGORIES:
            g = [category in categories_of(row.get(args.category_col)) for row in rows]
            p = [any(f.category == category for f in (*r.flags, *r.style)) for r in reports]
            if any(g) or any(p):
                per_category[category] = prf(g, p).as_dict()
        result["per_category"] = per_category
    if rows and args.lang_col in rows[0]:
        result["by_lang"] = {}
        for lang in sorted({str(row.get(args.lang_col)) for row in rows}):
            idx = [i for i, row in enumerate(rows) if str(row.get(args.lang_col)) == lang]
            result["by_lang"][lang] = {"n": len(idx), "macro_f1": macro_f1([gold[i] for i in idx], [predicted[i] for i in idx])}
    result["_gold"] = gold
    result["_predicted"] = predicted
    return result


def evaluate_score(rows: list[dict[str, Any]], reports: list[ToneReport], args: argparse.Namespace, path: Path) -> dict[str, Any]:
    labels = []
    for i, row in enumerate(rows):
        try:
            labels.append(float(row[args.label_col]))
        except (TypeError, ValueError):
            raise EvalDataError(f"{path} row {i + 1}: label {row[args.label_col]!r} is not a number") from None
    values = [float(r.score if args.subscore == "score" else r.subscores[args.subscore]) for r in reports]
    labels_a = np.asarray(labels)
    q1, q3 = np.quantile(labels_a, 0.25), np.quantile(labels_a, 0.75)
    top = [i for i, v in enumerate(labels) if v >= q3]
    bottom = [i for i, v in enumerate(labels) if v <= q1]
    quartile_idx = top + bottom
    cut = float(np.median([values[i] for i in quartile_idx]))
    # Ties at the cut-off are split by the overall score, then count as half right (no label is used).
    correct = 0.0
    for i in top:
        correct += 1.0 if values[i] > cut else 0.5 if values[i] == cut else 0.0
    for i in bottom:
        correct += 1.0 if values[i] < cut else 0.5 if values[i] == cut else 0.0
    return {
        "task": "score",
        "n": len(rows),
        "subscore": args.subscore,
        "spearman": spearman(values, labels),
        "spearman_overall_score": spearman([r.score for r in reports], labels),
        "quartiles": {
            "n": len(quartile_idx),
            "accuracy": correct / len(quartile_idx) if quartile_idx else float("nan"),
            "cut_off": cut,
            "auc": auc([values[i] for i in quartile_idx], [True] * len(top) + [False] * len(bottom)),
        },
        "_labels": labels,
        "_values": values,
        "_top": top,
        "_bottom": bottom,
    }


# ── the report ─────────────────────────────────────────────────────────────────────────────────────


def _flags_cell(report: ToneReport) -> html_report.Markup:
    if not report.flags:
        return html_report.Markup("<span class='muted'>no flags</span>")
    return html_report.Markup(
        "<br>".join(
            f"<b>{html_report.esc(f.category)}</b> ({f.severity}) “{html_report.esc(f.phrase)}” — {html_report.esc(f.explanation_en)}"
            for f in report.flags
        )
    )


def _subscores_cell(report: ToneReport) -> str:
    return ", ".join(f"{k} {v}" for k, v in report.subscores.items())


def write_report(
    out: Path, title: str, source: str, rows: list[dict[str, Any]], reports: list[ToneReport], result: dict[str, Any], args: argparse.Namespace
) -> None:
    texts = [str(row[args.text_col]) for row in rows]
    sections = [f"<p class='muted'>data: {html_report.esc(source)} · {len(rows)} texts · {time.strftime('%Y-%m-%d %H:%M')}</p>"]
    public = {k: v for k, v in result.items() if not k.startswith("_")}
    if result["task"] == "binary":
        gold, predicted = result["_gold"], result["_predicted"]
        nr = result["needs_revision"]
        headline = [
            ("macro-F1 (needs revision vs fine)", result["macro_f1"]),
            ("AUC", result["auc"]),
            ("precision (needs revision)", nr["precision"]),
            ("recall (needs revision)", nr["recall"]),
            ("false-positive rate on fine texts", result["false_positive_rate_fine"]),
        ]
        if "false_positive_rate_good_replies" in result:
            headline.append(("false-positive rate on good replies (drafts)", result["false_positive_rate_good_replies"]))
        if "high_severity" in result:
            headline.append(("recall on high-severity items", result["high_severity"]["recall"]))
        sections.append("<h2>Headline</h2>" + html_report.table(["metric", "value"], headline))
        sections.append(
            "<h2>Score distributions by label</h2>"
            + html_report.histogram(
                {
                    "labelled fine": [r.score for r, g in zip(reports, gold, strict=True) if not g],
                    "labelled needs revision": [r.score for r, g in zip(reports, gold, strict=True) if g],
                },
                "tone score",
            )
        )
        if "per_category" in result:
            rows_html = [
                [c, m["support"], m["tp"], m["fp"], m["fn"], m["precision"], m["recall"], m["f1"]] for c, m in result["per_category"].items()
            ]
            sections.append(
                "<h2>Per category</h2>"
                + html_report.bars({c: m["f1"] for c, m in result["per_category"].items()}, "F1 per category")
                + html_report.table(["category", "gold", "TP", "FP", "FN", "precision", "recall", "F1"], rows_html)
            )
        misses = sorted((i for i, (g, p) in enumerate(zip(gold, predicted, strict=True)) if g and not p), key=lambda i: -reports[i].score)
        false_alarms = sorted((i for i, (g, p) in enumerate(zip(gold, predicted, strict=True)) if p and not g), key=lambda i: reports[i].score)
        for heading, idx in (("Worst misses (needs revision, judged ok)", misses), ("False alarms (fine, judged revise/block)", false_alarms)):
            table_rows = [
                [
                    row_id(rows[i], i),
                    html_report.highlight(texts[i], reports[i].flags),
                    reports[i].score,
                    reports[i].verdict,
                    _flags_cell(reports[i]),
                    _subscores_cell(reports[i]),
                ]
                for i in idx[: args.worst]
            ]
            sections.append(
                f"<h2>{heading}: {len(idx)}</h2>"
                + html_report.table(["id", "text", "score", "verdict", "flags and why", "sub-scores"], table_rows, numeric_from=2)
            )
    else:
        labels, values = result["_labels"], result["_values"]
        q = result["quartiles"]
        sections.append(
            "<h2>Headline</h2>"
            + html_report.table(
                ["metric", "value"],
                [
                    (f"Spearman ({result['subscore']} vs human)", result["spearman"]),
                    ("Spearman (overall score vs human)", result["spearman_overall_score"]),
                    ("quartile accuracy (top vs bottom)", q["accuracy"]),
                    ("quartile AUC", q["auc"]),
                    ("cut-off (scorer's median on the quartiles)", q["cut_off"]),
                ],
            )
        )
        sections.append(
            "<h2>Sub-score distributions by human quartile</h2>"
            + html_report.histogram(
                {"top quartile (polite)": [values[i] for i in result["_top"]], "bottom quartile (impolite)": [values[i] for i in result["_bottom"]]},
                f"{result['subscore']} sub-score",
            )
        )
        order_h, order_s = np.argsort(np.argsort(labels)), np.argsort(np.argsort(values))
        gaps = sorted(range(len(rows)), key=lambda i: -abs(int(order_h[i]) - int(order_s[i])))
        table_rows = [
            [
                row_id(rows[i], i),
                html_report.highlight(texts[i], reports[i].flags),
                labels[i],
                values[i],
                _flags_cell(reports[i]),
                _subscores_cell(reports[i]),
            ]
            for i in gaps[: args.worst]
        ]
        sections.append(
            "<h2>Largest disagreements (rank of human score vs rank of sub-score)</h2>"
            + html_report.table(["id", "text", "human", args.subscore, "flags", "sub-scores"], table_rows, numeric_from=2)
        )
    sections.append("<h2>All figures</h2><pre>" + html_report.esc(json.dumps(json_safe(public), indent=2, ensure_ascii=False)) + "</pre>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html_report.page(title, sections), encoding="utf-8")


def row_id(row: dict[str, Any], index: int) -> str:
    return str(row.get("id") or row.get("Id") or index + 1)


# ── command line ───────────────────────────────────────────────────────────────────────────────────


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals.tone", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, type=Path, help="CSV or JSONL file")
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="label")
    parser.add_argument("--task", choices=("binary", "score"), default="binary")
    parser.add_argument("--category-col", default="categories")
    parser.add_argument("--severity-col", default="severity")
    parser.add_argument("--kind-col", default="kind", help="draft/chat per row; rows without it use --kind")
    parser.add_argument("--lang-col", default="lang")
    parser.add_argument("--kind", default="auto", choices=("auto", "draft", "chat"))
    parser.add_argument("--subscore", default="politeness", choices=(*SUBSCORES, "score"), help="for --task score")
    parser.add_argument("--split-col", default="split")
    parser.add_argument("--split", default=None, help="keep only rows whose split column has this value")
    parser.add_argument("--limit", type=int, default=None, help="evaluate the first N rows (a quick look)")
    parser.add_argument("--report", type=Path, default=Path("data/reports/tone.html"))
    parser.add_argument("--worst", type=int, default=25, help="rows in each 'worst' table")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--semantic", action="store_true", help="add the semantic second opinion (drafting/guards/tone_semantic.py)")
    parser.add_argument(
        "--style",
        choices=("count", "ignore"),
        default="count",
        help="count a style note (officialese) as 'needs revision' (the team sets' rubric) or not (the real-reply rubric)",
    )
    parser.add_argument("--misses", action="store_true", help="list dev rows the guard got wrong, by category (dev rows only)")
    args = parser.parse_args(argv)
    if args.misses and args.split != "dev":
        parser.error("--misses shows dev rows only: test rows are for reporting, never for reading")
    return args


def run(args: argparse.Namespace, checker: ToneChecker | None = None) -> dict[str, Any]:
    rows = read_rows(args.data)
    for column in (args.text_col, args.label_col):
        _column(rows, column, args.data)
    if args.split is not None:
        _column(rows, args.split_col, args.data)
        rows = [row for row in rows if str(row.get(args.split_col)) == args.split]
    if args.limit:
        rows = rows[: args.limit]
    if not rows:
        raise EvalDataError(f"{args.data}: no rows to evaluate")
    if checker is None:
        semantic = None
        if args.semantic:
            from drafting.guards.tone_semantic import default_model

            semantic = default_model()
        checker = ToneChecker(semantic=semantic)
    reports = []
    for i, row in enumerate(rows):
        text = row[args.text_col]
        if not isinstance(text, str):
            raise EvalDataError(f"{args.data} row {i + 1}: column {args.text_col!r} is not text")
        kind = str(row[args.kind_col]) if row.get(args.kind_col) in ("draft", "chat") else args.kind
        lang = row.get(args.lang_col) if row.get(args.lang_col) in ("zh", "en") else None
        reports.append(checker.check(text, kind=kind, lang=lang))
    evaluate = evaluate_binary if args.task == "binary" else evaluate_score
    result = evaluate(rows, reports, args, args.data)
    if getattr(args, "misses", False) and result["task"] == "binary":
        result["_misses"] = readable_misses(rows, reports, result)
    write_report(args.report, f"Tone guard evaluation — {args.task}", str(args.data), rows, reports, result, args)
    return result


def _print_summary(result: dict[str, Any], report: Path) -> None:
    f = html_report.fmt
    if result["task"] == "binary":
        nr = result["needs_revision"]
        print(f"texts: {result['n']}   macro-F1: {f(result['macro_f1'])}   AUC: {f(result['auc'])}   accuracy: {f(result['accuracy'])}")
        print(f"needs revision: precision {f(nr['precision'])} recall {f(nr['recall'])} F1 {f(nr['f1'])} (n={nr['support']})")
        print(
            f"false-positive rate on fine texts: {f(result['false_positive_rate_fine'])}"
            + (f"   on good replies: {f(result['false_positive_rate_good_replies'])}" if "false_positive_rate_good_replies" in result else "")
        )
        if "high_severity" in result:
            hs = result["high_severity"]
            print(f"high-severity items: {hs['n']}   caught: {f(hs['recall'])}   blocked: {f(hs['blocked'])}")
        for lang, m in result.get("by_lang", {}).items():
            print(f"  {lang}: n={m['n']} macro-F1 {f(m['macro_f1'])}")
        if result.get("per_category"):
            print(f"{'category':16} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}")
            for category, m in result["per_category"].items():
                print(f"{category:16} {f(m['precision'], 2):>6} {f(m['recall'], 2):>6} {f(m['f1'], 2):>6} {m['support']:>5}")
    else:
        q = result["quartiles"]
        print(
            f"texts: {result['n']}   Spearman ({result['subscore']} vs label): {f(result['spearman'])}   "
            f"(overall score: {f(result['spearman_overall_score'])})"
        )
        print(f"quartile split: n={q['n']}   accuracy {f(q['accuracy'])}   AUC {f(q['auc'])}   cut-off {q['cut_off']:.1f}")
    print(f"report: {report}")


def readable_misses(rows: list[dict[str, Any]], reports: list[ToneReport], result: dict[str, Any]) -> list[str]:
    """Dev rows the guard got wrong, grouped by labelled category, as printable lines. A row is listed only
    when both its split column and the project's hash rule (evals/splits.py) call it dev, so reading misses
    never shows a row either rule keeps for testing."""
    lines: list[str] = []
    missed: dict[str, list[int]] = {}
    alarms: list[int] = []
    for i, (gold, predicted) in enumerate(zip(result["_gold"], result["_predicted"], strict=True)):
        if gold == predicted or "id" not in rows[i] or split_of(str(rows[i]["id"])) != "dev":
            continue
        if gold:
            for category in sorted(categories_of(rows[i].get("categories"))) or ["(none)"]:
                missed.setdefault(category, []).append(i)
        else:
            alarms.append(i)
    for category, idx in sorted(missed.items()):
        lines.append(f"── missed {category}: {len(idx)}")
        lines += [f"  {row_id(rows[i], i)} [{rows[i].get('severity', '')}] {rows[i]['text']}" for i in idx]
    lines.append(f"── false alarms: {len(alarms)}")
    for i in alarms:
        flags = "; ".join(f"{f.category}/{f.judged_by} “{f.phrase}”" for f in reports[i].flags)
        lines.append(f"  {row_id(rows[i], i)} {rows[i]['text']}  <- {flags}")
    return lines


def json_safe(value: Any) -> Any:
    """NaN (an undefined metric, e.g. precision with no predictions) becomes null: valid JSON."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except EvalDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(json_safe({k: v for k, v in result.items() if not k.startswith("_")}), ensure_ascii=False))
    else:
        _print_summary(result, args.report)
    for line in result.get("_misses", []):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
