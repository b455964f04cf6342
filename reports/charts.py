"""Server-rendered SVG charts: no JavaScript, scale to any width (viewBox), print in black and white.

Each chart carries role="img", a <title> and a <desc> with the numbers, and the page shows the
same numbers in a table next to it, so the chart is never the only way to read a figure."""

from html import escape

from django.utils.safestring import SafeString, mark_safe

ACCENT = "#8b2323"
SECOND = "#1a5fb4"
PEAK = "#b8860b"
GRID = "#d0d0d0"
TEXT = "#333"


def _nice_max(value: float) -> float:
    """A round axis maximum; small ones are multiples of 4 so the four gridlines stay whole numbers."""
    if value <= 0:
        return 4
    if value <= 8:
        return 4 if value <= 4 else 8
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 4, 6, 8, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(n: float) -> str:
    if n >= 10000:
        return f"{n / 10000:g}万"
    return f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"


def daily_chart(days: list[dict], *, bar_key: str, line_key: str, peak_date: str | None, title: str,
                bar_label: str, line_label: str) -> SafeString:
    """Bars (e.g. participations) and a line (e.g. page views) per day, the peak day marked."""
    width, height, left, right, top, bottom = 480, 270, 44, 44, 30, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(days), 1)
    bar_max = _nice_max(max((d[bar_key] for d in days), default=0))
    line_max = _nice_max(max((d[line_key] for d in days), default=0))
    slot = plot_w / n
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="c-{bar_key}-t c-{bar_key}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="13" font-family="sans-serif">',
        f'<title id="c-{bar_key}-t">{escape(title)}</title>',
        f'<desc id="c-{bar_key}-d">' + escape("; ".join(
            f'{d["date"]}: {bar_label} {d[bar_key]}, {line_label} {d[line_key]}' for d in days)) + "</desc>",
    ]
    for i in range(5):
        y = top + plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{ACCENT}">{_fmt(bar_max * (4 - i) / 4)}</text>')
        parts.append(f'<text x="{width - right + 6}" y="{y + 4:.1f}" fill="{SECOND}">{_fmt(line_max * (4 - i) / 4)}</text>')
    label_every = max(1, round(n / 5))
    points = []
    for i, d in enumerate(days):
        x = left + slot * i
        h = plot_h * d[bar_key] / bar_max
        is_peak = d["date"] == peak_date
        colour = PEAK if is_peak else ACCENT
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{top + plot_h - h:.1f}" width="{max(slot * 0.7, 1):.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape(d["date"])}: {d[bar_key]}</title></rect>'
        )
        points.append(f"{x + slot / 2:.1f},{top + plot_h - plot_h * d[line_key] / line_max:.1f}")
        if i % label_every == 0 or is_peak:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="{TEXT}">'
                         f'{escape(d["date"][5:])}</text>')
        if is_peak:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{top - 10:.1f}" text-anchor="middle" font-weight="bold" '
                         f'fill="{PEAK}">▼ 峰值 Peak {escape(d["date"][5:])}</text>')
    if len(points) > 1:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{SECOND}" stroke-width="2.5" '
                     f'stroke-dasharray="6 3"/>')
    elif points:
        x, y = points[0].split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="4" fill="{SECOND}"/>')
    legend_y = height - 10
    parts.append(f'<rect x="{left}" y="{legend_y - 10}" width="12" height="12" fill="{ACCENT}"/>'
                 f'<text x="{left + 16}" y="{legend_y}" fill="{TEXT}">{escape(bar_label)}</text>')
    parts.append(f'<line x1="{left + 200}" x2="{left + 226}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="{SECOND}" '
                 f'stroke-width="2.5" stroke-dasharray="6 3"/><text x="{left + 232}" y="{legend_y}" fill="{TEXT}">'
                 f'{escape(line_label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def hbar_chart(rows: list[tuple[str, float]], *, title: str, key: str) -> SafeString:
    """Horizontal bars, one per labelled value (levels, provinces, top libraries)."""
    row_h, left, right, top = 28, 140, 56, 8
    width = 480
    height = top * 2 + row_h * max(len(rows), 1)
    vmax = max((v for _, v in rows), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="h-{key}-t h-{key}-d" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="14" font-family="sans-serif">',
        f'<title id="h-{key}-t">{escape(title)}</title>',
        f'<desc id="h-{key}-d">' + escape("; ".join(f"{label}: {value}" for label, value in rows)) + "</desc>",
    ]
    for i, (label, value) in enumerate(rows):
        y = top + row_h * i
        w = (width - left - right) * value / vmax
        short = label if len(label) <= 9 else label[:8] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + 17}" text-anchor="end" fill="{TEXT}">{escape(short)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{ACCENT}"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 17}" fill="{TEXT}">{_fmt(value)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
