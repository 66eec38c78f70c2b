"""The rich menu's layout, pure (no Pillow, no LINE): which main topics it offers, on which rectangles."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.knowledge import Agency, Entry

SIZES = {"large": (2500, 1686), "compact": (2500, 843)}  # the two sizes LINE accepts
MAX_CELLS = 6
FIXED = ("我要反映意見", "滿意度調查")  # always on the menu: the plans ask for both channels


class RichMenuError(Exception):
    """The menu could not be laid out, drawn or uploaded; the message is for staff (zh-TW)."""


@dataclass(frozen=True)
class Area:
    """One button of the menu: its label, the entry it answers, and its place on the image."""

    title: str
    entry: Entry | None  # a main topic; None for a fixed request, which sends its title as typed words
    x: int
    y: int
    width: int
    height: int


def topics(agency: Agency) -> list[Entry]:
    """The office's first main topics that exist, leaving room for the fixed buttons."""
    entries = [agency.entry(tid) for tid in agency.main_topics]
    return [e for e in entries if e is not None][:MAX_CELLS - len(FIXED)]


def grid(n: int, width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Cell boxes (x, y, w, h) tiling the image: one row up to 3 buttons, else two rows (3+3, 3+2, 2+2)."""
    rows = 1 if n <= 3 else 2
    per_row = [-(-n // rows), n // rows][:rows]
    boxes = []
    for r, cols in enumerate(per_row):
        # rounded edges so the cells tile the image exactly: no gap, no overlap
        y0, y1 = round(r * height / rows), round((r + 1) * height / rows)
        for c in range(cols):
            x0, x1 = round(c * width / cols), round((c + 1) * width / cols)
            boxes.append((x0, y0, x1 - x0, y1 - y0))
    return boxes


def layout(agency: Agency, size: str = "large") -> list[Area]:
    """The menu's buttons: the office's main topics, then the opinion and survey requests, on a grid
    filling the chosen size."""
    found = topics(agency)
    if not found:
        raise RichMenuError(f"{agency.id} 沒有 main_topics，無法做選單。")
    buttons = [(e.title, e) for e in found] + [(text, None) for text in FIXED]
    return [Area(title, entry, *box) for (title, entry), box in zip(buttons, grid(len(buttons), *SIZES[size]))]
