"""Quality checks of loaded knowledge beyond validity: self-routing examples, regression questions,
fact gaps, dead ends and entries due for review."""

from __future__ import annotations

from bot.core import phrases
from bot.core.answerer import Answerer
from bot.core.knowledge import Agency, Problem, RegressionCase


def misrouted(answerer: Answerer, entries) -> list[tuple]:
    """Each example question is a self-test: (entry, index, question, what the engine did) for each one
    not answered by its own entry."""
    out = []
    for entry in entries:
        for i, q in enumerate(entry.questions):
            got = answerer.ask(q)
            if not (got.outcome == "answer" and got.entry_id == entry.id):
                out.append((entry, i, q, got))
    return out


def routing_warnings(agency: Agency, answerer: Answerer | None = None) -> list[Problem]:
    """kb check's warning for each example question not answered by its own entry."""
    fname = f"{agency.id}.yaml"
    out = []
    for entry, i, q, got in misrouted(answerer or Answerer(agency), agency.entries):
        if got.outcome == "answer":
            what = f"被「{got.entry_id}」回答了"
        elif got.outcome == "clarify":
            what = "只得到「您是想問」選項（" + "、".join(e.id for e in got.choices) + "）"
        else:
            what = f"沒有得到回答（{got.outcome}）"
        out.append(Problem(fname, agency.entry_lines.get(entry.id, 0), f"{entry.id}.questions[{i}]",
                           f"例句「{q}」{what}；請讓例句或關鍵字更明確"))
    return out


def gap_warnings(agency: Agency) -> list[Problem]:
    """Office facts and window facts that are still empty, for staff to fill from official sources."""
    fname = f"{agency.id}.yaml"
    out = []
    office = agency.office
    names = {"address": ("地址", office.address), "phone": ("電話", office.phone), "hours": ("服務時間", office.has_hours)}
    for key, (name, fact) in names.items():
        if not fact:
            out.append(Problem(fname, agency.entry_lines.get("office", 0), f"office.{key}",
                               f"還沒有填（{name}）：請從官方網站查到後填上，並寫出處和查證日期"))
    for entry in agency.entries:
        if entry.kind == "window":
            missing = [n for k, n in (("where", "地點"), ("hours", "時間")) if not getattr(entry, k)]
            if missing:
                out.append(Problem(fname, agency.entry_lines.get(entry.id, 0), f"{entry.id}",
                                   "還沒有填" + "、".join(missing)))
    return out


def dead_ends(agency: Agency, entries) -> list[tuple]:
    """(entry, channel kind) for each answer that sends citizens to a phone, website or mailbox that
    neither the answer nor the office block gives: the reply would be a dead end."""
    out = []
    for entry in entries:
        text = "\n".join([entry.answer, *(v for _, v in phrases.entry_facts(entry))])
        out += [(entry, kind) for kind in phrases.unreachable(text) if not phrases.office_channel(agency, kind)]
    return out


def dead_end_warnings(agency: Agency, entries=None) -> list[Problem]:
    """kb check's warning for each dead end (of `entries`, or of every entry)."""
    out = []
    for entry, kind in dead_ends(agency, agency.entries if entries is None else entries):
        name = phrases.CHANNEL_NAMES[kind]
        out.append(Problem(f"{agency.id}.yaml", agency.entry_lines.get(entry.id, 0), f"{entry.id}.answer",
                           f"叫民眾找{name}，但回答和 office 段落都沒有{name}：請在 office 段落補上（寫出處），"
                           f"或改寫回答"))
    return out


def entries_due(agency: Agency, today: str) -> list:
    """Entries whose review_by date (YYYY-MM-DD) has passed."""
    return [e for e in agency.entries if e.review_by and e.review_by < today]


def review_warnings(agency: Agency, today: str) -> list[Problem]:
    """kb check's reminder for each entry past its review_by date."""
    return [Problem(f"{agency.id}.yaml", agency.entry_lines.get(e.id, 0), f"{e.id}.review_by",
                    f"已過了該重新確認的日期（{e.review_by}），請確認內容還正確，再改日期")
            for e in entries_due(agency, today)]


def regression_misses(answerer: Answerer, cases: list[RegressionCase]) -> list[tuple]:
    """(case, what the engine did) for each staff regression question whose reply is not the expected
    entry (or not "no answer")."""
    out = []
    for case in cases:
        got = answerer.ask(case.question)
        if not (got.entry_id == case.expect or (case.expect is None and got.entry_id is None)):
            out.append((case, got))
    return out


def regression_failures(answerer: Answerer, cases: list[RegressionCase]) -> list[Problem]:
    """kb check's error for each regression question answered otherwise than expected."""
    out = []
    for case, got in regression_misses(answerer, cases):
        wanted = f"「{case.expect}」回答" if case.expect else "不由任何項目回答"
        what = f"「{got.entry_id}」回答了" if got.entry_id else f"沒有項目回答（{got.outcome}）"
        out.append(Problem(case.file, case.line, "q", f"「{case.question}」應該{wanted}，結果{what}"))
    return out
