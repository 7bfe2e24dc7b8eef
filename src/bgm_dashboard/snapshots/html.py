"""The quarter report as one self-contained HTML file: inline CSS, charts as inline SVG, no
scripts and nothing loaded from elsewhere; prints on A4."""

from __future__ import annotations

from html import escape

from bgm_dashboard.formatting import number
from bgm_dashboard.snapshots.chart import Series, geometry
from bgm_dashboard.snapshots.document import Charts, Document, Heading, PageBreak, Para, Table

STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#212529;max-width:58em;margin:2em auto;
padding:0 1em;font-size:11pt;line-height:1.45}
header.cover{background:#1f5c99;color:#fff;padding:2em;margin-bottom:2em}
header.cover h1{margin:.2em 0;font-size:2em;color:#fff}
h1{color:#1f5c99;font-size:1.5em;margin-top:1.2em}h2{font-size:1.15em;margin-top:1em}
table{border-collapse:collapse;width:100%;margin:.6em 0}
th,td{border-bottom:1px solid #ced4da;padding:.25em .4em;text-align:left;vertical-align:top}
th{font-weight:600}.small{font-size:.85em;color:#6c757d}table.small{font-size:.8em}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:1em}
figure{margin:0}figcaption{font-weight:600;font-size:.9em}
footer{margin-top:3em;font-size:.8em;color:#6c757d}
.pb{break-after:page}@page{size:A4;margin:18mm}
"""
W, H, LEFT, BOTTOM = 320.0, 170.0, 38.0, 18.0


def _svg(series: Series, lang: str) -> str:
    geo = geometry(series)
    width, height = W - LEFT - 6, H - BOTTOM - 8

    def at(p: tuple[float, float]) -> str:
        return f"{LEFT + p[0] * width:.2f},{8 + (1 - p[1]) * height:.2f}"

    parts = [f'<svg viewBox="0 0 {W:.0f} {H:.0f}" role="img" aria-label="{escape(series.title)}">']
    for value, ty in geo.ticks:
        y = 8 + (1 - ty) * height
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + width:.2f}" y1="{y:.2f}" y2="{y:.2f}" '
            'stroke="#ced4da" stroke-width="0.6"/>'
        )
        label = escape(number(value, lang, series.digits))
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + 3:.2f}" font-size="9" text-anchor="end" '
            f'fill="#6c757d">{label}</text>'
        )
    for gx, label in zip(geo.xs, series.labels, strict=True):
        parts.append(
            f'<text x="{LEFT + gx * width:.2f}" y="{H - 4}" font-size="9" '
            f'text-anchor="middle" fill="#6c757d">{escape(label)}</text>'
        )
    if geo.band:
        parts.append(f'<polygon points="{" ".join(at(p) for p in geo.band)}" fill="#cddef0"/>')
    previous = None
    for point in geo.points:
        if point is not None and previous is not None:
            a, b = at(previous).split(","), at(point).split(",")
            parts.append(
                f'<line x1="{a[0]}" y1="{a[1]}" x2="{b[0]}" y2="{b[1]}" '
                'stroke="#1f5c99" stroke-width="2"/>'
            )
        previous = point
    for i, point in enumerate(geo.points):
        if point is not None:
            cx, cy = at(point).split(",")
            r = 4 if i == len(geo.points) - 1 else 2.5
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="#1f5c99"/>')
    parts.append("</svg>")
    return "".join(parts)


def _table(block: Table) -> str:
    cls = ' class="small"' if block.small else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in block.header) if any(block.header) else ""
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
    )
    return (
        f"<table{cls}>"
        + (f"<thead><tr>{head}</tr></thead>" if head else "")
        + f"<tbody>{rows}</tbody></table>"
    )


def render_html(doc: Document) -> bytes:
    meta = doc.meta
    out = [
        f'<!DOCTYPE html><html lang="{meta.lang}"><head><meta charset="utf-8">',
        f"<title>{escape(meta.title)}</title><style>{STYLE}</style></head><body>",
        f'<header class="cover"><div>BGM Resilienz-Dashboard</div><h1>{escape(meta.title)}</h1>',
        f"<div>{escape(meta.subtitle)}</div></header>",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            tag = "h1" if block.level == 1 else "h2"
            out.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif isinstance(block, Para):
            cls = ' class="small"' if block.small else ""
            text = escape(block.text).replace("\n", "<br>")
            out.append(f"<p{cls}>{text}</p>")
        elif isinstance(block, Table):
            out.append(_table(block))
        elif isinstance(block, Charts):
            figures = "".join(
                f"<figure><figcaption>{escape(s.title)}</figcaption>{_svg(s, meta.lang)}</figure>"
                for s in block.series
            )
            out.append(f'<div class="charts">{figures}</div>')
        elif isinstance(block, PageBreak):
            out.append('<div class="pb"></div>')
    out.append(f"<footer>{escape(meta.footer)}</footer></body></html>")
    return "\n".join(out).encode("utf-8")
