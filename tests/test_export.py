"""Exports: the xlsx workbook and the CSV files, their types, filters, and that no user id leaves."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from bot.review.export import COLUMNS, TABLES, TITLES, export_csv, export_xlsx, workbook_bytes
from bot.review.report import ReportError
from conftest import run_cli
from review_data import ask, new_store, offer, opinion, rate, survey, taipei

USERS = ("user-hash-alice", "user-hash-bob", "user-hash-carol")
FORMULA = "=HYPERLINK(\"http://evil.example\",\"點我\")"


@pytest.fixture()
def db(tmp_path):
    """(store, path) of a SQLite file with feedback of two offices in January and February 2026."""
    path = tmp_path / "bot.db"
    store = new_store(path)
    alice, bob, carol = USERS
    q = ask(store, taipei(2026, 1, 31, 23, 30), text="全功能櫃台在幾樓", user=alice)
    rate(store, taipei(2026, 1, 31, 23, 31), "down", question_id=q, user=alice, reason="incomplete",
         comment="沒寫幾樓")
    rate(store, taipei(2026, 2, 1, 0, 30), "up", user=bob)
    survey(store, taipei(2026, 2, 2), 4, user=alice, comment=FORMULA)
    survey(store, taipei(2026, 2, 3), 2, user=bob)
    offer(store, taipei(2026, 2, 2), times=3)
    opinion(store, taipei(2026, 2, 4), "希望假日也能辦", user=carol)
    for text in ("停車位在哪", "停車位在哪裡？"):
        ask(store, taipei(2026, 2, 5), text=text, outcome="fallback", user=bob)
    rate(store, taipei(2026, 2, 6), "up", user=carol, agency="pingtung-vac", entry_id="one-stop-counter")
    survey(store, taipei(2026, 1, 6), 5, user=carol, agency="pingtung-vac")
    yield store, path
    store.close()


def sheet_rows(book, table: str) -> list[tuple]:
    return list(book[TITLES[table]].iter_rows(values_only=True))


def test_the_workbook_has_a_typed_sheet_per_table(db, agencies, tmp_path):
    store, _ = db
    counts = export_xlsx(store, agencies, tmp_path / "out.xlsx", start="2026-01", end="2026-02")
    assert counts == {"answer_ratings": 3, "satisfaction": 3, "comments": 3, "unanswered": 2}
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == [TITLES[t] for t in TABLES]
    for table in TABLES:
        ws = book[TITLES[table]]
        assert [c.value for c in ws[1]] == [h for h, _ in COLUMNS[table]]
        assert ws["A1"].font.b and ws.freeze_panes == "A2"
        assert ws.max_row - 1 == counts[table]
    ratings = book[TITLES["answer_ratings"]]  # offices in id order: Pingtung's row, then Taoyuan's two
    down = ratings["A3"]
    assert down.value == dt.datetime(2026, 1, 31, 23, 31) and down.is_date  # Taipei wall clock, naive
    assert [c.value for c in ratings[3]][1:8] == ["桃園市榮民服務處", "full-function-counter", "全功能櫃台（單一窗口）",
                                                 "👎 沒幫助", "資訊不完整", "沒寫幾樓", "全功能櫃台在幾樓"]
    assert ratings.column_dimensions["A"].width == 18 and ratings.column_dimensions["G"].width >= 8
    stars = [row[2] for row in sheet_rows(book, "satisfaction")[1:]]
    assert stars == [5, 4, 2] and all(type(s) is int for s in stars)
    unanswered = sheet_rows(book, "unanswered")
    assert unanswered[1][:3] == ("停車位在哪", 2, 0) and unanswered[1][4] == "待處理"
    assert isinstance(unanswered[1][3], dt.datetime) and unanswered[1][6] == "停車位在哪裡？"


def test_comments_gather_ratings_surveys_and_opinions_with_references(db, agencies, tmp_path):
    store, _ = db
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(store, agencies, start="2026-01", end="2026-02")))
    comments = sheet_rows(book, "comments")[1:]
    assert [(row[2], row[6]) for row in comments] == [
        ("答覆評價", "沒寫幾樓"), ("滿意度調查", FORMULA), ("反映意見", "希望假日也能辦")]
    assert comments[0][5] == "👎 沒幫助（資訊不完整）" and comments[1][5] == "4 星"
    assert comments[2][3] == store.records("opinions")[0]["reference"]
    formula_cell = book[TITLES["comments"]]["G3"]
    assert formula_cell.value == FORMULA and formula_cell.data_type == "s"  # text, never run as a formula


def test_no_user_id_anywhere_only_per_export_pseudonyms(db, agencies):
    store, _ = db
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(store, agencies, start="2026-01", end="2026-02")))
    cells = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert cells and not [c for c in cells if "user" in c.lower() or any(u in c for u in USERS)]
    ratings = sheet_rows(book, "answer_ratings")
    surveys = sheet_rows(book, "satisfaction")
    # The same person keeps one pseudonym across tables: carol (Pingtung first), then alice and bob.
    assert [r[-1] for r in ratings[1:]] == ["民眾 1", "民眾 2", "民眾 3"]
    assert [s[-1] for s in surveys[1:]] == ["民眾 1", "民眾 2", "民眾 3"]
    assert sheet_rows(book, "comments")[-1][-1] == "民眾 1"  # carol's opinion to Taoyuan


def test_csv_files_are_utf8_with_bom_one_per_table(db, agencies, tmp_path):
    store, _ = db
    folder = tmp_path / "csv"
    counts = export_csv(store, agencies, folder, start="2026-01", end="2026-02")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    for table in TABLES:
        raw = (folder / f"{table}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"user" not in raw
        with open(folder / f"{table}.csv", encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == [h for h, _ in COLUMNS[table]] and len(rows) - 1 == counts[table]
    with open(folder / "comments.csv", encoding="utf-8-sig", newline="") as f:
        comments = list(csv.DictReader(f))
    assert comments[0]["時間"] == "2026-01-31 23:31:00" and comments[0]["意見"] == "沒寫幾樓"
    assert comments[1]["意見"] == "'" + FORMULA  # Excel would run a field starting with '='


def test_exports_filter_by_office_and_taipei_months(db, agencies, tmp_path):
    store, _ = db
    pingtung = export_csv(store, agencies, tmp_path / "p", agency="pingtung-vac", start="2026-01", end="2026-02")
    assert pingtung == {"answer_ratings": 1, "satisfaction": 1, "comments": 0, "unanswered": 0}
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(store, agencies, "taoyuan-vac", "2026-02", "2026-02")))
    ratings = sheet_rows(book, "answer_ratings")[1:]
    # The 👎 at Jan 31 23:31 Taipei (15:31 UTC) is January's; the 👍 at Feb 1 00:30 Taipei is February's.
    assert [(r[0], r[4]) for r in ratings] == [(dt.datetime(2026, 2, 1, 0, 30), "👍 有幫助")]
    january = export_xlsx(store, agencies, tmp_path / "jan.xlsx", "taoyuan-vac", "2026-01", "2026-01")
    assert january == {"answer_ratings": 1, "satisfaction": 0, "comments": 1, "unanswered": 1}


def test_an_empty_store_exports_headers_only(agencies, tmp_path):
    store = new_store(tmp_path / "empty.db")
    counts = export_xlsx(store, agencies, tmp_path / "e.xlsx", start="2026-01", end="2026-01")
    assert counts == {t: 0 for t in TABLES}
    book = openpyxl.load_workbook(tmp_path / "e.xlsx")
    assert [book[TITLES[t]].max_row for t in TABLES] == [1, 1, 1, 1]
    with pytest.raises(ReportError, match="前後顛倒"):
        workbook_bytes(store, agencies, start="2026-03", end="2026-01")


def test_cli_export_writes_xlsx_and_csv(db, tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{db[1]}"}
    result = run_cli("export", "--format", "xlsx", "--output", str(tmp_path / "f.xlsx"), "--from", "2026-01",
                     "--to", "2026-02", env=env)
    assert result.returncode == 0, result.stderr
    assert "答覆評價 3 筆" in result.stderr
    assert openpyxl.load_workbook(tmp_path / "f.xlsx").sheetnames == [TITLES[t] for t in TABLES]
    result = run_cli("export", "--format", "csv", "--output", str(tmp_path / "dir"), "--agency", "pingtung-vac",
                     "--from", "2026-01", "--to", "2026-02", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dir" / "satisfaction.csv").read_text(encoding="utf-8-sig").count("\n") == 2


@pytest.mark.parametrize("args, code, words", [
    (("--from", "2026-02", "--to", "2026-01"), 2, "前後顛倒"),
    (("--to", "abc"), 2, "月份看不懂"),
    (("--agency", "nowhere"), 2, "taoyuan-vac"),
    (("--format", "csv", "--output", "{db}"), 1, "無法寫入"),  # a folder where a file already is
])
def test_cli_export_bad_input_is_a_message(db, tmp_path, args, code, words):
    args = tuple(a.replace("{db}", str(db[1])) for a in args)
    output = () if "--output" in args else ("--output", str(tmp_path / "x.xlsx"))
    result = run_cli("export", *output, *args, env={"DATABASE_URL": f"sqlite:///{db[1]}"})
    assert result.returncode == code
    assert words in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("text", ["＝HYPERLINK(\"http://evil.example\")", " =1+1", "\u3000+cmd", "＠SUM(A1)",
                                  "\t=1", "－1+1"])
def test_csv_neutralises_any_cell_a_spreadsheet_would_read_as_a_formula(text):
    from bot.review.export import csv_cell as _csv_cell

    assert _csv_cell(text, "text") == "'" + text


@pytest.mark.parametrize("text", ["普通的意見", "a=1", "(02)1234", "希望假日也能辦"])
def test_csv_leaves_ordinary_text_alone(text):
    from bot.review.export import csv_cell as _csv_cell

    assert _csv_cell(text, "text") == text
