"""The supervisors' dashboard at /admin: per-office trends, ratings, the unanswered queue and the export."""

from __future__ import annotations

import hashlib
import time
from datetime import datetime

from flask import (Blueprint, Response, abort, current_app, redirect, render_template, request, session,
                   url_for)
from markupsafe import Markup

from bot.core.phrases import STARS
from bot.review import access, charts, export, paging, passwords, report, tryout
from bot.review.render import KIND_NAMES

bp = Blueprint("admin", __name__, url_prefix="/admin", static_folder="static", template_folder="templates")
OPEN_TO_ALL = ("admin.login", "admin.static")  # the login form and its CSS; everything else needs a login
STATUSES = {"added": "已加入知識庫", "not_ours": "不是我們的業務"}
MAX_KEY = 1000  # question keys are normalised question text; anything longer was not made by our page
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.record_once
def _configure(state) -> None:
    """Give the app its session key and limiter. Accounts can be added while the server runs (admin add),
    so this happens whenever a key can be derived; whether the dashboard is on is asked per request."""
    key = access.signing_key(state.app.config["SETTINGS"])
    if key:
        access.configure(state.app, key)


def render_page(template: str, status: int = 200, **context) -> tuple[str, int]:
    """A rendered page with its status."""
    return render_template(template, csrf=access.csrf_token(), signed_in=access.signed_in(),
                           admin_name=access.current_admin(), **context), status


def _message(status: int, title: str, text: str) -> tuple[str, int]:
    """A plain page that says what happened and nothing else."""
    return render_page("admin_message.html", status, title=title, text=text)


def _too_many(retry: int) -> Response:
    """429 with Retry-After, in words an older reader understands."""
    minutes = max(1, round(retry / 60))
    body, status = _message(429, "請稍後再試", f"密碼錯誤太多次了。為了安全，請等 {minutes} 分鐘後再登入。")
    return Response(body, status, headers={"Retry-After": str(retry)})


def _login_form(status: int, error: str = "", next_url: str = "", notice: str = "", name: str = "") -> tuple[str, int]:
    """The login page; also the body of every 401, so the reader can log in right there."""
    return render_page("admin_login.html", status, error=error, notice=notice, next_url=next_url, name=name)


@bp.before_request
def guard():
    """Off (404) without ADMIN_TOKEN and accounts; otherwise a session or a correct bearer token, else 401."""
    if not access.enabled():
        abort(404)
    given = access.bearer()
    if given is not None:  # a script: every wrong token counts as a failed login
        if access.token_matches(given):
            return None
        retry = access.limiter().retry_after(access.address())
        if retry:
            return _too_many(retry)
        access.limiter().fail(access.address())
        return _login_form(401, "密碼不對。")
    if request.endpoint in OPEN_TO_ALL or access.signed_in():
        return None
    back = request.full_path.rstrip("?") if request.method == "GET" else ""  # a form post cannot be replayed
    return _login_form(401, next_url=back, notice="這個頁面要先登入才能看。")


@bp.after_request
def secure_headers(response):
    """No caching, no framing, nothing loaded from elsewhere; 401s name the bearer scheme scripts use."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="admin"'
    return access.secure(response)


@bp.errorhandler(404)
def _not_found(error):
    """Off: the plain 404 of any unknown URL. On: say so in words."""
    try:
        on = access.enabled()
    except Exception:  # noqa: BLE001 - the database cannot say: the plain 404
        on = False
    if not on:
        return error
    return _message(404, "找不到這個頁面", "請回到總覽，從機關清單重新點選。")


@bp.errorhandler(500)
def _failed(error):
    """Flask has logged the exception; the supervisor gets a plain sentence (most often the database is down)."""
    return _message(500, "暫時無法顯示", "系統暫時出了問題，可能是資料庫連不上。請過幾分鐘再試一次。")


def _safe_next(url: str) -> str:
    """Only our own admin pages may be returned to after login (no open redirect)."""
    if url.startswith("/admin") and not url.startswith("//") and "\\" not in url:
        return url
    return url_for("admin.overview")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """GET: the form. POST: an account's name and password, or no name and ADMIN_TOKEN; too many failures → 429."""
    next_url = request.values.get("next", "")
    if request.method == "GET":
        if access.signed_in():
            return redirect(_safe_next(next_url))
        return _login_form(200, next_url=next_url)
    # A blocked address is refused before any password is checked: were the right one let through,
    # a guesser would go on guessing at full speed and learn the answer from the one that works.
    # (Scripts' bearer token is long and random, so guessing it is hopeless; it is checked first.)
    retry = access.limiter().retry_after(access.address())
    if retry:
        return _too_many(retry)
    name = passwords.clean_name(request.form.get("name", ""))
    if not access.log_in(name, request.form.get("password", "")):
        access.limiter().fail(access.address())
        return _login_form(401, "帳號或密碼不對，請再試一次。", next_url, name=name)
    access.limiter().forget(access.address())
    return redirect(_safe_next(next_url), 303)


