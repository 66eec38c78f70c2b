"""The report as zh-TW text: month tables, the unanswered queue, top entries, offices side by side."""

from __future__ import annotations

import datetime as dt
import unicodedata

from bot.review.report import FEW, TAIPEI, TOTAL, Month, OfficeReport, peer_groups

KIND_NAMES = {"veterans-service": "榮民服務處", "military-service": "兵役處",
              "household-registration": "戶政事務所", "district-office": "區公所"}
STATUS_NAMES = {"added": "已加入知識庫", "not_ours": "不是我們的業務"}
NO_DATA = "這段期間沒有資料。"
FEW_MARK = "＊"
FEW_NOTE = f"{FEW_MARK} 樣本太少（少於 {FEW} 筆），僅供參考，不宜據以判斷。"
LEGEND = ("說明：對話＝同一位民眾相隔不到 30 分鐘的提問、點選與寒暄算一次；提問＝打字問的問題（已回答＋給選項＋無法回答，"
          "不含打招呼）；點選＝按主題或選項按鈕；回應率＝填答份數／邀請次數。")
TOP_UNANSWERED = 10


def _pct(value: float | None, few: bool) -> str:
    """A share as a percentage, marked when its n is too small to judge ('–' when there is no n)."""
    return "–" if value is None else f"{value:.1%}" + (FEW_MARK if few else "")


def _mean(m: Month) -> str:
    return "–" if m.survey_mean is None else f"{m.survey_mean:.2f}" + (FEW_MARK if m.few_surveys else "")


# Every column any table shows: header → the cell of one Month. Tables below are lists of headers.
COLUMNS = {
    "對話": lambda m: str(m.conversations),
    "提問": lambda m: str(m.questions),
    "已回答": lambda m: str(m.answered),
    "給選項": lambda m: str(m.clarified),
    "無法回答": lambda m: str(m.fallback),
    "無法回答比例": lambda m: _pct(m.fallback_share, m.few_questions),
    "點選": lambda m: str(m.chosen),
    "意見": lambda m: str(m.opinions),
    "👍": lambda m: str(m.thumbs_up),
    "👎": lambda m: str(m.thumbs_down),
    "👍👎數": lambda m: str(m.thumbs_up + m.thumbs_down),
    "👍比例": lambda m: _pct(m.up_rate, m.few_ratings),
    "滿意度份數": lambda m: str(m.survey_n),
    "滿意度平均": _mean,
    "1/2/3/4/5 星": lambda m: "/".join(str(m.survey_dist.get(s, 0)) for s in range(1, 6)),
    "邀請": lambda m: str(m.survey_offers),
    "回應率": lambda m: _pct(m.response_rate, m.few_offers),
}
USAGE = ("對話", "提問", "已回答", "給選項", "無法回答", "無法回答比例", "點選", "意見")
FEEDBACK = ("👍", "👎", "👍比例", "滿意度份數", "滿意度平均", "1/2/3/4/5 星", "邀請", "回應率")
PEERS = ("對話", "提問", "無法回答比例", "點選", "👍👎數", "👍比例", "滿意度份數", "滿意度平均", "回應率", "意見")
SHARED = ("👍👎數", "👍比例", "滿意度份數", "滿意度平均", "邀請", "回應率", "提問", "無法回答比例")


def display_width(text: str) -> int:
    """Terminal columns of a text: CJK characters and emoji take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _grid(first: str, rows: list[tuple[str, Month]], columns: tuple[str, ...]) -> list[str]:
    """A text table: a label column, then one column per header; a note when a figure is marked."""
    cells = [[first, *columns]] + [[label, *(COLUMNS[c](m) for c in columns)] for label, m in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(cells[0]))]
    lines = []
    for row in cells:
        padded = [c + " " * (w - display_width(c)) if i == 0 else " " * (w - display_width(c)) + c
                  for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(padded).rstrip())
    if any(FEW_MARK in c for row in cells[1:] for c in row):
        lines.append("  " + FEW_NOTE)
    return lines


def _day(at: int) -> str:
    return dt.datetime.fromtimestamp(at, TAIPEI).strftime("%Y-%m-%d")


def _unanswered(r: OfficeReport) -> list[str]:
    """The unanswered groups, open ones first, at most TOP_UNANSWERED."""
    if not r.unanswered:
        return ["無法回答的問題：沒有"]
    waiting = sum(1 for g in r.unanswered if g.status is None)
    shown = f"，列出前 {TOP_UNANSWERED} 組" if len(r.unanswered) > TOP_UNANSWERED else ""
    lines = [f"無法回答的問題：{len(r.unanswered)} 組（待處理 {waiting} 組{shown}）"]
    for i, g in enumerate(r.unanswered[:TOP_UNANSWERED], 1):
        votes = f"，👎 {g.down_votes}" if g.down_votes else ""
        status = f"〔{STATUS_NAMES.get(g.status, g.status)}〕" if g.status else ""
        lines.append(f"  {i:>2}. {g.example}　{g.count} 次{votes}，最近 {_day(g.last_at)}{status}")
        others = [t for t in g.texts if t != g.example]
        if others:
            lines.append(f"      也有人問：{'、'.join(others)}")
    return lines


def _entries(r: OfficeReport) -> list[str]:
    """The most asked entries."""
    if not r.top_entries:
        return ["最常問的項目：沒有"]
    return ["最常問的項目："] + [f"  {i:>2}. {title}（{eid}）{n} 次"
                                for i, (eid, title, n) in enumerate(r.top_entries, 1)]


def _office(r: OfficeReport) -> list[str]:
    """One office's section."""
    lines = [f"■ {r.name}（{r.agency}）"]
    if r.empty:
        return lines + [f"  {NO_DATA}", ""]
    rows = [(m.month, m) for m in r.months] + [(TOTAL, r.total)]
    return (lines + ["使用情形", *_grid("月份", rows, USAGE), "", "評價與滿意度", *_grid("月份", rows, FEEDBACK),
                     "", *_unanswered(r), "", *_entries(r), ""])


def _comparisons(reports: list[OfficeReport]) -> list[str]:
    """Offices of the same kind side by side, then every office on the measures all of them share."""
    lines = []
    for group in peer_groups(reports):
        kind = KIND_NAMES.get(group[0].kind, group[0].kind)
        rows = [(r.short_name or r.name, r.total) for r in group]
        lines += [f"■ 同類機關並列比較：{kind}（{len(group)} 個，{TOTAL}）", *_grid("機關", rows, PEERS), ""]
    if len(reports) > 1:
        rows = [(r.short_name or r.name, r.total) for r in reports]
        lines += [f"■ 各機關共同指標（{TOTAL}）", *_grid("機關", rows, SHARED), ""]
    return lines


SYNTHETIC = "注意：含示範資料（demo-data 合成，不是真實民眾的意見）。"


def text(reports: list[OfficeReport]) -> str:
    """The whole report; an empty range says so in one sentence."""
    if not reports:
        return NO_DATA + "\n"
    head = [f"服務回饋報告　{reports[0].start} 至 {reports[0].end}（台北時間）", ""]
    if any(r.synthetic for r in reports):
        head.insert(1, SYNTHETIC)
    if all(r.empty for r in reports):
        names = "、".join(r.short_name or r.name for r in reports)
        return "\n".join(head + [f"{NO_DATA}（{names}）"]) + "\n"
    body = [line for r in reports for line in _office(r)]
    return "\n".join(head + [LEGEND, ""] + body + _comparisons(reports)).rstrip() + "\n"
