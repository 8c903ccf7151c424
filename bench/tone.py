"""Tone-guard throughput: `check` on short chat messages and on full replies, one process, one thread.

    python -m bench.tone [--seconds 3] [--runs 5] [--no-write]

Texts are generated from fragments (zh and en, with and without fire-starting phrases) so no two are the
same; each run checks texts for about --seconds and reports texts per second. The median of --runs runs is
recorded in the "Tone guard" section of bench/RESULTS.md with the machine. Compiling the lexicon is timed
separately (it happens once per process).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timezone

from bench.results import machine, publish
from drafting.tone import ToneChecker, load_lexicon

BEGIN, END = "<!-- tone:begin -->", "<!-- tone:end -->"

SHORT_ZH = ["收到，马上帮您查", "别闹了行吗", "您的订单已经在配送中", "这是规定", "好的，稍等一下哦", "我也没办法",
            "退款已经提交了", "亲，这边建议您仔细阅读规则哦", "谢谢您的耐心", "有本事你去投诉", "今天18点前回复您"]
SHORT_EN = ["On it, checking now", "calm down", "Your refund is on the way", "as per our policy", "Thanks for waiting",
            "that's not our problem", "Sent you a DM", "per my last message", "Back in 10 minutes", "lol ok"]
REPLY_ZH = ["很抱歉，您的订单晚到了{n}分钟，这是我们的责任。", "我们已为您办理全额退款{n}元，3天内原路退回。",
            "另外发放一张30元无门槛优惠券，有效期30天。", "配送站已经调整了高峰期的派单规则，明天起生效。",
            "如有问题请拨打24小时专线400-820-1234，5分钟内回复。", "下一次进展我们会在周五18:00前告诉您。",
            "给您带来不便敬请谅解。", "我们高度重视。"]
REPLY_EN = ["We're sorry your order was {n} minutes late; that's on us.", "We have refunded {n} yuan to your card today.",
            "We also added a 30-yuan coupon with no minimum spend, valid for 30 days.",
            "Our delivery team changed how peak-hour orders are assigned, starting tomorrow.",
            "Call our 24-hour line 400-820-1234 and we'll answer within 5 minutes.",
            "We'll post the next update by 6 pm on Friday.", "We apologise for any inconvenience.",
            "We take this very seriously."]


def short_messages(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    pool = SHORT_ZH + SHORT_EN
    return [f"{rng.choice(pool)}{rng.choice(['', '！', '?', ' 😀', '～'])} #{i}" for i in range(count)]


def full_replies(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        parts = REPLY_ZH if i % 2 else REPLY_EN
        chosen = rng.sample(parts, k=rng.randint(4, 6))
        out.append(" ".join(p.format(n=rng.randint(20, 180)) for p in chosen))
    return out


def throughput(checker: ToneChecker, texts: list[str], kind: str, seconds: float) -> float:
    done, started = 0, time.perf_counter()
    while True:
        for text in texts:
            checker.check(text, kind=kind)
        done += len(texts)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return done / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tone", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    load_lexicon()
    compile_s = time.perf_counter() - started
    checker = ToneChecker()
    short, replies = short_messages(2000), full_replies(400)
    rows = {}
    for label, texts, kind in (("short chat messages", short, "chat"), ("full replies", replies, "draft")):
        runs = [throughput(checker, texts, kind, args.seconds) for _ in range(args.runs)]
        rows[label] = (statistics.median(runs), min(runs), max(runs), statistics.median(len(t) for t in texts))
        print(f"{label}: median {rows[label][0]:,.0f}/s (runs {', '.join(f'{r:,.0f}' for r in runs)})", file=sys.stderr)
    lines = [
        BEGIN,
        "## Tone guard throughput",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {machine()}; `python -m bench.tone` "
        f"(single process, {args.runs} runs of ~{args.seconds:g} s; generated zh/en texts, some with flagged phrases).",
        "",
        "| texts | median length (chars) | median texts/s | slowest run | fastest run | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    targets = {"short chat messages": "≥ 20,000", "full replies": "≥ 2,000"}
    for label, (median, low, high, length) in rows.items():
        lines.append(f"| {label} | {length:.0f} | {median:,.0f} | {low:,.0f} | {high:,.0f} | {targets[label]} |")
    lines += ["", f"Compiling the lexicon (once per process): {compile_s:.2f} s.", END]
    publish(lines, BEGIN, END, write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
