"""Score the drafter over a scenario set: playbook elements, tone, commitments, duplicates.

    python -m evals.drafts [--scenarios DIR ...] [--drafter composer|configured] [--report FILE.html] [--json]

A scenario is NAME.incident.yaml plus NAME.tickets.jsonl (evals/data/scenarios/, and the sample in
drafting/samples/). For every ticket a reply is drafted (one batch per incident, as staff would), and for
every incident a statement per stage and language. Reported: the share of drafts containing every playbook
element (and each element's share), the tone score distribution and verdicts, the commitment-guard pass
rate, how many replies in a batch are identical or near-identical (character 3-gram Jaccard ≥ 0.9), the
median reply length per language (characters; target ≤ 200 zh, ≤ 600 en — a chat, not a letter) and the share of
a reply's sentences that appear word for word in another reply of the same incident (target ≤ 20%: customers
compare replies in the group). Per language: ask coverage (the share of the customers' asks the reply grants,
declines or hands over, as drafting.guards.ask_coverage reads the text), the most sentences any two replies
of one incident share, and broken fragments (evals/broken_fragments.yaml: empty brackets, a dangling 的 or
colon, "the issue you told us about.", raw minutes over a day, "1 extra months" …).
`--drafter configured` uses the LLM endpoint from the environment when one is set.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from drafting import services
from drafting.domain.files import RecordError, load_incident, read_tickets
from drafting.domain.models import STAGES, Draft
from drafting.drafters.batch import draft_many
from drafting.drafters.composer import Composer
from drafting.guards.checklist import checklist
from drafting.text.data import PackagedDataError
from evals import report as html_report
from knowledge.policy import PolicyBook

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRS = [ROOT / "evals" / "data" / "scenarios", ROOT / "drafting" / "samples"]
FRAGMENTS = Path(__file__).resolve().parent / "broken_fragments.yaml"
ANSWERS = ("granted", "declined", "handed_over")


@dataclass(frozen=True)
class Fragment:
    name: str
    pattern: re.Pattern[str]
    more_than: int | None = None  # count only when the match's `n` group is larger

    def count(self, text: str) -> int:
        found = self.pattern.finditer(text)
        if self.more_than is None:
            return sum(1 for _ in found)
        return sum(1 for m in found if int(m.group("n")) > self.more_than)


@cache
def fragments(path: Path = FRAGMENTS) -> tuple[Fragment, ...]:
    """The broken-fragment patterns, each named; a broken file says which entry and why."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PackagedDataError(f"{path}: expected a mapping of fragment name to {{pattern, more_than?}}")
    out = []
    for name, entry in data.items():
        try:
            out.append(Fragment(str(name), re.compile(entry["pattern"]), int(entry["more_than"]) if "more_than" in entry else None))
        except (KeyError, TypeError) as exc:
            raise PackagedDataError(f"{path}: {name}: needs a pattern ({exc})") from None
        except re.error as exc:
            raise PackagedDataError(f"{path}: {name}: {exc}") from None
    return tuple(out)


def broken_fragments(text: str) -> list[str]:
    """The name of every broken fragment in `text`, once per occurrence."""
    return [fragment.name for fragment in fragments() for _ in range(fragment.count(text))]


def trigrams(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i : i + 3] for i in range(max(0, len(compact) - 2))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


# A sentence ends at a full stop, question or exclamation mark (either width) or a line break.
_SENTENCE_END = re.compile(r"(?<=[。！？!?])|(?<=\.)\s|\n")


def sentences(text: str) -> list[str]:
    """The sentences of a reply, whitespace-trimmed; empty pieces dropped."""
    return [piece.strip() for piece in _SENTENCE_END.split(text) if piece and piece.strip()]


def copied_share(replies: list[str]) -> list[float]:
    """For each reply of one incident, the share of its sentences that appear word for word in another reply
    of the same incident (0.0 for a reply with no sentences)."""
    split = [sentences(text) for text in replies]
    owners: dict[str, set[int]] = {}
    for index, found in enumerate(split):
        for sentence in found:
            owners.setdefault(sentence, set()).add(index)
    return [sum(1 for s in found if owners[s] - {index}) / len(found) if found else 0.0 for index, found in enumerate(split)]


def pair_shares(replies: list[str]) -> list[float]:
    """For each pair of replies of one incident, the sentences they share word for word as a share of the
    shorter reply's sentences ("no two replies share more than 20% of their sentences")."""
    split = [set(sentences(text)) for text in replies]
    return [len(a & b) / min(len(a), len(b)) if a and b else 0.0 for a, b in combinations(split, 2)]


