"""The rich menu's image: each button's zh-TW label in a CJK font (Pillow), within LINE's 1 MB."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from bot.richmenu.layout import SIZES, Area, RichMenuError
from bot.settings import richmenu_font
from handlers import limits

MAX_IMAGE_BYTES = 1024 * 1024  # LINE refuses rich menu images over 1 MB
FONT_PATHS = (  # Debian/Ubuntu fonts-noto-cjk first, then the Fedora/Arch layout
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
NO_FONT = ("找不到中文字型，無法畫選單圖片。請安裝字型（apt-get install fonts-noto-cjk），"
           "或用環境變數 RICHMENU_FONT 指定字型檔（.ttf/.otf/.ttc）的路徑。")

# Colours: white text on two dark tones (contrast above 8:1) so elderly users can read every
# button; alternating tones make neighbouring buttons easy to tell apart.
GUTTER = "#DCE3EA"
CELL_COLOURS = ("#0A3D73", "#1E5B2E")
TEXT_COLOUR = "#FFFFFF"
INSET, RADIUS, PADDING = 10, 40, 40  # px: half the gap between buttons, corner, text margin
LINE_SPACING = 1.3
READABLE = 96  # px, about 15 pt on a phone: the smallest size worth a nicer line break
NO_LINE_START = set("）」』】〕、，。：；！？…")  # never start a line with closing punctuation
NO_LINE_END = set("（「『【〔")
BREAK_BEFORE = set("（「")  # a natural place to wrap: before a bracket, after a list comma
BREAK_AFTER = set("、，／")


# --- fonts -----------------------------------------------------------------------------------

def _fc_match() -> str:
    """The font fontconfig picks for Traditional Chinese, or "" when it has none that covers zh-tw."""
    if not shutil.which("fc-match"):
        return ""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{lang}", "sans:lang=zh-tw"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    path, _, langs = out.partition("\n")
    # fc-match always answers with *some* font (DejaVu on a bare machine): check it covers zh-tw.
    return path if "zh-tw" in langs.split("|") else ""


def find_font(environ: dict | None = None, paths=FONT_PATHS, use_fc_match: bool = True) -> str:
    """RICHMENU_FONT, else a known Noto CJK path, else fontconfig; RichMenuError when none exists."""
    chosen = richmenu_font(environ)
    if chosen:
        if not os.path.isfile(chosen):
            raise RichMenuError(f"RICHMENU_FONT 指定的字型檔不存在：{chosen}\n{NO_FONT}")
        return chosen
    found = next((p for p in paths if os.path.isfile(p)), "") or (_fc_match() if use_fc_match else "")
    if not found:
        raise RichMenuError(NO_FONT)
    return found


@lru_cache(maxsize=None)
def _face_index(path: str) -> int:
    """In a font collection (.ttc), the Traditional Chinese face: the glyph shapes Taiwan reads."""
    if not path.lower().endswith(".ttc"):
        return 0
    for index in range(32):
        try:
            family = ImageFont.truetype(path, 12, index=index).getname()[0] or ""
        except OSError:  # past the last face of the collection
            break
        if family.endswith(" TC"):
            return index
    return 0


def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """The font at a pixel size; RichMenuError when the file is not a font Pillow can read."""
    try:
        return ImageFont.truetype(path, size, index=_face_index(path))
    except OSError as exc:
        raise RichMenuError(f"無法讀取字型檔 {path}：{exc}\n{NO_FONT}") from None


# --- labels: the line breaks and one font size for every button --------------------------

def _breakable(text: str, i: int) -> bool:
    """Whether a line may break before text[i] (not inside a Latin word or next to brackets)."""
    before, after = text[i - 1], text[i]
    if before.isascii() and after.isascii() and before.isalnum() and after.isalnum():
        return False
    return after not in NO_LINE_START and before not in NO_LINE_END


def _natural(split: tuple[str, str]) -> bool:
    """A break a reader expects: before a bracket or after a list comma."""
    return split[1][0] in BREAK_BEFORE or split[0][-1] in BREAK_AFTER


def wrap(text: str, width_of, max_width: float, natural_only: bool = False) -> list[str] | None:
    """The title on one line, or two (a natural break when it fits, else the most balanced); None if too wide.

    With natural_only, a title that has a natural break must fit on it (used to pick the font size).
    """
    if width_of(text) <= max_width:
        return [text]
    splits = [(text[:i], text[i:]) for i in range(1, len(text)) if _breakable(text, i)]
    if natural_only and any(map(_natural, splits)):
        splits = [s for s in splits if _natural(s)]
    fitting = [s for s in splits if max(map(width_of, s)) <= max_width]
    if not fitting:
        return None
    natural = [s for s in fitting if _natural(s)]
    if natural:
        return list(natural[0])
    return list(min(fitting, key=lambda s: (max(map(width_of, s)), -len(s[0]))))


def _text_box(area: Area) -> tuple[float, float]:
    """The room a button's label has inside its rounded rectangle."""
    return area.width - 2 * (INSET + PADDING), area.height - 2 * (INSET + PADDING)


