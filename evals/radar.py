"""The radar against labelled chat logs: did it find the message that lit the fuse, and do its themes hold
together?

    python -m evals.radar [--data evals/data/chats] [--split dev|test|all] [--json] [--misses]

Each log (evals/data/chats/*.jsonl, written by an author who never saw the radar) holds the gold labels: the
trigger message, and a theme for every complaint. The log is first rendered into one of the export formats
the importer reads — WeChat desktop text, CSV, Telegram JSON or JSON lines, chosen by a hash of the file name — so every run also
exercises the importer; staff are named by list, as a community manager would configure them.

Logs are split by a hash of their file name: the theme lexicon may be tuned looking at `dev` logs only
(`--misses` lists what the radar missed there); `test` logs are for reporting.

With --infer-staff no staff are named, as when a chat is pasted without them: the importer finds staff by
their display names, and the staff column says how many of the labelled staff it found.

Every log is also rendered in every format: it must read back message for message (sender, text, role),
and the trigger is looked for in each.

Reported per log: trigger hit@1 and the gold trigger's rank; complaint precision and recall (a message the
radar calls a complaint vs one with a gold theme); theme purity (for each theme the radar found, the share
of its messages in their most common gold theme, weighted by size).

And the tickets the radar makes, one per member: how many of the members with a gold complaint got one
(members R); the share of tickets whose issue type is "other" (no remedy can be offered on it); of the
tickets with an issue type, the share whose type is one of the member's gold themes (issue P: "defective"
for a member who raised `quality`, "staff_attitude" for `attitude` …); how many of a ticketed member's
messages the ticket holds. With --asks, the same "other" share over the messages of the asks set's dev rows
(evals/data/asks/asks.jsonl): how often one customer's own words name no issue type.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from drafting.guards.tone import default_checker
from drafting.radar.analysis import Radar, analyse, tickets
from drafting.radar.chat_import import parse_chat
from drafting.radar.issues import issue_of
from evals.splits import split_of as row_split

DATA = Path(__file__).resolve().parent / "data" / "chats"
ASKS = Path(__file__).resolve().parent / "data" / "asks" / "asks.jsonl"
# Which gold chat themes an issue type agrees with (README's theme table): a ticket's type is right when
# the member raised one of them.
ISSUE_THEMES = {
    "late_delivery": {"lateness"},
    "not_delivered": {"lateness"},
    "spilled": {"damage"},
    "damaged": {"damage", "quality"},
    "defective": {"quality", "damage"},
    "expired": {"quality"},
    "wrong_item": {"quality"},
    "missing_item": {"quality"},
    "staff_attitude": {"attitude"},
    "benefit_removed": {"value_removed", "price"},
    "privacy": {"privacy"},
    "order_cancelled": {"refund", "other"},
}
FORMATS = ("wechat-text", "csv", "telegram", "jsonl")


def render(rows: list[dict[str, Any]], fmt: str) -> tuple[bytes, str]:
    """The gold log as an export of format `fmt`: (bytes, file name)."""
    if fmt == "wechat-text":
        lines = []
        for r in rows:
            if r["role"] == "system":
                lines.append(r["text"])
            else:
                lines += [f"{r['sender']} {r['time']}", r["text"], ""]
        return "\n".join(lines).encode(), "chat.txt"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["time", "sender", "text"])
        for r in rows:
            writer.writerow([r["time"], r["sender"], r["text"]])
        return buffer.getvalue().encode("utf-8-sig"), "chat.csv"
    if fmt == "telegram":
        messages = []
        for r in rows:
            when = datetime.strptime(r["time"], "%Y-%m-%d %H:%M:%S").isoformat()
            if r["role"] == "system":
                messages.append({"id": r["id"], "type": "service", "date": when, "actor": "", "action": r["text"]})
            else:
                messages.append({"id": r["id"], "type": "message", "date": when, "from": r["sender"], "text": r["text"]})
        return json.dumps({"name": "group", "type": "private_group", "messages": messages}, ensure_ascii=False).encode(), "result.json"
    return "\n".join(
        json.dumps({"time": r["time"], "sender": r["sender"], "text": r["text"]}, ensure_ascii=False) for r in rows
    ).encode(), "chat.jsonl"


def evaluate(path: Path, fmt: str, *, infer_staff: bool = False) -> dict[str, Any]:
    """One log's scores; with `infer_staff` nobody names the staff, as when a chat is pasted without them."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    staff = sorted({r["sender"] for r in rows if r["role"] == "staff"})
    data, name = render(rows, fmt)
    log = parse_chat(data, name=name, staff=() if infer_staff else staff)
    result = {
        "log": path.name,
        "format": fmt,
        "messages": len(rows),
        "imported": len(log.messages),
        "problems": len(log.problems),
        "staff": len(staff),
        "staff_found": len(log.staff & set(staff)),
        "staff_wrong": len(log.staff - set(staff)),
    }
    if len(log.messages) != len(rows):  # the importer merged or lost messages: the labels no longer line up
        result["error"] = f"imported {len(log.messages)} of {len(rows)} messages"
        return result
    radar = analyse(log, default_checker())
    gold_trigger = next(r["id"] for r in rows if r["trigger"]) - 1
    ranking = [c.index for c in radar.triggers]
    gold = {i: r["theme"] for i, r in enumerate(rows) if r["role"] == "member"}
    complaints_gold = {i for i, theme in gold.items() if theme != "none"}
    predicted = radar.complaint_of
    hits = len(set(predicted) & complaints_gold)
    clusters: dict[str, Counter[str]] = defaultdict(Counter)
    for index, theme in predicted.items():
        clusters[theme][gold.get(index, "none")] += 1
    purity = sum(c.most_common(1)[0][1] for c in clusters.values()) / max(sum(sum(c.values()) for c in clusters.values()), 1)
    result.update(
        trigger_hit=ranking[:1] == [gold_trigger],
        trigger_rank=ranking.index(gold_trigger) + 1 if gold_trigger in ranking else None,
        predicted_trigger=rows[ranking[0]]["text"][:60] if ranking else None,
        complaint_precision=round(hits / max(len(predicted), 1), 3),
        complaint_recall=round(hits / max(len(complaints_gold), 1), 3),
        theme_purity=round(purity, 3),
    )
    result.update(ticket_scores(radar, rows))
    return result


