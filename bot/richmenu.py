"""The office's rich menu: draw its main topics as a zh-TW image (Pillow) and upload it to LINE."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

import urllib3
from linebot.v3.messaging import (
    ApiException,
    MessagingApi,
    MessagingApiBlob,
    Action,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
)
from PIL import Image, ImageDraw, ImageFont

from bot.core.knowledge import Agency, Entry
from bot.line_api import LineApis
from bot.settings import Settings, richmenu_font
from handlers import limits, postback

SIZES = {"large": (2500, 1686), "compact": (2500, 843)}  # the two sizes LINE accepts
MAX_CELLS = 6
FIXED = ("我要反映意見", "滿意度調查")  # always on the menu: the plans ask for both channels
MAX_IMAGE_BYTES = 1024 * 1024  # LINE refuses rich menu images over 1 MB
CHAT_BAR_TEXT = "服務選單"
UPLOAD_TIMEOUT = 10.0  # the image is up to 1 MB: allow more than a reply call needs
CHECK, CREATE, UPLOAD, SET_DEFAULT = "檢查選單", "建立選單", "上傳圖片", "設為預設選單"  # steps named in errors
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


class RichMenuError(Exception):
    """The menu could not be drawn or uploaded; the message is for staff (zh-TW)."""


@dataclass(frozen=True)
class Area:
    """One button of the menu: its label, what it sends, and its place on the image."""

    title: str
    action: dict  # a LINE action object: postback for a topic, a typed text for a flow
    x: int
    y: int
    width: int
    height: int


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


# --- layout (pure: no drawing, no network) ---------------------------------------------------

def topics(agency: Agency) -> list[Entry]:
    """The office's first main topics that exist, leaving room for the fixed buttons."""
    entries = [agency.entry(tid) for tid in agency.main_topics]
    return [e for e in entries if e is not None][:MAX_CELLS - len(FIXED)]


def buttons(agency: Agency) -> list[tuple[str, dict]]:
    """(label, action) of every button: the main topics, then the opinion and survey requests,
    which the webhook understands as typed text (the same words a citizen may type)."""
    found = [(e.title, {"type": "postback", "label": limits.label(e.title), "data": postback.encode("ans", e.id),
                        "displayText": e.title}) for e in topics(agency)]
    return found + [(text, {"type": "message", "label": text, "text": text}) for text in FIXED]


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
    """The menu's buttons: the office's main topics on a grid filling the chosen size."""
    if not topics(agency):
        raise RichMenuError(f"{agency.id} 沒有 main_topics，無法做選單。")
    found = buttons(agency)
    return [Area(title, action, *box) for (title, action), box in zip(found, grid(len(found), *SIZES[size]))]


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


def draw(agency: Agency, size: str = "large", font_path: str | None = None) -> tuple[bytes, list[Area]]:
    """The menu image as PNG bytes and its buttons; pure apart from reading the font file."""
    areas = layout(agency, size)
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
    return png, areas


# --- the LINE rich menu object and upload ----------------------------------------------------

def menu_request(agency: Agency, areas: list[Area], size: str = "large") -> RichMenuRequest:
    """The rich menu object: topic buttons post back `ans <entry id>`; the fixed ones send their text."""
    width, height = SIZES[size]
    return RichMenuRequest(
        size=RichMenuSize(width=width, height=height),
        selected=True,  # shown open: many users would not find a closed menu
        name=limits.cut_utf16(f"{agency.id} 服務選單 {agency.version}", 300),
        chat_bar_text=CHAT_BAR_TEXT,
        areas=[RichMenuArea(
            bounds=RichMenuBounds(x=a.x, y=a.y, width=a.width, height=a.height),
            action=Action.from_dict(a.action),
        ) for a in areas],
    )


def _failure(step: str, exc: Exception, menu_id: str) -> RichMenuError:
    """A staff-readable message: the step that failed and LINE's HTTP status and message, or the network problem."""
    if isinstance(exc, ApiException) and exc.status:
        try:
            detail = json.loads(exc.body or b"{}").get("message", "")
        except (ValueError, AttributeError):
            detail = ""
        hint = "（請確認 channel access token 是否正確、未過期）" if exc.status in (401, 403) else ""
        what = f"LINE API 錯誤：{step}失敗，HTTP {exc.status}{'：' + detail if detail else ''}{hint}"
    else:  # no HTTP answer at all (status 0 is the SDK's own TLS or request error)
        timed_out = isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError))
        what = f"LINE API {'逾時' if timed_out else '無法連線'}：{step}失敗（{type(exc).__name__}）"
    if step == SET_DEFAULT:
        what += f"\n選單 {menu_id} 已建立並有圖片，可以稍後再設為預設選單。"
    return RichMenuError(what)


def _clients(settings: Settings, agency_id: str) -> tuple[MessagingApi, MessagingApiBlob]:
    """The two API clients: JSON calls to the API host, the image to the data host."""
    apis = LineApis(settings)
    # Configuration.host replaces the host of every call, so the blob client needs its own.
    return MessagingApi(apis.client(agency_id)), MessagingApiBlob(apis.client(agency_id, settings.line_api_data_base_url))


def upload(settings: Settings, agency_id: str, menu: RichMenuRequest, png: bytes, set_default: bool = True) -> str:
    """Validate, create, attach the image and (by default) make it every user's menu; return its id."""
    timeout = settings.api_timeout
    step, menu_id = CHECK, ""
    try:
        api, blob = _clients(settings, agency_id)  # a stateless token is issued here: its errors are LINE's
        api.validate_rich_menu_object(menu, _request_timeout=timeout)  # fail before anything is created
        step = CREATE
        menu_id = api.create_rich_menu(menu, _request_timeout=timeout).rich_menu_id
        step = UPLOAD
        # The SDK sends no content type for the image: LINE needs it.
        blob.set_rich_menu_image(menu_id, png, _headers={"Content-Type": "image/png"},
                                 _request_timeout=max(timeout, UPLOAD_TIMEOUT))
        if set_default:
            step = SET_DEFAULT
            api.set_default_rich_menu(menu_id, _request_timeout=timeout)
    except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
        if step == UPLOAD:
            _delete(api, menu_id, timeout)
        raise _failure(step, exc, menu_id) from None
    return menu_id


def _delete(api: MessagingApi, menu_id: str, timeout: float) -> None:
    """Delete a menu left without its image (LINE could never show it); best effort only."""
    try:
        api.delete_rich_menu(menu_id, _request_timeout=timeout)
    except (ApiException, urllib3.exceptions.HTTPError, OSError):
        pass  # the upload error is the one to report
