"""Feedback tables for spreadsheets: one xlsx workbook, or one UTF-8 CSV per table; never a user id."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from bot.review.render import STATUS_NAMES, display_width
from bot.review.report import TAIPEI, bounds, load, month_range, pick
from bot.review.unanswered import unanswered

TABLES = ("answer_ratings", "satisfaction", "comments", "unanswered")  # file names (ASCII)
TITLES = {"answer_ratings": "答覆評價", "satisfaction": "滿意度調查", "comments": "意見", "unanswered": "無法回答的問題"}
# Per table: (header, type); type "time" (Unix seconds in the rows), "int" or "text".
COLUMNS = {
    "answer_ratings": (("時間", "time"), ("機關", "text"), ("項目代碼", "text"), ("項目", "text"), ("評分", "text"),
                       ("原因", "text"), ("意見", "text"), ("民眾的問題", "text"), ("民眾", "text")),
    "satisfaction": (("時間", "time"), ("機關", "text"), ("評分", "int"), ("意見", "text"), ("民眾", "text")),
    "comments": (("時間", "time"), ("機關", "text"), ("來源", "text"), ("案號", "text"), ("項目", "text"),
                 ("評價", "text"), ("意見", "text"), ("民眾", "text")),
    "unanswered": (("問題", "text"), ("次數", "int"), ("👎 次數", "int"), ("最近一次", "time"), ("狀態", "text"),
                   ("機關", "text"), ("其他問法", "text")),
}
RATING_NAMES = {"up": "👍 有幫助", "down": "👎 沒幫助"}
REASON_NAMES = {"wrong": "答非所問", "incomplete": "資訊不完整", "unclear": "看不懂", "other": "其他"}
TIME_FORMAT = "yyyy-mm-dd hh:mm"
# A cell starting with one of these is run as a formula by Excel; citizens' text must never be.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class People:
    """Per-export pseudonyms (民眾 1, 民眾 2 …): repeat raters stay visible, hashed ids never leave."""

    def __init__(self):
        self._names: dict[str, str] = {}

    def __call__(self, user_hash: str) -> str:
        return self._names.setdefault(user_hash, f"民眾 {len(self._names) + 1}")


def _rating_rows(office, data: dict, people: People, comments: list) -> list[list]:
    """The answer ratings; each one with a comment also goes to the comments table."""
    asked = {q["id"]: q["text"] for q in data["lead_in"] + data["questions"]}
    rows = []
    for r in data["ratings"]:
        title = getattr(office.entry(r["entry_id"]), "title", r["entry_id"])
        rating, reason = RATING_NAMES[r["rating"]], REASON_NAMES.get(r["reason"])
        who = people(r["user_hash"])
        rows.append([r["rated_at"], office.name, r["entry_id"], title, rating, reason, r["comment"],
                     asked.get(r["question_id"]), who])
        if r["comment"]:
            verdict = f"{rating}（{reason}）" if reason else rating
            comments.append([r["rated_at"], office.name, "答覆評價", None, title, verdict, r["comment"], who])
    return rows


def _survey_rows(office, data: dict, people: People, comments: list) -> list[list]:
    """The survey answers; each one with a comment also goes to the comments table."""
    rows = []
    for s in data["surveys"]:
        who = people(s["user_hash"])
        rows.append([s["rated_at"], office.name, s["stars"], s["comment"], who])
        if s["comment"]:
            comments.append([s["rated_at"], office.name, "滿意度調查", None, None, f"{s['stars']} 星", s["comment"], who])
    return rows


def _unanswered_rows(store, office, data: dict) -> list[list]:
    """The unanswered groups as the report ranks them."""
    groups = unanswered(data["questions"], data["ratings"], store.reviews(office.id))
    return [[g.example, g.count, g.down_votes, g.last_at, STATUS_NAMES.get(g.status, "待處理"), office.name,
             "、".join(t for t in g.texts if t != g.example) or None] for g in groups]


def collect(store, agencies: dict, agency: str | None = None, start: str | None = None,
            end: str | None = None) -> dict[str, list[list]]:
    """The rows of every table, office by office, oldest first within an office."""
    start, end = month_range(start, end)
    offices = pick(agencies, agency)
    since, until = bounds(start, end)
    tables: dict[str, list[list]] = {name: [] for name in TABLES}
    people = People()
    for office in offices:
        data = load(store, office.id, since, until)
        comments: list[list] = []
        tables["answer_ratings"] += _rating_rows(office, data, people, comments)
        tables["satisfaction"] += _survey_rows(office, data, people, comments)
        comments += [[o["created_at"], office.name, "反映意見", o["reference"], None, None, o["text"],
                      people(o["user_hash"])] for o in data["opinions"]]
        tables["comments"] += sorted(comments, key=lambda row: row[0])
        tables["unanswered"] += _unanswered_rows(store, office, data)
    return tables


def _local_time(at: int) -> dt.datetime:
    """Unix seconds as a naive Taipei datetime (Excel has no time zones)."""
    return dt.datetime.fromtimestamp(at, TAIPEI).replace(tzinfo=None)


def _fill_sheet(ws, name: str, rows: list[list]) -> None:
    """Header (bold, frozen, filterable), typed cells, column widths from the content."""
    columns = COLUMNS[name]
    ws.append([header for header, _ in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [display_width(header) for header, _ in columns]
    for r, row in enumerate(rows, start=2):
        for c, (value, (_, kind)) in enumerate(zip(row, columns), start=1):
            if value is None:
                continue
            if kind == "time":
                ws.cell(r, c, _local_time(value)).number_format = TIME_FORMAT
                continue
            cell = ws.cell(r, c, ILLEGAL_CHARACTERS_RE.sub("", value) if kind == "text" else value)
            if kind == "text":
                cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
                widths[c - 1] = max(widths[c - 1], display_width(value))
    for c, ((_, kind), width) in enumerate(zip(columns, widths), start=1):
        letter = ws.cell(1, c).column_letter
        ws.column_dimensions[letter].width = 18 if kind == "time" else min(max(width, 6) + 2, 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def _workbook(tables: dict[str, list[list]]) -> Workbook:
    """A workbook with one sheet per table, in TABLES order."""
    wb = Workbook()
    wb.remove(wb.active)
    for name in TABLES:
        _fill_sheet(wb.create_sheet(TITLES[name]), name, tables[name])
    return wb


def workbook_bytes(store, agencies: dict, agency: str | None = None, start: str | None = None,
                   end: str | None = None) -> bytes:
    """The xlsx workbook in memory (for a download)."""
    buffer = io.BytesIO()
    _workbook(collect(store, agencies, agency, start, end)).save(buffer)
    return buffer.getvalue()


def export_xlsx(store, agencies: dict, path, agency: str | None = None, start: str | None = None,
                end: str | None = None) -> dict[str, int]:
    """Write the workbook to a file; return the rows per table."""
    tables = collect(store, agencies, agency, start, end)
    _workbook(tables).save(Path(path))
    return {name: len(rows) for name, rows in tables.items()}


def csv_cell(value, kind: str):
    """A CSV field: times as Taipei 'YYYY-MM-DD HH:MM:SS', text that Excel would run as a formula quoted."""
    if value is None:
        return ""
    if kind == "time":
        return _local_time(value).strftime("%Y-%m-%d %H:%M:%S")
    if kind == "text" and looks_like_formula(value):
        return "'" + value
    return value


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet could read the text as a formula: after NFKC (「＝」 is 「=」) and with
    leading spaces and control characters trimmed, it starts with = + - @ (or with a tab or CR)."""
    if text.startswith(FORMULA_START):
        return True
    folded = unicodedata.normalize("NFKC", text).lstrip(" \u3000\u00a0\u200b\ufeff")
    return folded.startswith(FORMULA_START)


def export_csv(store, agencies: dict, directory, agency: str | None = None, start: str | None = None,
               end: str | None = None) -> dict[str, int]:
    """Write <table>.csv per table into a folder (UTF-8 with BOM, for Excel on Windows); rows per table."""
    tables = collect(store, agencies, agency, start, end)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        columns = COLUMNS[name]
        with open(folder / f"{name}.csv", "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([header for header, _ in columns])
            writer.writerows([csv_cell(v, kind) for v, (_, kind) in zip(row, columns)] for row in tables[name])
    return {name: len(rows) for name, rows in tables.items()}
