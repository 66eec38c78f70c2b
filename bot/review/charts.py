"""Server-side SVG charts for the dashboard: pure functions from figures to accessible SVG strings."""

from __future__ import annotations

import unicodedata
from html import escape
from typing import Callable, Mapping, Sequence

LINE_COLOUR = "#1f5fbf"
GRID = "#d0d5dd"
INK = "#1d2433"
MUTED = "#5b6476"
FONT = 16
# Every label has a place no other label can reach, so nothing overlaps whatever the figures are:
# the legend has its own row above the plot; a month's labels stay inside its column, which is
# as wide as the widest of them; under the axis, the month, its year and "so far" have a line each.
STEP = 64  # px per month at least: room for a value label such as 100% at 16px
GAP = 8  # px kept between the labels of neighbouring months
LEFT, RIGHT = 64, 28
LEGEND_Y = 26  # baseline of the legend row
TOP = 72  # the plot's top line: a value on it has its label well below the legend row
PLOT = 212
BOTTOM = 80  # three lines of labels under the axis
HEIGHT = TOP + PLOT + BOTTOM
ASCENT, DESCENT = 1.16, 0.29  # em above and below the baseline of a CJK font's line box (Noto Sans CJK)


def text_width(body: str, size: float, weight: str = "normal") -> float:
    """A generous estimate of a label's width in px: wide and ambiguous characters (漢字, emoji, –)
    one em, wide Latin glyphs (%, W, M) 0.9 em, other ASCII 0.62 em, joiners and selectors none."""
    em = 0.0
    for ch in body:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        if unicodedata.east_asian_width(ch) in "WFA" or ord(ch) > 0xFFFF:
            em += 1.0
        else:
            em += 0.9 if ch in "%@MWmw" else 0.62
    return em * size * (1.06 if weight == "bold" else 1.0)


def text_box(x: float, y: float, body: str, size: float, anchor: str = "middle",
             weight: str = "normal") -> tuple[float, float, float, float]:
    """(left, top, right, bottom) a <text> element covers by that estimate, its whole line box."""
    width = text_width(body, size, weight)
    left = x - {"start": 0, "middle": width / 2, "end": width}[anchor]
    return left, y - ASCENT * size, left + width, y + DESCENT * size


def _text(x: float, y: float, body: str, size: int = FONT, anchor: str = "middle", fill: str = INK,
          weight: str = "normal") -> str:
    """One escaped <text> element; presentation attributes only, so the page's CSP needs no inline styles."""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"'
            f' font-weight="{weight}">{escape(body)}</text>')


