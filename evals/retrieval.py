"""Retrieval evaluation: recall@1, recall@3 and MRR per language pair on a labelled
query set, against a fresh store built from the sample knowledge base.

    python -m evals.retrieval [--embedding use|e5] [--mode hybrid|dense|lexical]
                              [--split dev|test|all] [--scope filtered|mixed]
                              [--queries FILE] [--corpus DIR] [--report FILE.html] [--json]

Each query names the language of the documents it should be answered from
(`doc_lang`); with `--scope filtered` (the default) search is restricted to that
language, so "en→zh" measures an English question answered from Chinese policy.
`--scope mixed` searches the whole knowledge base with no language filter, the way a
mixed-language knowledge base is searched when a clause may exist in one language
only; there a relevant section in either language counts, and rows are grouped by
the question's language ("zh→*"). `--scope one-copy` is the case translations hide:
a knowledge base holding each document in one language only (English for half the
document ids, Chinese for the other half, by the split rule on the id), searched with
no filter; a query is cross-language when its answer exists only in the other
language. A query counts as found at k when any chunk of a
relevant (document, heading) pair is among the first k results ("recall@k" in the
hit-rate sense: one relevant section is enough to ground a reply).

Intents are split dev/test by evals/splits.py on the intent id, so the four phrasings
of one intent never sit on both sides: tune on `--split dev`, report `--split test`.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evals.splits import split_of
from knowledge.documents import load_document
from knowledge.embeddings import make_embedding_functions
from knowledge.ingest import discover, ingest
from knowledge.store import KnowledgeStore, SearchResult, open_client

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUERIES = Path(__file__).parent / "data" / "retrieval_queries.yaml"
DEFAULT_CORPUS = ROOT / "knowledge" / "samples"
DEPTH = 10
SPLITS = ("dev", "test", "all")
SCOPES = ("filtered", "mixed", "one-copy")


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    query_lang: str
    doc_lang: str
    relevant: frozenset[tuple[str, str]]  # (doc id, heading) in the documents' language
    intent: str = ""
    # (doc id, heading) in every language the intent labels: what a mixed-language search may find
    relevant_any: frozenset[tuple[str, str]] = frozenset()

    @property
    def pair(self) -> str:
        return f"{self.query_lang}→{self.doc_lang}"

    @property
    def split(self) -> str:
        return split_of(self.intent or self.id.split(":")[0])


def load_queries(path: Path) -> list[Query]:
    """Expand each intent into one query per language pair ("zh-en": a Chinese
    question answered from English documents)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    queries = []
    for n, intent in enumerate(data["intents"], start=1):
        try:
            for pair, text in intent["queries"].items():
                query_lang, doc_lang = pair.split("-")
                queries.append(
                    Query(
                        id=f"{intent['id']}:{pair}",
                        text=text,
                        query_lang=query_lang,
                        doc_lang=doc_lang,
                        relevant=frozenset((r["doc"], r[doc_lang]) for r in intent["relevant"]),
                        intent=intent["id"],
                        relevant_any=frozenset((r["doc"], r[lang]) for r in intent["relevant"] for lang in ("en", "zh") if lang in r),
                    )
                )
        except (KeyError, TypeError, ValueError) as exc:
            raise SystemExit(f"{path}: intent #{n} ({intent.get('id', '?')}) is malformed: {exc!r}") from None
    return queries


def kept_language(doc_id: str) -> str:
    """The one language `--scope one-copy` keeps of a document."""
    return "en" if hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[0] in "02468ace" else "zh"


def one_copy_corpus(corpus: Path, out: Path) -> Path:
    """Copies of the corpus's files in each document's kept language only."""
    files, _, errors = discover([corpus])
    if errors:
        raise SystemExit(f"{corpus}: {errors[0]}")
    out.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(files):
        doc = load_document(path)
        if doc.lang == kept_language(doc.doc_id):
            shutil.copy(path, out / f"{n:03d}-{path.name}")
    return out


