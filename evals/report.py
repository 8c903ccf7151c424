"""Self-contained HTML reports with inline SVG plots: no JavaScript, no CDN, opens offline."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

PALETTE = ("#2f6fb0", "#d1495b", "#edae49", "#66a182", "#8d6cab", "#00798c")

_STYLE = """
body{font-family:system-ui,-apple-system,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem auto;
max-width:1100px;color:#222;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ddd;padding:.25rem .55rem;text-align:left;
vertical-align:top;font-size:.9rem}th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777}.flag{background:#fde2e4;border-radius:3px;padding:0 2px}.svgbox{display:inline-block;margin:.4rem}
.ok{color:#1b7a3d}.bad{color:#b3261e}
"""


def esc(value: object) -> str:
    return html.escape(str(value))


def fmt(value: object, digits: int = 3) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def page(title: str, sections: Sequence[str]) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{esc(title)}</h1>{''.join(sections)}</body></html>"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[object]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            css = " class='num'" if i >= numeric_from and isinstance(value, (int, float)) else ""
            cells.append(f"<td{css}>{value if isinstance(value, Markup) else esc(fmt(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


class Markup(str):
    """A string that is already HTML (not escaped again by `table`)."""


def histogram(groups: Mapping[str, Sequence[float]], title: str, lo: float = 0, hi: float = 100, bins: int = 20) -> str:
    """Overlaid histograms (share of each group per bin), one colour per group."""
    width, height, pad = 520, 240, 36
    step = (hi - lo) / bins
    shares: dict[str, list[float]] = {}
    for name, values in groups.items():
        counts = [0] * bins
        for v in values:
            counts[min(bins - 1, max(0, int((v - lo) / step)))] += 1
        total = max(1, len(values))
        shares[name] = [c / total for c in counts]
    top = max((max(s) for s in shares.values() if s), default=1) or 1
    bar_w = (width - 2 * pad) / bins
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height + 40}' role='img'>",
        f"<title>{esc(title)}</title>",
        f"<text x='{pad}' y='16' font-size='13' font-weight='bold'>{esc(title)}</text>",
    ]
    for g, (name, values) in enumerate(shares.items()):
        colour = PALETTE[g % len(PALETTE)]
        for b, share in enumerate(values):
            h = (height - 2 * pad) * share / top
            x = pad + b * bar_w
            parts.append(
                f"<rect x='{x:.1f}' y='{height - pad - h:.1f}' width='{bar_w - 1:.1f}' height='{h:.1f}' "
                f"fill='{colour}' fill-opacity='0.55'><title>{esc(name)}: {share:.0%}</title></rect>"
            )
        parts.append(
            f"<rect x='{pad + g * 150}' y='{height + 8}' width='12' height='12' fill='{colour}'/>"
            f"<text x='{pad + g * 150 + 16}' y='{height + 18}' font-size='12'>{esc(name)} (n={len(groups[name])})</text>"
        )
    parts.append(f"<line x1='{pad}' y1='{height - pad}' x2='{width - pad}' y2='{height - pad}' stroke='#444'/>")
    for tick in range(5):
        value = lo + (hi - lo) * tick / 4
        x = pad + (width - 2 * pad) * tick / 4
        parts.append(f"<text x='{x:.0f}' y='{height - pad + 14}' font-size='11' text-anchor='middle'>{value:g}</text>")
    parts.append("</svg>")
    return f"<div class='svgbox'>{''.join(parts)}</div>"


def bars(values: Mapping[str, float], title: str, maximum: float = 1.0) -> str:
    """Horizontal bars (e.g. F1 per category)."""
    row_h, label_w, width = 20, 150, 520
    height = row_h * len(values) + 30
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>",
        f"<title>{esc(title)}</title><text x='0' y='14' font-size='13' font-weight='bold'>{esc(title)}</text>",
    ]
    for i, (name, value) in enumerate(values.items()):
        y = 24 + i * row_h
        v = 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else value
        w = (width - label_w - 50) * max(0.0, min(1.0, v / maximum))
        parts.append(
            f"<text x='0' y='{y + 13}' font-size='12'>{esc(name)}</text>"
            f"<rect x='{label_w}' y='{y + 2}' width='{w:.1f}' height='{row_h - 6}' fill='{PALETTE[0]}'/>"
            f"<text x='{label_w + w + 4:.1f}' y='{y + 13}' font-size='11'>{fmt(value, 2)}</text>"
        )
    parts.append("</svg>")
    return f"<div class='svgbox'>{''.join(parts)}</div>"


def highlight(text: str, flags: Sequence[Any]) -> Markup:
    """The text with each flag's span marked (drafting.guards.tone.segments does the cutting)."""
    from drafting.guards.tone import segments

    return Markup("".join(f"<span class='flag'>{esc(run)}</span>" if flag else esc(run) for run, flag in segments(text, flags)))
