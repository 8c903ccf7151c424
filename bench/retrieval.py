"""Retrieval benchmark: ingest throughput, query latency (median, p95) and cold
start at 1k and 10k chunks, on a synthetic scale-up of the sample corpus.

    python -m bench.retrieval [--sizes 1000 10000] [--embedding use] [--queries 300] [--no-write]

Results replace the "Retrieval" section of bench/RESULTS.md, with the machine they
were measured on. Benchmarks, not tests: figures vary with the machine's load.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.results import RESULTS, machine, replace_section
from evals.retrieval import DEFAULT_QUERIES, load_queries
from knowledge.chunking import chunk_document
from knowledge.documents import Document, load_document
from knowledge.embeddings import make_embedding_functions
from knowledge.ingest import discover
from knowledge.store import KnowledgeStore, open_client

ROOT = Path(__file__).resolve().parent.parent


def markers(embedding: str) -> tuple[str, str]:
    """Each embedding setting keeps its own section, so benchmarking one leaves the others."""
    return f"<!-- retrieval {embedding}:begin -->", f"<!-- retrieval {embedding}:end -->"


# Fictional brands and cities swapped into copies so the scaled corpus is not just
# duplicates (duplicates would make both retrievers look better or worse than real).
BRANDS = ["Lanting Fresh", "Qingmu Market", "Harbor Eats", "Sunrise Grocer", "Maple Basket", "Jade Kitchen"]
BRANDS_ZH = ["蓝汀鲜送", "青木集市", "港湾外卖", "朝阳生鲜", "枫叶菜篮", "玉厨到家"]
CITIES = ["Hangzhou", "Chengdu", "Suzhou", "Xiamen", "Wuhan", "Qingdao", "Nanjing", "Changsha"]
CITIES_ZH = ["杭州", "成都", "苏州", "厦门", "武汉", "青岛", "南京", "长沙"]


def sample_documents() -> list[Document]:
    files, _, errors = discover([ROOT / "knowledge" / "samples"])
    if errors:
        raise SystemExit(f"sample corpus has errors: {errors}")
    return [load_document(path) for path in files]


def scaled_documents(base: list[Document], target_chunks: int) -> list[Document]:
    """Copies of the sample documents, each a different brand and city, until the
    corpus holds about `target_chunks` chunks."""
    docs: list[Document] = []
    total = 0
    rng = random.Random(7)
    copy = 0
    while total < target_chunks:
        for doc in base:
            brand_en, brand_zh = BRANDS[copy % len(BRANDS)], BRANDS_ZH[copy % len(BRANDS_ZH)]
            city_en, city_zh = rng.choice(CITIES), rng.choice(CITIES_ZH)
            body = doc.body.replace("Lanting Fresh", brand_en).replace("蓝汀鲜送", brand_zh)
            body = f"({city_en} {city_zh} · edition {copy})\n\n{body}"
            scaled = replace(
                doc,
                source=f"{doc.source}#copy{copy}",
                doc_id=f"{doc.doc_id}-c{copy}",
                title=f"{doc.title} · {brand_en if doc.lang == 'en' else brand_zh}",
                body=body,
                content_hash=f"{doc.content_hash}-{copy}",
                supersedes=(),
            )
            docs.append(scaled)
            total += len(chunk_document(scaled))
            if total >= target_chunks:
                break
        copy += 1
    return docs


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def cold_start(embedding: str) -> dict[str, float]:
    """Seconds, in a fresh interpreter: import + model load + first embedding; and
    the same for the jieba dictionary that BM25 needs."""
    model = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t=time.perf_counter(); from knowledge.embeddings import make_embedding_functions as m; "
            f"[ef.embed_query(['冷启动 cold start']) for ef in m({embedding!r})]; print(time.perf_counter()-t)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    jieba = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t=time.perf_counter(); from knowledge.lexical import tokenize; tokenize('退款'); print(time.perf_counter()-t)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return {"model_s": float(model.stdout.strip()), "jieba_s": float(jieba.stdout.strip())}


def run_size(size: int, embedding: str, n_queries: int, base: list[Document]) -> dict[str, float]:
    docs = scaled_documents(base, size)
    queries = [q.text for q in load_queries(DEFAULT_QUERIES)]
    with tempfile.TemporaryDirectory(prefix="tactful-bench-") as tmp:
        store = KnowledgeStore(open_client(path=Path(tmp)), make_embedding_functions(embedding))
        chunks = 0
        started = time.perf_counter()
        for n, doc in enumerate(docs, start=1):
            doc_chunks = chunk_document(doc)
            store.put(doc, doc_chunks)
            chunks += len(doc_chunks)
            if n % 200 == 0:
                print(f"  ingested {n}/{len(docs)} documents ({chunks} chunks)", file=sys.stderr)
        store.commit()
        ingest_s = time.perf_counter() - started

        reopened = KnowledgeStore(open_client(path=Path(tmp)), make_embedding_functions(embedding))
        started = time.perf_counter()
        reopened.search("warm up 预热", 5)
        first_search_s = time.perf_counter() - started  # loads chunk metadata and builds BM25

        timings: dict[str, list[float]] = {"hybrid": [], "dense": [], "lexical": []}
        rng = random.Random(11)
        for i in range(n_queries):
            query = queries[i % len(queries)]
            for mode in rng.sample(list(timings), k=3):  # shuffled so no mode always runs warm
                started = time.perf_counter()
                reopened.search(query, 5, mode=mode)  # type: ignore[arg-type]
                timings[mode].append(time.perf_counter() - started)
    row: dict[str, float] = {
        "chunks": chunks,
        "documents": len(docs),
        "ingest_s": ingest_s,
        "chunks_per_s": chunks / ingest_s,
        "first_search_s": first_search_s,
    }
    for mode, values in timings.items():
        row[f"{mode}_p50_ms"] = 1000 * statistics.median(values)
        row[f"{mode}_p95_ms"] = 1000 * percentile(values, 0.95)
    return row


def render(embedding: str, rows: list[dict[str, float]], cold: dict[str, float], n_queries: int, command: str) -> str:
    begin, end = markers(embedding)
    lines = [
        begin,
        f"## Retrieval speed — embedding `{embedding}`",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        f"Command: `{command}`. Embedding: `{embedding}`. {n_queries} queries from the labelled set per size, "
        "each run in all three modes in shuffled order; latency is one `KnowledgeStore.search(k=5)` call "
        "(query embedding + Chroma HNSW + BM25 + fusion).",
        "",
        "| chunks | docs | ingest (s) | chunks/s | first search after open (s) | hybrid p50 / p95 (ms) | dense p50 / p95 (ms) | BM25 p50 / p95 (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['chunks']:.0f} | {r['documents']:.0f} | {r['ingest_s']:.1f} | {r['chunks_per_s']:.0f} | "
            f"{r['first_search_s']:.2f} | {r['hybrid_p50_ms']:.1f} / {r['hybrid_p95_ms']:.1f} | "
            f"{r['dense_p50_ms']:.1f} / {r['dense_p95_ms']:.1f} | {r['lexical_p50_ms']:.1f} / {r['lexical_p95_ms']:.1f} |"
        )
    lines += [
        "",
        f"Cold start in a fresh interpreter: embedding model import + load + first query **{cold['model_s']:.2f} s**; "
        f"jieba dictionary load + first tokenisation {cold['jieba_s']:.2f} s.",
    ]
    biggest = rows[-1]
    lines += [
        "",
        "Against the targets (query p50 <= 15 ms, p95 <= 40 ms at 10k chunks; cold start <= 2 s): "
        f"p50 {biggest['hybrid_p50_ms']:.1f} ms {'met' if biggest['hybrid_p50_ms'] <= 15 else 'NOT met'}, "
        f"p95 {biggest['hybrid_p95_ms']:.1f} ms {'met' if biggest['hybrid_p95_ms'] <= 40 else 'NOT met'} "
        f"(at {biggest['chunks']:.0f} chunks); cold start {cold['model_s']:.2f} s "
        f"{'met' if cold['model_s'] <= 2 else 'NOT met'}.",
        end,
    ]
    return "\n".join(lines)


def write_results(block: str, embedding: str) -> None:
    replace_section(block, *markers(embedding), RESULTS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retrieval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--embedding", default="use+e5", help="models fused, joined by +: use, e5 (default use+e5)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args(argv)

    base = sample_documents()
    rows = []
    for size in args.sizes:
        print(f"size {size}: building and ingesting …", file=sys.stderr)
        row = run_size(size, args.embedding, args.queries, base)
        print(f"size {size}: {row}", file=sys.stderr)
        rows.append(row)
    cold = cold_start(args.embedding)
    command = "python -m bench.retrieval " + " ".join(argv if argv is not None else sys.argv[1:])
    block = render(args.embedding, rows, cold, args.queries, command.strip())
    print(block)
    if not args.no_write:
        write_results(block, args.embedding)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
