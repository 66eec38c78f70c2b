"""Staff teach the bot from the unanswered queue: add the group to an entry or make a new one, previewed, kept in
the store, served by every worker, undone from the change log."""

from __future__ import annotations

import csv
import io
import secrets
import time
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, redirect, request, session, url_for

from bot.core import teach
from bot.core.answerer import Answerer
from bot.core.checks import dead_end_warnings
from bot.core.knowledge import MAX_ANSWER_CHARS, SECTIONS, KnowledgeError, load_regressions, parse_agency, read_file
from bot.review import access, dashboard as board, export, report
from bot.review.unanswered import question_key

bp = Blueprint("teach", __name__, url_prefix="/admin")
bp.before_request(board.guard)  # the dashboard's own login, CSRF and headers
bp.after_request(board.secure_headers)
SECTION_NAMES = {"faqs": "常見問題", "single_window": "單一窗口項目", "windows": "服務窗口", "channels": "意見管道"}
CANDIDATES = 5  # entries offered for 「加到現有項目」
STATE_NAMES = {teach.APPLIED: "使用中", teach.IN_FILE: "已寫入知識庫檔案", teach.CONFLICT: "檔案已被改過，這筆沒有套用"}


def _answerer(agency: str) -> Answerer:
    """The office's Answerer as served now; 404 for an unknown office."""
    answerer = current_app.config["KNOWLEDGE"].current().answerers.get(agency)
    if answerer is None:
        abort(404)
    return answerer


def _path(agency: str):
    return current_app.config["KNOWLEDGE"].directory / f"{agency}.yaml"


def _served(agency: str) -> tuple[str, list[teach.Change]]:
    """The office file's text and its edits (undone ones too): what the bot serves is one laid over the other."""
    return read_file(_path(agency)).decode("utf-8"), board.store().changes(agency)


def _group(agency: str, key: str):
    """The unanswered group with this key, 404 when there is none (any range: the key is what counts)."""
    office = board.office_report_of(agency)
    group = next((u for u in office.unanswered if u.key == key), None)
    if group is None:
        abort(404)
    return group


def _candidates(answerer: Answerer, questions: list[str], find: str) -> list:
    """The entries the engine ranks best for the group's questions (or for what staff searched), best first."""
    best: dict[str, float] = {}
    for q in [find] if find else questions:
        for c in answerer.ask(q).candidates:
            best[c.entry.id] = max(best.get(c.entry.id, 0.0), c.score)
    ranked = sorted(best.items(), key=lambda kv: -kv[1])[:CANDIDATES]
    return [(answerer.agency.entry(eid), score) for eid, score in ranked]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r", "").split("\n") if line.strip()]


def _words(text: str) -> list[str]:
    for sep in "、，,；;\n":
        text = text.replace(sep, " ")
    return [w for w in text.split() if w]


def _proposed(agency: str, text: str, changes: list[teach.Change]) -> tuple[teach.Change, dict]:
    """The change the form describes, against what is served now; the form's values to show again."""
    form = request.form
    data = teach.yaml_data(text)
    teach.lay_over(data, changes)
    examples = _lines(form.get("examples", ""))
    who, now = access.current_admin(), int(time.time())
    entry_id = form.get("entry_id", "")
    if form.get("mode") == "add":
        place = teach.find(data, entry_id)
        if place is None:
            abort(400)
        before = data[place[0]][place[1]]
        after = teach.with_examples(before, examples)
        added = len(after["questions"]) - len(before.get("questions") or [])
        change = teach.Change(teach.PENDING, agency, entry_id, place[0], teach.plain(before), teach.plain(after),
                              who, now, note=f"「{before.get('title', entry_id)}」加入 {added} 個問法")
    else:
        section = form.get("section") if form.get("section") in SECTIONS else "faqs"
        entry_id = entry_id or f"staff-{secrets.token_hex(3)}"
        after = {"id": entry_id, "title": form.get("title", "").strip(), "questions": examples,
                 "keywords": _words(form.get("keywords", "")), "answer": form.get("answer", "").strip(),
                 "source": form.get("source", "").strip()}
        change = teach.Change(teach.PENDING, agency, entry_id, section, None, after, who, now,
                              note=f"新增項目「{after['title']}」")
    values = {k: form.get(k, "") for k in ("mode", "title", "answer", "keywords", "source", "section", "examples",
                                           "key", "find")} | {"entry_id": entry_id}
    return change, values


def _check(agency: str, text: str, changes: list[teach.Change], change: teach.Change):
    """(the Answerer with the change, []) or (None, the problems in words): the loader's checks, as kb check's,
    and no dead end in the changed entry's answer."""
    laid, outcome = teach.overlaid_text(text, [*changes, change])
    if outcome.get(change.id) != teach.APPLIED:
        return None, ["知識庫剛被改過，請重新整理這一頁再試一次。"]
    try:
        then = Answerer(parse_agency(laid, f"{agency}.yaml"))
    except KnowledgeError as exc:
        return None, [f"{p.field} {p.message}".strip() for p in exc.problems]
    # kb check only warns about a dead end in a file; an answer written here is held back until it
    # gives the phone, website or mailbox it sends citizens to (or the office block has it).
    ends = dead_end_warnings(then.agency, [then.agency.entry(change.entry_id)])
    return (None, [f"回答：{p.message}" for p in ends]) if ends else (then, [])


