"""Server-side SVG charts for the dashboard: pure functions from figures to accessible SVG strings."""

from __future__ import annotations

from html import escape
from typing import Callable, Mapping, Sequence

LINE_COLOUR = "#1f5fbf"
GRID = "#d0d5dd"
INK = "#1d2433"
MUTED = "#5b6476"
STEP = 64  # px per month: room for a value label such as 100% at 16px
LEFT, RIGHT, TOP, BOTTOM = 64, 28, 44, 64
HEIGHT = 320
FONT = 16


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


def _describe(labels: Sequence[str], values: Sequence[float | None], fmt: Callable[[float], str]) -> str:
    """Every point in words, for screen readers: 「2026年3月 4.2 分；2026年4月 沒有資料」."""
    parts = []
    for label, value in zip(labels, values):
        name, year = month_label(label)
        parts.append(f"{year}年{name} {fmt(value) if value is not None else '沒有資料'}")
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


def _legend(width: int) -> str:
    """Explains the hollow marker used for months with too few answers."""
    x = max(LEFT, width - RIGHT - 250)
    return (f'<circle cx="{x}" cy="20" r="6" fill="#ffffff" stroke="{MUTED}" stroke-width="2.5"/>'
            + _text(x + 12, 26, "空心點：樣本太少（少於 20 筆）", size=15, anchor="start", fill=MUTED))


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None], *,
               ticks: Sequence[float], fmt: Callable[[float], str], few: Sequence[bool] = (),
               colour: str = LINE_COLOUR, desc: str = "") -> str:
    """A monthly series as a line: gaps where a value is None, hollow points where `few` is true.

    `ticks` are the y-axis grid values (the first and last bound the axis); `fmt` writes a value as
    people read it (「4.2 分」「85%」) for the axis, the point labels and the description.
    """
    low, high = ticks[0], ticks[-1]
    width = max(LEFT + STEP * len(values) + RIGHT, 420)  # one month still leaves room for the legend
    plot_h = HEIGHT - TOP - BOTTOM
    x_of = lambda i: LEFT + STEP * i + STEP / 2  # noqa: E731 - tiny coordinate helpers
    y_of = lambda v: TOP + plot_h * (1 - (min(max(v, low), high) - low) / ((high - low) or 1))  # noqa: E731
    few = list(few) + [False] * (len(values) - len(few))
    parts = [_open(title, desc or _describe(labels, values, fmt), width, HEIGHT, "line")]
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{width - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(LEFT - 8, y + 5, fmt(tick), size=14, anchor="end", fill=MUTED))
    for run in _runs(values):
        points = " ".join(f"{x_of(i):.1f},{y_of(values[i]):.1f}" for i in run)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="3"/>')
    for i, (label, value) in enumerate(zip(labels, values)):
        name, year = month_label(label)
        parts.append(_text(x_of(i), HEIGHT - BOTTOM + 24, name))
        if year and (i == 0 or name == "1月"):
            parts.append(_text(x_of(i), HEIGHT - BOTTOM + 46, year, size=14, fill=MUTED))
        if value is None:
            parts.append(_text(x_of(i), TOP + plot_h - 8, "無資料", size=14, fill=MUTED))
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
    # Compact and in a larger type: on a phone the whole chart shrinks to the screen's width.
    label_w, bar_w, row_h, top, size = 124, 220, 48, 10, 20
    width, height = label_w + bar_w + 156, top * 2 + row_h * len(keys)
    described = "；".join(f"{labels[k]} {counts.get(k, 0)} {unit}" for k in keys)
    parts = [_open(title, desc or f"共 {total} {unit}：{described}", width, height, "bars")]
    for row, key in enumerate(keys):
        n = counts.get(key, 0)
        y = top + row * row_h
        share = f"（{n / total:.0%}）" if total else ""
        length = bar_w * n / biggest
        parts.append(_text(label_w - 12, y + 30, labels[key], size=size, anchor="end"))
        parts.append(f'<rect x="{label_w}" y="{y + 8}" width="{bar_w}" height="30" fill="#eef1f6"/>')
        if n:
            parts.append(f'<rect x="{label_w}" y="{y + 8}" width="{length:.1f}" height="30" fill="{colour}"/>')
        parts.append(_text(label_w + bar_w + 10, y + 30, f"{n} {unit}{share}", size=size, anchor="start",
                           weight="bold"))
    return "".join(parts) + "</svg>"
