"""Server-rendered SVG charts for the printed report and the PDF (no JavaScript there).

Pure functions: data in, SVG markup out. Every chart carries its numbers as text beside the
marks, has role="img" with a <title> and <desc>, and draws a suppressed value as a gap with
the disclosure symbol and the legend, never as a zero. Colours have at least 3:1 contrast
against white (WCAG 1.4.11, graphical objects); text is dark grey on white (over 4.5:1).
"""

import textwrap

from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.disclosure import SUPPRESSED, legend

# Contrast against white: 6.4, 5.6, 5.1, 7.9 and 7.5 to 1.
COLOURS = ("#1f5fa8", "#b3401b", "#2e7d32", "#6a3d9a", "#555555")
TEXT = "#1a1a1a"
AXIS = "#767676"  # 4.5:1
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _number(value, decimals=0):
    """Norwegian grouping: a no-break space between thousands."""
    return f"{float(value):,.{decimals}f}".replace(",", "\u00a0")


def _value_text(value, percent, unit):
    if value is None:
        return SUPPRESSED
    if unit == "%":
        if percent is None:
            return _number(value)
        return f"{_number(value)} ({_number(percent)}\u00a0%)"
    decimals = 0 if float(value).is_integer() else 1
    suffix = f"\u00a0{unit}" if unit else ""
    return f"{_number(value, decimals)}{suffix}"


def _point_text(value, unit):
    decimals = 0 if float(value).is_integer() or unit == "%" else 1
    suffix = f"\u00a0{unit}" if unit else ""
    return f"{_number(value, decimals)}{suffix}"


def _svg(width, height, title, desc, body):
    # Safe HTML because every text in it (titles, labels, numbers, the legend) went through
    # escape() on its way in: the charts are built here, from our own markup, and only here
    # is that known. Callers put the result into templates as it is. Reviewed exception to
    # bandit's B703 (tests/surveys/test_charts.py checks a label with markup comes out escaped).
    return SafeString(  # nosec B703
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {FONT} font-size="12">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{body}</svg>"
    )


def _legend_lines(y, width):
    """The disclosure legend, wrapped to the chart's width (SVG text does not wrap)."""
    lines = textwrap.wrap(str(legend()), width=max(40, width // 7))
    spans = "".join(
        f'<tspan x="0" dy="{0 if i == 0 else 14}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return len(lines), f'<text x="0" y="{y}" fill="{TEXT}" font-size="11">{spans}</text>'


def _with_legend(height, width, parts):
    count, markup = _legend_lines(height + 12, width)
    parts.append(markup)
    return height + 14 * count + 6


def bar_chart(rows, *, title, unit="%"):
    """Horizontal bars, one per (label, value, percent); value None = suppressed.

    With unit "%" a bar's length is its percent (the value is the count shown beside it);
    otherwise the bar's length is the value itself (a mean, a median) with `unit` after it.
    """
    rows = list(rows)
    label_width, bar_width, row_height, top = 190, 300, 26, 8
    width = label_width + bar_width + 130
    lengths = [
        (percent if unit == "%" else value) if value is not None else None
        for _label, value, percent in rows
    ]
    scale_max = max([v for v in lengths if v is not None] or [1]) or 1
    if unit == "%":
        scale_max = max(scale_max, 100)
    parts, described = [], []
    any_suppressed = False
    for index, ((label, value, percent), length) in enumerate(zip(rows, lengths, strict=True)):
        y = top + index * row_height
        text = _value_text(value, percent, unit)
        described.append(f"{label}: {text}")
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" fill="{TEXT}">'
            f"{escape(str(label))}</text>"
        )
        if value is None:
            any_suppressed = True
            # A gap: an outlined empty slot with the symbol, never a bar of zero.
            parts.append(
                f'<rect x="{label_width}" y="{y + 4}" width="24" height="16" fill="none" '
                f'stroke="{AXIS}" stroke-dasharray="3 2" data-suppressed="true"/>'
                f'<text x="{label_width + 32}" y="{y + 16}" fill="{TEXT}">{SUPPRESSED}</text>'
            )
            continue
        bar = 0 if length is None else max(0.0, float(length)) / float(scale_max) * bar_width
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{bar:.1f}" height="16" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{label_width + bar + 6:.1f}" y="{y + 16}" fill="{TEXT}">'
            f"{escape(text)}</text>"
        )
    height = top + len(rows) * row_height + 8
    parts.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - 8}" '
        f'stroke="{AXIS}"/>'
    )
    if any_suppressed:
        height = _with_legend(height, width, parts)
    return _svg(width, height, title, "; ".join(described), "".join(parts))


def trend_chart(series, *, title, unit="%"):
    """Lines over editions: `series` is [(name, [(year, value or None), ...]), ...].

    A suppressed year is a break in the line with the symbol at that year; the value of every
    point is written beside it.
    """
    series = [(name, list(points)) for name, points in series]
    years = sorted({year for _name, points in series for year, _value in points})
    values = [v for _name, points in series for _year, v in points if v is not None]
    left, right, top, plot_height = 50, 40, 16, 180
    step = 110
    width = left + right + max(1, len(years) - 1) * step + 60
    top_value = max(values or [1])
    if unit == "%":
        top_value = max(top_value, 100)
    top_value = float(top_value) or 1.0
    x_of = {year: left + 30 + i * step for i, year in enumerate(years)}

    def y_of(value):
        return top + plot_height - float(value) / top_value * plot_height

    bottom = top + plot_height
    parts = [
        f'<line x1="{left}" y1="{bottom}" x2="{width - right}" y2="{bottom}" stroke="{AXIS}"/>'
    ]
    for year in years:
        parts.append(
            f'<text x="{x_of[year]}" y="{bottom + 18}" text-anchor="middle" fill="{TEXT}">'
            f"{year}</text>"
        )
    described, any_suppressed = [], False
    legend_y = bottom + 40
    for index, (name, points) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        points = sorted(points)
        run = []
        runs = []
        for year, value in points:
            if value is None:
                any_suppressed = True
                if run:
                    runs.append(run)
                run = []
                parts.append(
                    f'<text x="{x_of[year]}" y="{bottom - 6}" text-anchor="middle" '
                    f'fill="{TEXT}" data-suppressed="true">{SUPPRESSED}</text>'
                )
            else:
                run.append((x_of[year], y_of(value)))
                parts.append(
                    f'<circle cx="{x_of[year]}" cy="{y_of(value):.1f}" r="4" fill="{colour}"/>'
                    f'<text x="{x_of[year] + 7}" y="{y_of(value) - 7:.1f}" fill="{TEXT}">'
                    f"{escape(_point_text(value, unit))}</text>"
                )
        if run:
            runs.append(run)
        for line in runs:
            if len(line) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
                parts.append(
                    f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"/>'
                )
        described.append(
            f"{name}: "
            + ", ".join(
                f"{year} {SUPPRESSED if value is None else _number(value, 0)}"
                for year, value in points
            )
        )
        parts.append(
            f'<rect x="{left}" y="{legend_y - 10 + index * 18}" width="12" height="12" '
            f'fill="{colour}"/><text x="{left + 18}" y="{legend_y + index * 18}" '
            f'fill="{TEXT}">{escape(str(name))}</text>'
        )
    height = legend_y + len(series) * 18 + 4
    if any_suppressed:
        height = _with_legend(height, width, parts)
    desc = "; ".join(described) or _("No data")
    return _svg(width, height, title, desc, "".join(parts))