@bp.post("/logout")
def logout():
    """End the session (the CSRF token stops someone else's page from logging us out)."""
    if not access.csrf_ok(request.form.get("csrf", "")):
        return _message(400, "請重新操作", "這個頁面已經過期，請重新整理後再按一次。")
    try:
        access.sign_out()
    except Exception:  # noqa: BLE001 - the store is down: the cookie still goes
        session.clear()
        return _message(503, "請稍後再登出", "系統暫時無法記下登出，請稍後再按一次登出。")
    return redirect(url_for("admin.login"), 303)


def _agencies() -> dict:
    """agency id → Agency of the offices the knowledge serves now."""
    answerers = current_app.config["KNOWLEDGE"].current().answerers
    return {aid: answerer.agency for aid, answerer in sorted(answerers.items())}


def store():
    """The app's store."""
    return current_app.config["STORE"]


def _peer_tables(reports: list) -> list[tuple[str, list]]:
    """(kind in words, reports) for every kind with at least two offices to compare."""
    return [(KIND_NAMES.get(group[0].kind, group[0].kind), group) for group in report.peer_groups(reports)]


@bp.get("")
@bp.get("/")
def overview():
    """Every office: this month's 👍 rate, satisfaction and n, its open questions; same-kind offices side by side."""
    reports = report.build(store(), _agencies())
    return render_page("admin_overview.html", reports=reports, peers=_peer_tables(reports),
                 synthetic=any(r.synthetic for r in reports),
                 this_month=reports[0].months[-1].month if reports and reports[0].months else "")


def _range_args() -> dict:
    """The from/to months of the request, for links that keep the range."""
    return {k: request.values[k] for k in ("from", "to") if request.values.get(k)}


def _view_args() -> dict:
    """The range, the handled list and the queue's page: what a form's redirect must keep."""
    shown = {"handled": "1"} if request.values.get("handled") == "1" else {}
    page = paging.page_number(request.values.get("page"))
    return {**_range_args(), **shown, **({"page": str(page)} if page > 1 else {})}


def office_report_of(agency: str):
    """The office's report for the requested range; 404 for an unknown office."""
    agencies = _agencies()
    if agency not in agencies:
        abort(404)
    args = _range_args()
    return report.build(store(), agencies, agency=agency, start=args.get("from"), end=args.get("to"))[0]


bp.add_app_template_filter(report.so_far, "so_far")  # this month: 「1–3 日」


@bp.app_template_filter("month_name")
def _month_name(month: str) -> str:
    """'2026-03' → 「2026 年 3 月」; 「合計」 stays."""
    year, _, number = month.partition("-")
    return f"{year} 年 {int(number)} 月" if number.isdigit() else month


@bp.app_template_filter("day")
def _day(at: int) -> str:
    """Unix seconds → the Taipei date 「2026/03/05」."""
    return datetime.fromtimestamp(at, report.TAIPEI).strftime("%Y/%m/%d")


@bp.app_template_filter("pct")
def _pct(value: float | None) -> str:
    """0.853 → 「85%」; no data → 「—」."""
    return "—" if value is None else f"{value:.0%}"


@bp.app_template_filter("mean")
def _mean(value: float | None) -> str:
    """4.25 → 「4.3」 (stars); no data → 「—」."""
    return "—" if value is None else f"{value:.1f}"


def _charts(office) -> dict[str, Markup]:
    """The office page's three charts as inline SVG."""
    labels = [m.month for m in office.months]
    notes = [report.so_far(m.month) for m in office.months]  # this month is young: say how many days it covers
    name = office.name
    return {
        "satisfaction": Markup(charts.line_chart(
            f"{name}：每月滿意度平均（1 到 5 分）", labels, [m.survey_mean for m in office.months],
            ticks=(1, 2, 3, 4, 5), fmt=lambda v: f"{v:.1f} 分" if v % 1 else f"{v:.0f} 分",
            few=[m.few_surveys for m in office.months], notes=notes)),
        "up_rate": Markup(charts.line_chart(
            f"{name}：每月 👍 比例", labels, [m.up_rate for m in office.months],
            ticks=(0, 0.25, 0.5, 0.75, 1), fmt=_pct, few=[m.few_ratings for m in office.months],
            notes=notes, colour="#1a7f37")),
        "distribution": Markup(charts.bar_chart(
            f"{name}：滿意度分數分布（{office.start} 到 {office.end}）", office.total.survey_dist, STARS)),
    }


def _month_options(office_report) -> list[str]:
    """The months the range picker offers, newest first: the last five years and the range shown."""
    this_month = report.month_range(None, None)[1]
    year, month = this_month.split("-")
    recent = report.months_between(f"{int(year) - 5}-{month}", this_month)[1:]
    return sorted(set(recent) | {office_report.start, office_report.end}, reverse=True)