def select(queries: list[Query], split: str) -> list[Query]:
    """The queries of one half of the intents ("all": every query)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    return queries if split == "all" else [q for q in queries if q.split == split]


def first_hit(results: list[SearchResult], query: Query, scope: str = "filtered") -> int | None:
    relevant = query.relevant_any if scope == "mixed" else query.relevant
    for rank, result in enumerate(results, start=1):
        if (result.doc_id, result.heading) in relevant:
            return rank
    return None


def check_labels(store: KnowledgeStore, queries: list[Query]) -> list[str]:
    """Labels that match no stored chunk would silently count as misses: refuse them."""
    known = {(m["doc_id"], m["heading"], m["lang"]) for m in store.collection.get(include=["metadatas"])["metadatas"] or []}
    problems = []
    for query in queries:
        for doc_id, heading in query.relevant:
            if (doc_id, heading, query.doc_lang) not in known:
                problems.append(f"{query.id}: no {query.doc_lang} chunk for doc {doc_id!r} heading {heading!r}")
    return problems


def evaluate(store: KnowledgeStore, queries: list[Query], mode: str, scope: str = "filtered") -> dict[str, Any]:
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}: expected one of {', '.join(SCOPES)}")
    mixed = scope in ("mixed", "one-copy")
    if scope == "one-copy":
        queries = _as_one_copy(store, queries)
    elif mixed:
        # Without a filter zh-zh and zh-en ask the same search; a phrasing written identically for both counts once.
        queries = list({(q.intent, q.text): q for q in queries}.values())
    rows: list[dict[str, Any]] = []
    latencies = []
    for query in queries:
        start = time.perf_counter()
        results = store.search(query.text, DEPTH, lang=None if mixed else query.doc_lang, mode=mode)  # type: ignore[arg-type]
        latencies.append(time.perf_counter() - start)
        rank = first_hit(results, query, scope)
        rows.append(
            {
                "id": query.id,
                "query": query.text,
                "pair": f"{query.query_lang}→*" if scope == "mixed" else query.pair,
                "rank": rank,
                "top": [f"{r.doc_id} › {r.heading}" for r in results[:3]],
                "expected": sorted(f"{d} › {h}" for d, h in (query.relevant_any if mixed else query.relevant)),
            }
        )
    by_pair: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_pair[row["pair"]].append(row)
        by_pair["all"].append(row)
        if scope != "mixed" and row["pair"][:2] != row["pair"][-2:]:
            by_pair["cross-language"].append(row)
    metrics = {pair: _metrics(items) for pair, items in sorted(by_pair.items())}
    latencies.sort()
    return {
        "mode": mode,
        "scope": scope,
        "metrics": metrics,
        "rows": rows,
        "latency_ms_p50": round(1000 * latencies[len(latencies) // 2], 2) if latencies else None,
    }


def _as_one_copy(store: KnowledgeStore, queries: list[Query]) -> list[Query]:
    """Each intent's phrasings relabelled for a one-copy store: the answer is the kept
    language's section, and the pair says which language that is. One query per text."""
    kept = {doc.doc_id: doc.lang for doc in store.documents().values()}
    by_intent: dict[str, list[Query]] = defaultdict(list)
    for query in queries:
        by_intent[query.intent].append(query)
    out: dict[tuple[str, str], Query] = {}
    for group in by_intent.values():
        relevant = frozenset((doc, heading) for q in group for doc, heading in q.relevant if kept.get(doc) == q.doc_lang)
        langs = sorted({kept[doc] for doc, _ in relevant})
        if not relevant or len(langs) != 1:
            continue  # answered in both languages (several documents): not the one-copy case
        for query in group:
            out.setdefault((query.intent, query.text), Query(query.id, query.text, query.query_lang, langs[0], relevant, query.intent, relevant))
    return list(out.values())


