"""The consumption chart as an SVG drawn on the server (no script, no outside service):
each interval between readings is a bar as wide as its days and as high as its m³ per day;
the same period of the year before is a dark step line; estimated intervals are striped.
The page shows the same numbers as a table (for screen readers and for printing)."""

from datetime import date

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 30, 40
PRIMARY = "#00596b"
BEFORE = "#17324d"
MONTHS = ["gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"]


def number(value, decimals=2):
    """Italian decimals: 0,35."""
    return f"{value:.{decimals}f}".replace(".", ",")


def _ticks(top):
    step = top / 4
    return [step * i for i in range(5)]


def svg(rows, *, title_id="chart-title", desc_id="chart-desc"):
    """The chart of `rows` (consumption.chart_rows) as safe SVG markup; '' without rows."""
    if not rows:
        return ""
    start = min(r["start"] for r in rows)
    end = max(r["end"] for r in rows)
    span = max((end - start).days, 1)
    highest = max(max(r["per_day"], r["before"] or 0) for r in rows) or 1
    top = highest * 1.15
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day):
        return LEFT + plot_w * (day - start).days / span

    def y(value):
        return TOP + plot_h * (1 - value / top)

    parts = [
        f'<svg class="sp-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        '<defs><pattern id="sp-est" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="3" height="6" fill="{PRIMARY}"/></pattern></defs>',
    ]
    for value in _ticks(top):
        ty = y(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
            'stroke="#c5c7c9" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#17324d">{number(value)}</text>'
        )
    parts.append(f'<text x="{LEFT - 50}" y="14" font-size="12" fill="#17324d">m³/giorno</text>')
    # Month marks at the start of each quarter.
    year, month = start.year, start.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        mark = date(year, month, 1)
        if mark > end:
            break
        if month in (1, 4, 7, 10):
            mx = x(mark)
            label = f"{MONTHS[month - 1]} {year}" if month == 1 else MONTHS[month - 1]
            parts.append(
                f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{HEIGHT - BOTTOM}" '
                f'y2="{HEIGHT - BOTTOM + 5}" stroke="#17324d"/>'
                f'<text x="{mx:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
                f'font-size="12" fill="#17324d">{escape(label)}</text>'
            )
    for r in rows:
        x0, x1 = x(r["start"]), x(r["end"])
        y0 = y(r["per_day"])
        fill = "url(#sp-est)" if r["estimated"] else PRIMARY
        parts.append(
            f'<rect x="{x0 + 1:.1f}" y="{y0:.1f}" width="{max(x1 - x0 - 2, 1):.1f}" '
            f'height="{HEIGHT - BOTTOM - y0:.1f}" fill="{fill}" stroke="{PRIMARY}"/>'
        )
    # The year before: a step line over the same intervals.
    points = []
    for r in rows:
        if r["before"] is None:
            if points:
                parts.append(_polyline(points))
                points = []
            continue
        by = y(r["before"])
        points += [(x(r["start"]), by), (x(r["end"]), by)]
    if points:
        parts.append(_polyline(points))
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#17324d"/></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - numbers and fixed words only


def _polyline(points):
    coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    return (
        f'<polyline points="{coords}" fill="none" stroke="{BEFORE}" stroke-width="3" '
        'stroke-dasharray="8 4"/>'
    )