def length_medians(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Median reply length in characters (whitespace not counted) per language."""
    out: dict[str, float] = {}
    for lang in sorted({r["lang"] for r in rows if r["kind"] == "reply"}):
        out[lang] = statistics.median(len("".join(r["text"].split())) for r in rows if r["kind"] == "reply" and r["lang"] == lang)
    return out


def scenario_files(dirs: list[Path]) -> list[tuple[Path, Path | None]]:
    found = []
    for directory in dirs:
        for incident in sorted(directory.glob("*.incident.yaml")):
            tickets = incident.with_name(incident.name.replace(".incident.yaml", ".tickets.jsonl"))
            found.append((incident, tickets if tickets.exists() else None))
    return found


def evaluate(dirs: list[Path], drafter: Any) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    identical = near = pairs = 0
    copied: list[float] = []
    shared_pairs: list[float] = []
    lang_pairs: dict[str, list[float]] = {}
    started = time.perf_counter()
    for incident_path, tickets_path in scenario_files(dirs):
        try:
            incident = load_incident(incident_path)
        except RecordError as exc:
            errors.append(str(exc))
            continue
        drafts: list[tuple[Draft, Any]] = []
        if tickets_path is not None:
            lines = list(read_tickets(tickets_path, incident_id=incident.id))
            errors += [f"{tickets_path}:{line.line}: {line.error}" for line in lines if line.error]
            tickets = [line.ticket for line in lines if line.ticket]
            result = draft_many(drafter, incident, tickets)
            errors += [f"{incident.id}/{ticket_id}: {problem}" for ticket_id, problem in result.errors]
            by_id = {t.id: t for t in tickets}
            drafts += [(d, by_id.get(d.ticket_id or "")) for d in result.drafts]
            grams = [trigrams(d.text) for d in result.drafts]
            copied += copied_share([d.text for d in result.drafts])
            shared_pairs += pair_shares([d.text for d in result.drafts])
            for lang in {d.lang for d in result.drafts}:
                lang_pairs.setdefault(lang, []).extend(pair_shares([d.text for d in result.drafts if d.lang == lang]))
            for a, b in combinations(range(len(result.drafts)), 2):
                pairs += 1
                identical += result.drafts[a].text == result.drafts[b].text
                near += jaccard(grams[a], grams[b]) >= 0.9
        for stage in STAGES:
            for lang in incident.languages:
                drafts.append((drafter.draft_statement(incident, stage, lang), None))
        for draft, ticket in drafts:
            elements = checklist(draft, incident, ticket)
            rows.append(
                {
                    "incident": incident.id,
                    "ticket": draft.ticket_id,
                    "kind": draft.kind,
                    "stage": draft.stage,
                    "lang": draft.lang,
                    "generator": draft.generator,
                    "score": draft.tone.get("score"),
                    "verdict": draft.tone.get("verdict"),
                    "backed": all(c.backed for c in draft.commitments),
                    "elements": elements,
                    "complete": all(elements.values()),
                    "unbacked": [c.phrase for c in draft.commitments if not c.backed],
                    "source": str(incident_path),
                    "warnings": draft.warnings,
                    "text": draft.text,
                    "asks": [(ask.type, ask.answer) for ask in draft.asks],
                    "fragments": broken_fragments(draft.text),
                }
            )
    seconds = time.perf_counter() - started
    summary = summarise(rows, errors, identical, near, pairs, seconds, copied, shared_pairs)
    summary["by_lang"] = by_language(rows, lang_pairs)
    return summary


def by_language(rows: list[dict[str, Any]], lang_pairs: dict[str, list[float]]) -> dict[str, dict[str, Any]]:
    """Per language: ask coverage and how each ask was answered, reply length, the most sentences two replies
    of one incident share, and broken fragments in replies and statements."""
    out: dict[str, dict[str, Any]] = {}
    for lang in sorted({r["lang"] for r in rows}):
        replies = [r for r in rows if r["kind"] == "reply" and r["lang"] == lang]
        asks = [answer for r in replies for _, answer in r["asks"]]
        found = [name for r in rows if r["lang"] == lang for name in r["fragments"]]
        shares = lang_pairs.get(lang, [])
        out[lang] = {
            "replies": len(replies),
            "asks": len(asks),
            "ask_coverage": sum(1 for a in asks if a is not None) / len(asks) if asks else float("nan"),
            "answers": {**{a: asks.count(a) for a in ANSWERS}, "unanswered": asks.count(None)},
            "replies_with_unanswered_ask": sum(1 for r in replies if any(a is None for _, a in r["asks"])),
            "length_median": statistics.median(len("".join(r["text"].split())) for r in replies) if replies else float("nan"),
            "pair_share_max": max(shares) if shares else 0.0,
            "pairs_over_20pct": sum(1 for share in shares if share > 0.2),
            "pairs": len(shares),
            "fragments": len(found),
            "fragment_kinds": {name: found.count(name) for name in sorted(set(found))},
            "drafts_with_fragments": sum(1 for r in rows if r["lang"] == lang and r["fragments"]),
        }
    return out


def summarise(
    rows: list[dict[str, Any]],
    errors: list[str],
    identical: int,
    near: int,
    pairs: int,
    seconds: float,
    copied: list[float] | None = None,
    shared_pairs: list[float] | None = None,
) -> dict[str, Any]:
    def share(items: list[dict[str, Any]], key: str) -> float:
        return sum(1 for r in items if r[key]) / len(items) if items else float("nan")

    out: dict[str, Any] = {"drafts": len(rows), "errors": errors, "seconds": seconds, "incidents": len({r["incident"] for r in rows})}
    for kind in ("reply", "statement"):
        items = [r for r in rows if r["kind"] == kind]
        if not items:
            continue
        element_names = list(items[0]["elements"])
        scores = [r["score"] for r in items if r["score"] is not None]
        out[kind] = {
            "n": len(items),
            "complete": share(items, "complete"),
            "elements": {e: sum(1 for r in items if r["elements"][e]) / len(items) for e in element_names},
            "commitments_backed": share(items, "backed"),
            "tone_median": statistics.median(scores) if scores else float("nan"),
            "tone_p10": sorted(scores)[len(scores) // 10] if scores else float("nan"),
            "verdicts": {v: sum(1 for r in items if r["verdict"] == v) for v in ("ok", "revise", "block")},
            "with_warnings": sum(1 for r in items if r["warnings"]),
        }
    out["duplicates"] = {
        "pairs": pairs,
        "identical": identical,
        "near_identical": near,
        "identical_rate": identical / pairs if pairs else 0.0,
        "near_rate": near / pairs if pairs else 0.0,
        # per reply: the share of its sentences found word for word in another reply of its incident
        "copied_sentences_mean": statistics.mean(copied) if copied else 0.0,
        "copied_sentences_max": max(copied) if copied else 0.0,
        # per pair of replies of one incident: shared sentences over the shorter reply's
        "pairs_over_20pct": sum(1 for share in shared_pairs or [] if share > 0.2),
        "pair_share_max": max(shared_pairs) if shared_pairs else 0.0,
    }
    out["length_median"] = length_medians(rows)
    out["_rows"] = rows
    return out


def write_report(path: Path, result: dict[str, Any]) -> None:
    rows = result["_rows"]
    sections = [
        f"<p class='muted'>{result['incidents']} incidents · {result['drafts']} drafts · {result['seconds']:.1f} s · "
        f"{time.strftime('%Y-%m-%d %H:%M')}</p>"
    ]
    for kind in ("reply", "statement"):
        if kind not in result:
            continue
        m = result[kind]
        sections.append(
            f"<h2>{kind.title()}s ({m['n']})</h2>"
            + html_report.table(
                ["measure", "value"],
                [
                    ("every playbook element present", m["complete"]),
                    ("every promise backed by policy", m["commitments_backed"]),
                    ("tone score, median", m["tone_median"]),
                    ("tone score, 10th percentile", m["tone_p10"]),
                    ("verdicts ok / revise / block", html_report.Markup(" / ".join(str(m["verdicts"][v]) for v in ("ok", "revise", "block")))),
                    ("drafts with warnings", m["with_warnings"]),
                ],
            )
        )
        sections.append(html_report.bars(m["elements"], f"{kind}s containing each element"))
        sections.append(html_report.histogram({kind: [r["score"] for r in rows if r["kind"] == kind]}, f"tone score of {kind}s"))
    d = result["duplicates"]
    sections.append(
        "<h2>Duplicates within a batch</h2>"
        + html_report.table(
            ["measure", "value"],
            [
                ("reply pairs compared", d["pairs"]),
                ("identical", d["identical"]),
                ("near-identical (3-gram Jaccard ≥ 0.9)", d["near_identical"]),
                ("sentences copied from another reply of the incident, mean share", d["copied_sentences_mean"]),
                ("… highest share in one reply", d["copied_sentences_max"]),
                ("reply pairs sharing more than 20% of their sentences", d["pairs_over_20pct"]),
            ]
            + [(f"reply length median, {lang} (characters)", value) for lang, value in result["length_median"].items()],
        )
    )
    sections.append(
        "<h2>Per language: asks answered, copying, broken fragments</h2>"
        + html_report.table(
            ["language", "asks", "answered", "granted / declined / handed over / unanswered", "most sentences two replies share", "broken fragments"],
            [
                [
                    lang,
                    m["asks"],
                    m["ask_coverage"],
                    html_report.Markup(" / ".join(str(m["answers"][a]) for a in (*ANSWERS, "unanswered"))),
                    m["pair_share_max"],
                    ", ".join(f"{k} {v}" for k, v in m["fragment_kinds"].items()) or "0",
                ]
                for lang, m in result.get("by_lang", {}).items()
            ],
        )
    )
    failing = [r for r in rows if not r["complete"] or not r["backed"] or r["verdict"] != "ok"][:40]
    sections.append(
        f"<h2>Drafts that miss something: {len([r for r in rows if not r['complete'] or not r['backed'] or r['verdict'] != 'ok'])}</h2>"
        + html_report.table(
            ["incident", "ticket/stage", "missing", "verdict", "text"],
            [
                [
                    r["incident"],
                    r["ticket"] or r["stage"],
                    ", ".join(k for k, v in r["elements"].items() if not v) or "—",
                    r["verdict"],
                    r["text"][:400],
                ]
                for r in failing
            ],
        )
    )
    if result["errors"]:
        sections.append("<h2>Errors</h2><pre>" + html_report.esc("\n".join(result["errors"])) + "</pre>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_report.page("Drafting evaluation", sections), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.drafts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", nargs="+", type=Path, default=DEFAULT_DIRS)
    parser.add_argument("--drafter", choices=("composer", "configured"), default="composer")
    parser.add_argument("--report", type=Path, default=Path("data/reports/drafts.html"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not scenario_files(args.scenarios):
        print(f"error: no *.incident.yaml in {', '.join(map(str, args.scenarios))}", file=sys.stderr)
        return 2
    if args.drafter == "configured":
        drafter = services.drafter(services.default_settings(), with_store=False)
    else:
        drafter = Composer(PolicyBook.load(None))
    result = evaluate(args.scenarios, drafter)
    write_report(args.report, result)
    public = {k: v for k, v in result.items() if not k.startswith("_")}
    if args.json:
        print(json.dumps(public, ensure_ascii=False, default=float))
    else:
        for kind in ("reply", "statement"):
            if kind in result:
                m = result[kind]
                print(
                    f"{'replies' if kind == 'reply' else 'statements'}: {m['n']}  complete {m['complete']:.3f}  promises backed {m['commitments_backed']:.3f}  "
                    f"tone median {m['tone_median']:.0f} (p10 {m['tone_p10']:.0f})  verdicts {m['verdicts']}"
                )
                print("   " + "  ".join(f"{e} {v:.2f}" for e, v in m["elements"].items()))
        d = result["duplicates"]
        print(f"duplicates: {d['identical']} identical, {d['near_identical']} near-identical of {d['pairs']} reply pairs")
        print(
            f"copied sentences: mean {d['copied_sentences_mean']:.2f}, max {d['copied_sentences_max']:.2f}; "
            f"pairs sharing > 20%: {d['pairs_over_20pct']} of {d['pairs']}   length median: "
            + "  ".join(f"{lang} {value:.0f}" for lang, value in result["length_median"].items())
        )
        for lang, m in result["by_lang"].items():
            print(
                f"{lang}: asks answered {m['ask_coverage']:.3f} ({m['asks'] - m['answers']['unanswered']} of {m['asks']}; "
                + " / ".join(f"{a} {m['answers'][a]}" for a in ANSWERS)
                + f")  length median {m['length_median']:.0f}  most shared by two replies {m['pair_share_max']:.2f}  "
                f"broken fragments {m['fragments']} {m['fragment_kinds'] or ''}"
            )
        print(f"errors: {len(result['errors'])}   report: {args.report}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