def ticket_scores(radar: Radar, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """How the radar's tickets cover the members with a gold complaint and name their issue."""
    gold_themes: dict[str, set[str]] = defaultdict(set)
    written: Counter[str] = Counter()
    for r in rows:
        if r["role"] == "member":
            written[r["sender"]] += 1
            if r["theme"] != "none":
                gold_themes[r["sender"]].add(r["theme"])
    made = tickets(radar, None, imported_at=datetime(2030, 1, 1))
    typed = [t for t in made if t.facts.issue_type != "other" and t.customer in gold_themes]
    agreeing = [t for t in typed if ISSUE_THEMES.get(t.facts.issue_type, set()) & gold_themes[t.customer]]
    return {
        "tickets": len(made),
        "members_recall": round(len({t.customer for t in made} & set(gold_themes)) / max(len(gold_themes), 1), 3),
        "issue_other": round(sum(t.facts.issue_type == "other" for t in made) / max(len(made), 1), 3),
        "issue_precision": round(len(agreeing) / max(len(typed), 1), 3),
        "messages_kept": round(sum(len(t.messages) for t in made) / max(sum(written[t.customer] for t in made), 1), 3),
        "issue_types": dict(Counter(t.facts.issue_type for t in made).most_common()),
    }


def asks_other_share(path: Path = ASKS) -> tuple[int, int]:
    """(rows whose messages name no issue type, dev rows): one customer's words, from the asks set."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    dev = [r for r in rows if row_split(r["id"]) == "dev"]
    return sum(issue_of(r["messages"]) is None for r in dev), len(dev)


def import_failures(path: Path) -> list[str]:
    """The export formats in which this log does not read back message for message (sender, text, role)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    failed = []
    for fmt in FORMATS:
        data, name = render(rows, fmt)
        log = parse_chat(data, name=name, staff={r["sender"] for r in rows if r["role"] == "staff"})
        got = [(m.sender, m.text, m.role) for m in log.messages]
        if got != [(r["sender"], r["text"].strip(), r["role"]) for r in rows] or log.problems:  # outer whitespace is not kept
            failed.append(fmt)
    return failed


def _hash(path: Path) -> int:
    return int(hashlib.sha256(path.name.encode()).hexdigest(), 16)


def split_of(path: Path) -> str:
    return "dev" if _hash(path) % 2 == 0 else "test"


def format_of(path: Path) -> str:
    """The export format a log is rendered to: fixed by its name, so adding logs does not move the others."""
    return FORMATS[(_hash(path) >> 1) % len(FORMATS)]


def misses(path: Path, fmt: str) -> list[str]:
    """Complaints the radar missed or put under another theme, for reading while tuning on dev logs."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    data, name = render(rows, fmt)
    radar = analyse(parse_chat(data, name=name, staff={r["sender"] for r in rows if r["role"] == "staff"}), default_checker())
    out = []
    for i, r in enumerate(rows):
        if r["role"] != "member":
            continue
        got = radar.complaint_of.get(i)
        if r["theme"] != "none" and got != r["theme"]:
            out.append(f"{path.name}#{r['id']} gold {r['theme']} got {got}: {r['text'][:100]!r}")
        elif r["theme"] == "none" and got is not None:
            out.append(f"{path.name}#{r['id']} gold none got {got}: {r['text'][:100]!r}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", choices=["dev", "test", "all"], default="all")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list missed and mis-themed complaints (dev logs only)")
    parser.add_argument("--infer-staff", action="store_true", help="name no staff: the importer finds them by their display names")
    parser.add_argument("--asks", action="store_true", help="also: how often one customer's messages (asks set, dev rows) name no issue type")
    args = parser.parse_args()
    every = sorted(args.data.glob("*.jsonl"))
    if not every:
        raise SystemExit(f"no labelled chat logs (*.jsonl) in {args.data}")
    chosen = [(path, format_of(path)) for path in every if args.split in ("all", split_of(path))]
    if args.misses:
        for path, fmt in chosen:
            if split_of(path) != "dev":
                raise SystemExit("--misses reads dev logs only: add --split dev")
            print("\n".join(misses(path, fmt)))
        return
    results = [evaluate(path, fmt, infer_staff=args.infer_staff) for path, fmt in chosen]
    failures = {path.name: failed for path, _ in chosen if (failed := import_failures(path))}
    # The trigger once more in every other format: the ranking must not depend on how the chat was exported.
    other_formats = {
        path.name: [fmt for fmt in FORMATS if fmt != assigned and not evaluate(path, fmt, infer_staff=args.infer_staff).get("trigger_hit")]
        for path, assigned in chosen
    }
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(
        "| log | format | messages | staff found | trigger hit@1 | gold rank | complaint P | complaint R | theme purity | tickets | members R | issue other | issue P |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['log']} | {r['format']} | {r['messages']} | | import error: {r['error']} | | | | |")
            continue
        staff = f"{r['staff_found']}/{r['staff']}" + (f" (+{r['staff_wrong']} wrong)" if r["staff_wrong"] else "")
        print(
            f"| {r['log']} | {r['format']} | {r['messages']} | {staff} | {'yes' if r['trigger_hit'] else 'no'} | {r['trigger_rank']} | "
            f"{r['complaint_precision']:.2f} | {r['complaint_recall']:.2f} | {r['theme_purity']:.2f} | "
            f"{r['tickets']} | {r['members_recall']:.2f} | {r['issue_other']:.2f} | {r['issue_precision']:.2f} |"
        )
    print(
        f"importer: {len(chosen) * len(FORMATS) - sum(map(len, failures.values()))}/{len(chosen) * len(FORMATS)} renders "
        f"({', '.join(FORMATS)}) read back message for message" + "".join(f"; {name} fails in {', '.join(f)}" for name, f in failures.items())
    )
    missed = sum(map(len, other_formats.values())) + sum(not r.get("trigger_hit") for r in results)
    print(
        f"trigger hit@1 over all four formats: {len(chosen) * len(FORMATS) - missed}/{len(chosen) * len(FORMATS)}"
        + "".join(f"; {name} missed in {', '.join(f)}" for name, f in other_formats.items() if f)
    )
    scored = [r for r in results if "error" not in r]
    if scored:
        print(
            f"\n{args.split}: trigger hit@1 {sum(r['trigger_hit'] for r in scored)}/{len(results)}; "
            f"mean theme purity {sum(r['theme_purity'] for r in scored) / len(scored):.3f}; "
            f"mean complaint P {sum(r['complaint_precision'] for r in scored) / len(scored):.3f}, "
            f"R {sum(r['complaint_recall'] for r in scored) / len(scored):.3f}"
        )
        print(
            f"tickets: {sum(r['tickets'] for r in scored)}; mean members R {sum(r['members_recall'] for r in scored) / len(scored):.3f}; "
            f"issue 'other' {sum(r['issue_other'] * r['tickets'] for r in scored) / max(sum(r['tickets'] for r in scored), 1):.3f}; "
            f"mean issue P {sum(r['issue_precision'] for r in scored) / len(scored):.3f}; "
            f"messages kept {sum(r['messages_kept'] for r in scored) / len(scored):.3f}"
        )
    if args.asks:
        none, total = asks_other_share()
        print(f"asks (dev rows): {none}/{total} name no issue type ({none / max(total, 1):.1%})")


if __name__ == "__main__":
    main()