def _fits(title: str, font: ImageFont.FreeTypeFont, area: Area, natural_only: bool) -> bool:
    """Whether a title fits its button at this font size, in at most two lines."""
    max_w, max_h = _text_box(area)
    lines = wrap(title, font.getlength, max_w, natural_only)
    return lines is not None and len(lines) * font.size * LINE_SPACING <= max_h


def font_size(areas: list[Area], font_path: str, largest: int = 150, smallest: int = 48) -> int:
    """One size for every label (a tidy menu): the largest at which each title fits its button.

    Natural line breaks (「值日室／（24小時服務）」, not 「值日室（24／小時服務）」) are kept
    as long as the letters stay at least READABLE pixels high; below that, size wins.
    """
    for natural_only, floor in ((True, READABLE), (False, smallest)):
        for size in range(largest, floor - 1, -2):
            font = _font(font_path, size)
            if all(_fits(a.title, font, a, natural_only) for a in areas):
                return size
    return smallest  # titles are at most 20 characters: only a tiny cell gets here


# --- drawing ---------------------------------------------------------------------------------

def _draw_label(draw: ImageDraw.ImageDraw, area: Area, font: ImageFont.FreeTypeFont) -> None:
    """The title centred on its button, wrapped to two lines when long."""
    max_w, _ = _text_box(area)
    # too long even for two lines (a tiny cell): cut as LINE cuts the button's label
    lines = wrap(area.title, font.getlength, max_w) or [limits.label(area.title)]
    step = font.size * LINE_SPACING
    cx, cy = area.x + area.width / 2, area.y + area.height / 2
    for i, line in enumerate(lines):
        draw.text((cx, cy + (i - (len(lines) - 1) / 2) * step), line, font=font, fill=TEXT_COLOUR, anchor="mm")


def _tone(areas: list[Area], i: int) -> str:
    """The colours alternate like a chessboard, so neighbours across and down always differ."""
    first_row = sum(1 for a in areas if a.y == 0)
    row, col = (0, i) if i < first_row else (1, i - first_row)
    return CELL_COLOURS[(row + col) % 2]


def draw(areas: list[Area], size: str = "large", font_path: str | None = None) -> bytes:
    """The image of these buttons as PNG bytes; pure apart from reading the font file."""
    font_path = font_path or find_font()
    font = _font(font_path, font_size(areas, font_path))
    image = Image.new("RGB", SIZES[size], GUTTER)
    canvas = ImageDraw.Draw(image)
    for i, area in enumerate(areas):
        box = (area.x + INSET, area.y + INSET, area.x + area.width - INSET - 1, area.y + area.height - INSET - 1)
        canvas.rounded_rectangle(box, RADIUS, fill=_tone(areas, i))
        _draw_label(canvas, area, font)
    out = io.BytesIO()
    # A small palette keeps the flat-colour image far below LINE's 1 MB limit; text stays smooth.
    image.quantize(colors=64).save(out, format="PNG", optimize=True)
    png = out.getvalue()
    if len(png) > MAX_IMAGE_BYTES:
        raise RichMenuError(f"選單圖片 {len(png):,} bytes，超過 LINE 的 1 MB 上限。")
    return png