def _open(title: str, desc: str, width: int, height: int, kind: str) -> str:
    """The <svg> element with its accessible name and description (inline in HTML: no xmlns needed)."""
    return (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img"'
            f' aria-label="{escape(title)}" class="chart {kind}">'
            f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>")


def month_label(month: str) -> tuple[str, str]:
    """'2026-03' → ('3月', '2026'): the month on the first line, its year on the second."""
    year, _, number = month.partition("-")
    return (f"{int(number)}月", year) if number.isdigit() else (month, "")


def _describe(labels: Sequence[str], values: Sequence[float | None], fmt: Callable[[float], str],
              notes: Sequence[str] = ()) -> str:
    """Every point in words, for screen readers: 「2026年3月 4.2 分；2026年4月（1–3 日）沒有資料」."""
    parts = []
    for i, (label, value) in enumerate(zip(labels, values)):
        name, year = month_label(label)
        note = f"（{notes[i]}）" if i < len(notes) and notes[i] else ""
        parts.append(f"{year}年{name}{note} {fmt(value) if value is not None else '沒有資料'}")
    return "；".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Indexes of consecutive known values: each run is drawn as one line, gaps stay open."""
    runs, current = [], []
    for i, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(i)
    return runs + [current] if current else runs


LEGEND = "空心點：樣本太少（少於 20 筆）"
LEGEND_SIZE = 15


def _legend_width() -> float:
    """The legend's sample point and words."""
    return 18 + text_width(LEGEND, LEGEND_SIZE)


def _legend(width: int) -> str:
    """Explains the hollow marker used for months with too few answers, in its own row at the top right
    (where a phone, opening the chart at its newest month, shows it)."""
    x = width - RIGHT - _legend_width() + 6
    return (f'<circle cx="{x:.1f}" cy="{LEGEND_Y - 6}" r="6" fill="#ffffff" stroke="{MUTED}" stroke-width="2.5"/>'
            + _text(x + 12, LEGEND_Y, LEGEND, size=LEGEND_SIZE, anchor="start", fill=MUTED))


def _step(labels: Sequence[str], values: Sequence[float | None], fmt: Callable[[float], str],
          notes: Sequence[str]) -> float:
    """The width of a month's column: its widest label and a gap, never less than STEP."""
    widths = [text_width(fmt(v), FONT, "bold") for v in values if v is not None]
    for label in labels:
        name, year = month_label(label)
        widths += [text_width(name, FONT), text_width(year, 14)]
    widths += [text_width(note, 14) for note in notes] + [text_width("無資料", 14)]
    return max([STEP] + [w + GAP for w in widths])


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None], *,
               ticks: Sequence[float], fmt: Callable[[float], str], few: Sequence[bool] = (),
               notes: Sequence[str] = (), colour: str = LINE_COLOUR, desc: str = "") -> str:
    """A monthly series as a line: gaps where a value is None, hollow points where `few` is true.

    `ticks` are the y-axis grid values (the first and last bound the axis); `fmt` writes a value as
    people read it (「4.2 分」「85%」) for the axis, the point labels and the description; `notes`
    add a third line under a month (「1–3 日」 under a month that has only begun).
    """
    low, high = ticks[0], ticks[-1]
    step = _step(labels, values, fmt, notes)
    left = max([LEFT] + [text_width(fmt(t), 14) + 8 + GAP for t in ticks])  # the axis labels' column
    width = round(max(left + step * len(values) + RIGHT, left + _legend_width() + RIGHT, 420))
    bottom = TOP + PLOT
    x_of = lambda i: left + step * i + step / 2  # noqa: E731 - tiny coordinate helpers
    y_of = lambda v: TOP + PLOT * (1 - (min(max(v, low), high) - low) / ((high - low) or 1))  # noqa: E731
    few = list(few) + [False] * (len(values) - len(few))
    notes = list(notes) + [""] * (len(values) - len(notes))
    parts = [_open(title, desc or _describe(labels, values, fmt, notes), width, HEIGHT, "line")]
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 8, y + 5, fmt(tick), size=14, anchor="end", fill=MUTED))
    for run in _runs(values):
        points = " ".join(f"{x_of(i):.1f},{y_of(values[i]):.1f}" for i in run)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"/>')
    for i, (label, value) in enumerate(zip(labels, values)):
        name, year = month_label(label)
        parts.append(_text(x_of(i), bottom + 24, name))
        if year and (i == 0 or name == "1月"):
            parts.append(_text(x_of(i), bottom + 46, year, size=14, fill=MUTED))
        if notes[i]:
            parts.append(_text(x_of(i), bottom + 68, notes[i], size=14, fill=MUTED))
        if value is None:
            parts.append(_text(x_of(i), bottom - 8, "無資料", size=14, fill=MUTED))
            continue
        fill = "#ffffff" if few[i] else colour
        parts.append(f'<circle cx="{x_of(i):.1f}" cy="{y_of(value):.1f}" r="6" fill="{fill}"'
                     f' stroke="{colour}" stroke-width="2.5"/>')
        parts.append(_text(x_of(i), y_of(value) - 14, fmt(value), fill=MUTED if few[i] else INK,
                           weight="normal" if few[i] else "bold"))
    if any(few):
        parts.append(_legend(width))
    return "".join(parts) + "</svg>"


def bar_chart(title: str, counts: Mapping[int, int], labels: Mapping[int, str], *,
              colour: str = LINE_COLOUR, unit: str = "人", desc: str = "") -> str:
    """Horizontal bars for the 1–5 answers, highest first, each labelled with its count and share."""
    keys = sorted(labels, reverse=True)
    total = sum(counts.get(k, 0) for k in keys)
    biggest = max([counts.get(k, 0) for k in keys] + [1])
    # Compact and in a larger type: on a phone the whole chart shrinks to the screen's width. The label
    # and count columns are as wide as their longest text (an office's full name fits too).
    bar_w, row_h, top, size = 220, 48, 10, 20
    shares = {k: f"{counts.get(k, 0)} {unit}" + (f"（{counts.get(k, 0) / total:.0%}）" if total else "") for k in keys}
    label_w = round(max([124] + [text_width(labels[k], size) + 12 + GAP for k in keys]))
    width = round(label_w + bar_w + 10 + max([146] + [text_width(t, size, "bold") + GAP for t in shares.values()]))
    height = top * 2 + row_h * len(keys)
    described = "；".join(f"{labels[k]} {counts.get(k, 0)} {unit}" for k in keys)
    parts = [_open(title, desc or f"共 {total} {unit}：{described}", width, height, "bars")]
    for row, key in enumerate(keys):
        n = counts.get(key, 0)
        y = top + row * row_h
        length = bar_w * n / biggest
        parts.append(_text(label_w - 12, y + 30, labels[key], size=size, anchor="end"))
        parts.append(f'<rect x="{label_w}" y="{y + 8}" width="{bar_w}" height="30" fill="#eef1f6"/>')
        if n:
            parts.append(f'<rect x="{label_w}" y="{y + 8}" width="{length:.1f}" height="30" fill="{colour}"/>')
        parts.append(_text(label_w + bar_w + 10, y + 30, shares[key], size=size, anchor="start",
                           weight="bold"))
    return "".join(parts) + "</svg>"