@bp.get("/<agency>")
def office(agency: str):
    """One office: range picker, trend charts, distribution, figures table, unanswered queue, export."""
    try:
        office_report = office_report_of(agency)
    except report.ReportError as exc:
        return _message(400, "日期範圍有誤", str(exc))
    show_handled = request.args.get("handled") == "1"
    marked = _marked(agency) if show_handled else {}
    queue = [u for u in office_report.unanswered if u.status is None]
    page = paging.page_of(queue, paging.page_number(request.args.get("page")))
    handled = [u for u in office_report.unanswered if u.status is not None]
    return render_page("admin_office.html", r=office_report, charts=_charts(office_report), queue=queue, page=page,
                 done=_confirmation(agency, office_report.unanswered),
                 ready=tryout.office_readiness(current_app.config["KNOWLEDGE"], agency),
                 synthetic=office_report.synthetic,
                 handled=handled, marked=marked, show_handled=show_handled, statuses=STATUSES,
                 range_args=_range_args(),
                 queue_args={**_range_args(), **({"handled": "1"} if show_handled else {})},
                 month_options=_month_options(office_report),
                 export_url=url_for("admin.export_xlsx", agency=agency, **_range_args()))


def _marked(agency: str) -> dict[str, str]:
    """question key → who marked it and when, in words: 「王小明 12/01 標記」 (older marks name nobody)."""
    marks = store().review_marks(agency)
    return {key: " ".join(filter(None, (by, datetime.fromtimestamp(at, report.TAIPEI).strftime("%m/%d"), "標記")))
            for key, (by, at) in marks.items()}


def refused_post(agency: str):
    """A queue form's post: 404 for an unknown office, 400 without the session's CSRF token, else None."""
    if agency not in _agencies():
        abort(404)
    if not access.csrf_ok(request.form.get("csrf", "")):
        return _message(400, "請重新操作", "這個頁面已經過期，請重新整理後再按一次。")
    return None


def _back_to_queue(agency: str):
    """After a mark or an undo: the same page of the queue, at the note saying what was done."""
    return redirect(url_for("admin.office", agency=agency, _anchor="done", **_view_args()), 303)


@bp.post("/<agency>/review")
def review(agency: str):
    """Mark a group handled ("added" / "not_ours") or reopen it, then back to the queue."""
    refused = refused_post(agency)
    if refused:
        return refused
    key, status = request.form.get("key", ""), request.form.get("status", "")
    if not key or len(key) > MAX_KEY or status not in (*STATUSES, "open"):
        return _message(400, "請重新操作", "這個問題找不到了，請重新整理頁面。")
    marked = None if status == "open" else status
    previous = store().reviews(agency).get(key)
    store().set_review(agency, key, marked, int(time.time()), by=access.current_admin())
    # The session remembers what the mark replaced, so 復原 can put it back (and only that).
    session["review_done"] = {"agency": agency, "key": _fingerprint(key), "status": marked, "previous": previous}
    return _back_to_queue(agency)


def _fingerprint(key: str) -> str:
    """A short hash of a question key: the session cookie keeps this, never the citizen's words."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _confirmation(agency: str, groups: list) -> dict | None:
    """The session's last mark or undo on this office, shown once, with the group it was about (None
    when that group is outside the range shown: the note then names no question and offers no undo)."""
    done = session.get("review_done")
    if not done or done.get("agency") != agency or done.get("shown"):
        return None
    session["review_done"] = {**done, "shown": True}
    group = next((g for g in groups if _fingerprint(g.key) == done["key"]), None)
    return {**done, "group": group}


@bp.post("/<agency>/undo")
def undo(agency: str):
    """復原: put back what the session's last mark replaced, unless a colleague has changed that group since."""
    refused = refused_post(agency)
    if refused:
        return refused
    key, done = request.form.get("key", ""), session.get("review_done")
    if (not done or done.get("agency") != agency or "undone" in done or len(key) > MAX_KEY
            or done.get("key") != _fingerprint(key)):
        return _message(400, "沒有可以復原的動作", "剛才的標記已經復原過，或已經過期了。請回到清單看看現在的狀態。")
    restored = store().restore_review(agency, key, done["status"], done["previous"], int(time.time()),
                                       by=access.current_admin())
    now = done["previous"] if restored else store().reviews(agency).get(key)
    session["review_done"] = {**done, "undone": restored, "now": now, "shown": False}
    return _back_to_queue(agency)


@bp.get("/<agency>/export.xlsx")
def export_xlsx(agency: str):
    """The office's figures for the range as an Excel file, downloaded as an attachment."""
    agencies = _agencies()
    if agency not in agencies:
        abort(404)
    args = _range_args()
    try:
        start, end = report.month_range(args.get("from"), args.get("to"))
        body = export.workbook_bytes(store(), agencies, agency=agency, start=start, end=end)
    except report.ReportError as exc:
        return _message(400, "日期範圍有誤", str(exc))
    filename = f"{agency}-{start}-{end}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/try")
def try_question():
    """試問小幫手: a question answered as LINE shows it, with the engine's candidates (bot/review/tryout.py).
    A GET form, so the URL can be shared; staff trying is not a citizen asking, so nothing is stored."""
    context = tryout.pane(current_app.config["KNOWLEDGE"].current().answerers, request.args.get("office"),
                          request.args.get("q", ""), current_app.config["DEFAULT_AGENCY"])
    if context is None:
        abort(404)
    return render_page("admin_try.html", **context)