@bp.get("/<agency>/teach")
def start(agency: str):
    """The teach page of one unanswered group: the engine's candidates, and the new-entry form."""
    answerer = _answerer(agency)
    group = _group(agency, request.args.get("key", ""))
    find = request.args.get("find", "").strip()
    values = {"examples": "\n".join(group.texts), "section": "faqs", "key": group.key, "find": find}
    return board.render_page("admin_teach.html", agency=answerer.agency, group=group, values=values, problems=[],
                             candidates=_candidates(answerer, list(group.texts), find), sections=SECTION_NAMES,
                             max_answer=MAX_ANSWER_CHARS)


@bp.post("/<agency>/teach")
def preview(agency: str):
    """Preview (how each question would be answered, which regression questions would change) or, with
    save=1, keep the change: it is served at once here, within seconds by every worker and instance."""
    refused = board.refused_post(agency)
    if refused:
        return refused
    answerer = _answerer(agency)
    group = _group(agency, request.form.get("key", ""))
    text, changes = _served(agency)
    change, values = _proposed(agency, text, changes)
    then, problems = _check(agency, text, changes, change)
    if then is None:
        return board.render_page("admin_teach.html", 400, agency=answerer.agency, group=group, values=values,
                                 problems=problems, candidates=_candidates(answerer, list(group.texts), values["find"]),
                                 sections=SECTION_NAMES, max_answer=MAX_ANSWER_CHARS)
    if request.form.get("save") == "1":
        change_id = board.store().add_change(change)
        board.store().set_review(agency, group.key, "added", int(time.time()), by=access.current_admin())
        current_app.config["KNOWLEDGE"].refresh_now()
        session["taught"] = {"agency": agency, "id": change_id, "note": change.note}
        return redirect(url_for("teach.changes", agency=agency, _anchor="done"), 303)
    tests = current_app.config["KNOWLEDGE"].directory / "tests" / f"{agency}.yaml"
    cases = load_regressions(tests, {e.id for e in then.agency.entries})[0] if tests.is_file() else []
    shifts, moved = teach.compare(answerer, then, list(group.texts), cases)
    return board.render_page("admin_teach_preview.html", agency=answerer.agency, group=group, values=values,
                             change=change, shifts=shifts, moved=moved, entry=then.agency.entry(change.entry_id))


def _rows(agency: str) -> list[dict]:
    """The office's edits, newest first, each with what became of it over the file as it is now."""
    text, changes = _served(agency)
    outcome = teach.overlaid_text(text, changes)[1]
    rows, later = [], set()  # entries with a newer edit still served: theirs must be undone first
    for c in reversed(changes):
        state = "已復原" if not c.active else STATE_NAMES.get(outcome.get(c.id, ""), "")
        served = c.active and outcome.get(c.id) == teach.APPLIED
        rows.append({"change": c, "state": state, "when": _when(c.at), "undone_when": _when(c.undone_at),
                     "undoable": served and c.entry_id not in later,
                     "newer_first": served and c.entry_id in later})
        if served:
            later.add(c.entry_id)
    return rows


def _when(at: int | None) -> str:
    return datetime.fromtimestamp(at, report.TAIPEI).strftime("%Y-%m-%d %H:%M") if at else ""


@bp.get("/<agency>/changes")
def changes(agency: str):
    """The change log: who changed what and when, with 復原 on each edit still served."""
    answerer = _answerer(agency)
    done = session.pop("taught", None)
    return board.render_page("admin_changes.html", agency=answerer.agency, rows=_rows(agency),
                             done=done if done and done.get("agency") == agency else None)


@bp.post("/<agency>/changes/<int:change_id>/undo")
def undo(agency: str, change_id: int):
    """復原 one edit: the bot answers as before it, here at once and within seconds everywhere."""
    refused = board.refused_post(agency)
    if refused:
        return refused
    row = next((r for r in _rows(agency) if r["change"].id == change_id), None)
    if row is None:  # not an edit of this office
        abort(404)
    change = row["change"]
    if row["newer_first"]:  # undone alone, it would leave the newer edit resting on nothing
        return board.render_page("admin_message.html", 409, title="請先復原較新的修改",
                                 text=f"「{change.entry_id}」之後又改過。請先復原較新的那一筆，再復原這一筆。")
    undone = board.store().undo_change(change_id, access.current_admin(), int(time.time()))
    if undone:
        _reopen(agency, change)
    current_app.config["KNOWLEDGE"].refresh_now()
    session["taught"] = {"agency": agency, "id": change_id, "undone": undone}
    return redirect(url_for("teach.changes", agency=agency, _anchor="done"), 303)


def _reopen(agency: str, change: teach.Change) -> None:
    """The wordings an undone edit added are not answered any more: their groups, marked 已加入知識庫 when
    it was saved, go back to the queue (a group a colleague marked otherwise since keeps that mark)."""
    had = {question_key(str(q)) for q in (change.before or {}).get("questions") or []}
    for key in {question_key(str(q)) for q in change.after.get("questions") or []} - had:
        board.store().restore_review(agency, key, "added", None, int(time.time()), by=access.current_admin())


@bp.get("/<agency>/changes.csv")
def changes_csv(agency: str):
    """The change log as CSV (UTF-8 with BOM, so Excel shows the Chinese), entries before and after as JSON."""
    _answerer(agency)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["編號", "時間", "誰", "做了什麼", "項目", "狀態", "復原時間", "復原的人", "改之前", "改之後"])
    for row in _rows(agency):
        c = row["change"]
        writer.writerow([c.id, *(export.csv_cell(v, "text") for v in (  # staff's words quoted from formulas
            row["when"], c.who, c.note, c.entry_id, row["state"], row["undone_when"], c.undone_by,
            teach.as_json(c.before), teach.as_json(c.after)))])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{agency}-changes.csv"'})