def _metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    n = len(rows) or 1
    ranks = [row["rank"] for row in rows]
    return {
        "n": len(rows),
        "recall@1": round(sum(1 for r in ranks if r == 1) / n, 3),
        "recall@3": round(sum(1 for r in ranks if r is not None and r <= 3) / n, 3),
        "mrr": round(sum(1 / r for r in ranks if r) / n, 3),
    }


def write_report(path: Path, result: dict[str, Any], embedding: str) -> None:
    metric_rows = "".join(
        f"<tr><td>{html.escape(pair)}</td><td>{m['n']}</td><td>{m['recall@1']:.3f}</td><td>{m['recall@3']:.3f}</td><td>{m['mrr']:.3f}</td></tr>"
        for pair, m in result["metrics"].items()
    )
    misses = "".join(
        f"<tr><td>{html.escape(r['id'])}</td><td>{html.escape(r['pair'])}</td><td>{html.escape(r['query'])}</td>"
        f"<td>{r['rank'] or '—'}</td><td>{html.escape('; '.join(r['expected']))}</td>"
        f"<td>{html.escape('; '.join(r['top']))}</td></tr>"
        for r in result["rows"]
        if r["rank"] != 1
    )
    path.write_text(
        f"""<!doctype html><meta charset="utf-8"><title>Tactful retrieval evaluation</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}</style>
<h1>Retrieval evaluation</h1><p>embedding: {html.escape(embedding)} · mode: {html.escape(result["mode"])} ·
scope: {html.escape(result.get("scope", "filtered"))} ·
median query latency {result["latency_ms_p50"]} ms</p>
<table><tr><th>pair</th><th>n</th><th>recall@1</th><th>recall@3</th><th>MRR</th></tr>{metric_rows}</table>
<h2>Queries not answered first</h2>
<table><tr><th>id</th><th>pair</th><th>query</th><th>rank</th><th>expected</th><th>top 3</th></tr>{misses}</table>
""",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.retrieval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedding", default="use+e5", help="models fused, joined by +: use, e5 (default use+e5)")
    parser.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"])
    parser.add_argument("--split", default="all", choices=SPLITS, help="half of the intents to score (tune on dev; default all)")
    parser.add_argument("--scope", default="filtered", choices=SCOPES, help="filtered: search the documents' language; mixed: no language filter")
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--report", type=Path, help="write an HTML report here")
    parser.add_argument("--json", action="store_true", help="print metrics as JSON")
    args = parser.parse_args(argv)

    queries = select(load_queries(args.queries), args.split)
    if not queries:
        print(f"{args.queries}: no queries in split {args.split!r}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tactful-eval-") as tmp:
        store = KnowledgeStore(open_client(path=Path(tmp) / "store"), make_embedding_functions(args.embedding))
        corpus = one_copy_corpus(args.corpus, Path(tmp) / "one-copy") if args.scope == "one-copy" else args.corpus
        report = ingest(store, [corpus])
        if report.errors:
            for error in report.errors:
                print(f"error: {error}", file=sys.stderr)
            return 2
        problems = [] if args.scope == "one-copy" else check_labels(store, queries)
        if problems:
            print("labels that match no chunk:\n  " + "\n  ".join(problems), file=sys.stderr)
            return 2
        result = evaluate(store, queries, args.mode, args.scope)
    if args.report:
        write_report(args.report, result, args.embedding)
    if args.json:
        print(json.dumps({"embedding": args.embedding, "split": args.split, **{k: v for k, v in result.items() if k != "rows"}}, ensure_ascii=False))
    else:
        print(
            f"embedding={args.embedding} mode={args.mode} scope={args.scope} split={args.split} "
            f"queries={len(result['rows'])} p50={result['latency_ms_p50']} ms"
        )
        print(f"{'pair':<16}{'n':>4}{'R@1':>8}{'R@3':>8}{'MRR':>8}")
        for pair, m in result["metrics"].items():
            print(f"{pair:<16}{m['n']:>4}{m['recall@1']:>8.3f}{m['recall@3']:>8.3f}{m['mrr']:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
