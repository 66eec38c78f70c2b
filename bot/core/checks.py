"""Quality checks of loaded knowledge beyond validity: self-routing examples and fact gaps."""

from __future__ import annotations

from bot.core.answerer import Answerer
from bot.core.knowledge import Agency, Problem


def routing_warnings(agency: Agency, answerer: Answerer | None = None) -> list[Problem]:
    """Each example question is a self-test: it must be answered by its own entry."""
    answerer = answerer or Answerer(agency)
    fname = f"{agency.id}.yaml"
    out = []
    for entry in agency.entries:
        for i, q in enumerate(entry.questions):
            got = answerer.ask(q)
            if got.outcome == "answer" and got.entry_id == entry.id:
                continue
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
    names = {"address": "地址", "phone": "電話", "hours": "服務時間"}
    for key, name in names.items():
        if not getattr(agency.contact, key):
            out.append(Problem(fname, 0, f"agency.contact.{key}",
                               f"還沒有填（{name}）：請從官方網站查到後填上，並寫出處"))
    for entry in agency.entries:
        if entry.kind == "window":
            missing = [n for k, n in (("where", "地點"), ("hours", "時間")) if not getattr(entry, k)]
            if missing:
                out.append(Problem(fname, agency.entry_lines.get(entry.id, 0), f"{entry.id}",
                                   "還沒有填" + "、".join(missing)))
    return out
