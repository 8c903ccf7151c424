"""API load: 50 concurrent clients on loopback create tickets and ask for composer drafts, for 60 s, against
`tactful serve` on SQLite and on PostgreSQL.

    python -m bench.load [--clients 50] [--seconds 60] [--backends sqlite postgresql] [--workers 1] [--no-write]

Each client loops: POST /v1/tickets (a new ticket with facts), then POST /v1/tickets/{id}/draft (the
composer drafts it, both guards run, the draft is stored for review). The server is a real process started
the way `tactful serve` starts; PostgreSQL is a throwaway cluster on loopback (fsync off). The load
generator runs on the same 2 cores, so its own CPU use is part of the figures. One API key is shared by all
clients, so the per-key rate limit is raised for the run. Results replace the "API load" section of
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from bench.results import machine, publish
from drafting.guards.tone import ToneChecker
from drafting.workflow import db
from drafting.workflow.api_keys import create_api_key
from drafting.workflow.core import Workflow
from testkit.servers import ApiServer, throwaway_postgres

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"
ISSUES = ["late_delivery", "spilled", "damaged", "wrong_item", "missing_item", "not_delivered"]
MESSAGES = {
    "zh": ["晚了一个小时，汤都洒了", "客服一直不回复，到底怎么回事", "东西全压坏了"],
    "en": ["My order was an hour late and cold.", "Nobody answers the phone.", "Everything arrived crushed."],
}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"create": [], "draft": []})
    errors: Counter = field(default_factory=Counter)  # counted during the warm-up too
    measure_from: float = 0.0  # perf_counter time when the warm-up ends


def ticket(client: int, n: int, rng: random.Random, incident_id: str) -> dict:
    lang = rng.choice(["zh", "en"])
    return {
        "id": f"L{client}-{n}",
        "incident_id": incident_id,
        "customer": f"Customer {client}-{n}",
        "lang": lang,
        "order_id": f"LT{client:02d}{n:05d}",
        "messages": [rng.choice(MESSAGES[lang])],
        "facts": {"issue_type": rng.choice(ISSUES), "delay_minutes": rng.randint(0, 120), "order_amount": rng.randint(20, 300)},
    }


async def client_loop(number: int, base: str, key: str, incident_id: str, stop_at: float, tally: Tally, rate: float | None) -> None:
    """Back to back when `rate` is None (saturation); else one ticket-and-draft every 1/rate seconds on a
    fixed schedule, latency counted from when the request was due (a late start is the server's delay too,
    so queueing is not hidden: no coordinated omission)."""
    rng = random.Random(number)
    due = time.perf_counter() + (rng.random() / rate if rate else 0.0)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=30) as http:
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            if rate:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                start, due = due, due + 1 / rate
            else:
                start = time.perf_counter()
            try:
                created = await http.post("/v1/tickets", json=ticket(number, n, rng, incident_id))
            except httpx.HTTPError as exc:
                tally.errors[f"create {type(exc).__name__}"] += 1
                continue
            measured = start >= tally.measure_from
            if measured:
                tally.latencies["create"].append(time.perf_counter() - start)
            if created.status_code != 201:
                tally.errors[f"create {created.status_code}"] += 1
                continue
            start = time.perf_counter()
            try:
                drafted = await http.post(f"/v1/tickets/{created.json()['id']}/draft")
            except httpx.HTTPError as exc:
                tally.errors[f"draft {type(exc).__name__}"] += 1
                continue
            if measured:
                tally.latencies["draft"].append(time.perf_counter() - start)
            if drafted.status_code != 201:
                tally.errors[f"draft {drafted.status_code}"] += 1


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else (values or [0.0])[0]


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'tactful.db'}"
    else:
        with throwaway_postgres() as url:
            yield url


def run(backend: str, clients: int, seconds: float, workers: int, rate: float | None, warmup: float) -> dict:
    incident = yaml.safe_load((ROOT / "drafting/samples/delivery-growth.incident.yaml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="tactful-load-") as tmp, database(backend, Path(tmp)) as url:
        key = create_api_key(Workflow(db.session_factory(url), ToneChecker()), "load", ["admin"])
        env = {
            "TACTFUL_DATA_DIR": str(Path(tmp) / "data"),
            "TACTFUL_DATABASE_URL": url,
            "TACTFUL_API_RATE": "100000",
            "TACTFUL_API_BURST": "100000",
            "OPENAI_API_KEY": None,
            "OPENAI_BASE_URL": None,
        }  # composer mode
        with ApiServer(env, workers=workers, log=Path(tmp) / "server.log", cwd=Path(tmp)) as server:
            created = httpx.post(f"{server.url}/v1/incidents", headers={"X-API-Key": key}, json=_jsonable(incident), timeout=30)
            created.raise_for_status()
            tally = Tally()

            async def main() -> float:
                stop_at = time.monotonic() + warmup + seconds
                tally.measure_from = time.perf_counter() + warmup
                await asyncio.gather(*(client_loop(n, server.url, key, incident["id"], stop_at, tally, rate) for n in range(clients)))
                return time.perf_counter() - tally.measure_from

            elapsed = asyncio.run(main())
    drafts, creates = tally.latencies["draft"], tally.latencies["create"]
    return {
        "backend": backend,
        "workers": workers,
        "rate": rate,
        "elapsed": elapsed,
        "drafts": len(drafts),
        "creates": len(creates),
        "errors": sum(tally.errors.values()),
        "error_kinds": dict(tally.errors),
        "draft_p50": percentile(drafts, 50),
        "draft_p99": percentile(drafts, 99),
        "create_p50": percentile(creates, 50),
        "create_p99": percentile(creates, 99),
    }


def _jsonable(value: object) -> object:
    """YAML dates as ISO text, the way a ticket system would send them."""
    return json.loads(json.dumps(value, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time per run, after the warm-up")
    parser.add_argument(
        "--warmup", type=float, default=5.0, help="seconds of load before measuring (connections open, models load); errors count throughout"
    )
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only for more than 1)")
    parser.add_argument(
        "--rates",
        nargs="+",
        default=["max", "0.5", "1"],
        help="tickets per second per client: 'max' sends back to back (saturation); a number paces each client",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    results = []
    for rate_text in args.rates:
        rate = None if rate_text == "max" else float(rate_text)
        for backend in args.backends:
            workers = args.workers if backend == "postgresql" else 1
            print(f"{backend}: {args.clients} clients at {rate_text} for {args.seconds:.0f} s, {workers} worker(s) …", flush=True)
            results.append(run(backend, args.clients, args.seconds, workers, rate, args.warmup))
            print(results[-1], flush=True)
    lines = [
        BEGIN,
        "## API load",
        "",
        f"`python -m bench.load --clients {args.clients} --seconds {args.seconds:.0f} --rates {' '.join(args.rates)}` — {machine()}.",
        "",
        f"{args.clients} concurrent clients on loopback, each creating a ticket and then asking for its composer draft "
        "(both guards run; the draft is stored for review), against a `tactful serve` process. The load generator "
        f"shares the machine's cores with the server. Each run starts with a {args.warmup:g} s warm-up that is not "
        "measured (connections open, lazily loaded models load); errors count throughout.",
        "",
        "Two kinds of run. *Saturation*: every client sends its next request as soon as the last one is answered, "
        f"which finds the most the server can do; latency is then mostly queueing ({args.clients} clients ÷ throughput). "
        "*Paced*: each client sends one ticket and its draft request on a fixed schedule, and latency counts from "
        "when the request was due, so a server that falls behind shows it.",
        "",
        "| load | database | workers | requests/s | drafts/s | draft p50 | draft p99 | create p50 | create p99 | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rate = (r["drafts"] + r["creates"]) / r["elapsed"]
        load = "saturation" if r["rate"] is None else f"paced, {r['rate'] * args.clients:g} tickets/s"
        lines.append(
            f"| {load} | {r['backend']} | {r['workers']} | {rate:.0f} | {r['drafts'] / r['elapsed']:.0f} | "
            f"{r['draft_p50'] * 1000:.0f} ms | {r['draft_p99'] * 1000:.0f} ms | {r['create_p50'] * 1000:.0f} ms | "
            f"{r['create_p99'] * 1000:.0f} ms | {r['errors']}{' ' + str(r['error_kinds']) if r['errors'] else ''} |"
        )
    lines += ["", "Target: 0 errors and a draft p99 of at most 250 ms.", END]
    publish(lines, BEGIN, END, write=not args.no_write)


if __name__ == "__main__":
    main()
