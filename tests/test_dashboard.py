"""The /admin dashboard through the real app: access rules, figures from the store, the queue, export, charts."""

import io
import itertools
import re
import sys
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from bot.app import create_app
from bot.review import access, charts, report
from bot.settings import Settings, SettingsError
from bot.store import Question, Rating, Survey, open_store
from conftest import ROOT, server_env
from servers import chromium, free_port, running, wait_for

TOKEN = "test-admin-token-0123456789"
OFFICE = "taoyuan-vac"
ENTRY = "full-function-counter"
PAGES = ("/admin", "/admin/", f"/admin/{OFFICE}", f"/admin/{OFFICE}/export.xlsx")
FALLBACKS = {"停車場在哪裡": 3, "可以帶狗進去嗎": 2, "護照怎麼申請": 1}


def seed(store) -> None:
    """Three months of ratings, surveys and offers for Taoyuan, unanswered questions, a little for Pingtung."""
    months = report.months_between(*report.month_range(None, None))
    plan = {months[-3]: (25, 5, [5] * 10 + [4] * 8 + [3] * 3 + [1], 30),  # 👍, 👎, stars, survey offers
            months[-2]: (3, 1, [4, 5, 2], 6),
            months[-1]: (8, 2, [5, 4, 4], 5)}
    for month, (up, down, stars, offers) in plan.items():
        at = report.bounds(month, month)[0] + 3600
        for i in range(up + down):
            store.add_rating(Rating(OFFICE, f"u{i}", ENTRY, "up" if i < up else "down", at + i, f"r-{month}-{i}"))
        for i, n in enumerate(stars):
            store.add_survey(Survey(OFFICE, f"u{i}", n, at + i, f"s-{month}-{i}"))
        for i in range(offers):
            store.note_survey_offer(f"u{i}", OFFICE, at + i)
    at = report.bounds(months[-1], months[-1])[0] + 7200
    for text, times in FALLBACKS.items():
        for i in range(times):
            store.add_question(Question(OFFICE, f"q{i}", text, "fallback", None, 0.1, at + i))
    asked = store.add_question(Question(OFFICE, "q9", "退休俸什麼時候發", "answer", ENTRY, 0.7, at))
    store.add_rating(Rating(OFFICE, "q9", ENTRY, "down", at + 5, "r-down-q9", question_id=asked))
    store.add_rating(Rating("pingtung-vac", "p1", "x", "up", at, "r-pingtung"))


@pytest.fixture()
def admin(tmp_path):
    """The app with the dashboard on, its store seeded."""
    app = create_app(server_env(tmp_path, ADMIN_TOKEN=TOKEN))
    seed(app.config["STORE"])
    yield app
    app.config["POOL"].shutdown(wait=True)


def login(client, password: str = TOKEN):
    """Post the login form."""
    return client.post("/admin/login", data={"password": password})


def reports(app, **kwargs) -> list:
    """What the report module computes from the same store."""
    agencies = {aid: a.agency for aid, a in sorted(app.config["KNOWLEDGE"].current().answerers.items())}
    return report.build(app.config["STORE"], agencies, **kwargs)


def csrf_of(page: str) -> str:
    """The CSRF token in a page's forms."""
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with this id (no nested tags in the ones we read)."""
    return re.search(rf'id="{element_id}">([^<]*)<', html).group(1)


def test_without_admin_token_every_admin_url_is_404(tmp_path):
    app = create_app(server_env(tmp_path))
    client = app.test_client()
    for url in (*PAGES, "/admin/login", "/admin/static/admin.css", "/admin/nowhere"):
        assert client.get(url).status_code == 404, url
    assert login(client, "").status_code == 404
    assert client.get("/admin/", headers={"Authorization": "Bearer "}).status_code == 404


def test_not_logged_in_is_401_with_the_login_form_and_nothing_else(admin):
    client = admin.test_client()
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 401, url
        assert 'name="password"' in response.text and response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "桃園" not in response.text and "停車場" not in response.text and TOKEN not in response.text
    assert client.get("/admin/login").status_code == 200
    assert client.get("/admin/static/admin.css").status_code == 200


@pytest.mark.parametrize("headers", [{"Authorization": "Bearer wrong-token-0123456789"},
                                     {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": "Basic abc"}])
def test_a_wrong_bearer_token_is_401(admin, headers):
    response = admin.test_client().get(f"/admin/{OFFICE}", headers=headers)
    assert response.status_code == 401 and "停車場" not in response.text


def test_a_wrong_password_is_401_in_plain_words(admin):
    response = login(admin.test_client(), "guess")
    assert response.status_code == 401 and "密碼不對" in response.text
    assert "guess" not in response.text and TOKEN not in response.text and "桃園" not in response.text
    assert "Set-Cookie" not in response.headers


def test_repeated_failures_block_the_form_but_not_the_scripts_token(admin):
    client = admin.test_client()
    assert [login(client, f"guess{i}").status_code for i in range(5)] == [401] * 5
    blocked = login(client, "guess5")
    assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= 300
    assert "分鐘" in blocked.text
    wrong_script = client.get("/admin/", headers={"Authorization": "Bearer guess6"})
    assert wrong_script.status_code == 429
    # The right password too waits while the address is blocked: otherwise guessing would go on.
    assert login(admin.test_client()).status_code == 429
    # A script's long random token cannot be guessed, so a guesser never locks the scripts out.
    assert admin.test_client().get("/admin/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_login_cookie_is_signed_httponly_and_strict(admin):
    client = admin.test_client()
    response = login(client)
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert TOKEN not in cookie
    page = client.get("/admin/")
    assert page.status_code == 200
    headers = page.headers
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert admin.secret_key == access.session_key(TOKEN) != access.session_key(TOKEN + "-new")  # new token: all out


def test_a_forged_or_foreign_session_cookie_is_401(admin, tmp_path):
    (tmp_path / "other").mkdir()
    other = create_app(server_env(tmp_path / "other", ADMIN_TOKEN=TOKEN + "-elsewhere"))
    foreign = other.test_client()
    assert login(foreign, TOKEN + "-elsewhere").status_code == 303
    cookie = foreign.get_cookie("admin_session", path="/admin").value
    for value in (cookie, "eyJhZG1pbiI6dHJ1ZX0.forged.signature"):
        client = admin.test_client()
        client.set_cookie("admin_session", value, path="/admin")
        assert client.get("/admin/").status_code == 401
    other.config["POOL"].shutdown(wait=True)


def test_the_limiter_forgets_failures_after_the_window():
    limiter = access.FailureLimiter(allowed=2, window=60)
    limiter.fail("1.2.3.4", now=1000)
    assert limiter.retry_after("1.2.3.4", now=1001) == 0
    limiter.fail("1.2.3.4", now=1010)
    assert limiter.retry_after("1.2.3.4", now=1011) == 49 and limiter.retry_after("5.6.7.8", now=1011) == 0
    assert limiter.retry_after("1.2.3.4", now=1060) == 0  # the first failure is older than the window
    limiter.forget("1.2.3.4")
    assert limiter.retry_after("1.2.3.4", now=1011) == 0


def test_every_worker_counts_the_same_failed_logins(admin, tmp_path):
    other = create_app(server_env(tmp_path, ADMIN_TOKEN=TOKEN))  # a second worker on the same database
    try:
        assert [login(c, "guess").status_code for c in [admin.test_client(), other.test_client()] * 3] == \
            [401] * 5 + [429]
        with sqlite3.connect(tmp_path / "bot.db") as db:  # the address is kept only as a keyed hash
            assert "127.0.0.1" not in str(db.execute("SELECT address FROM admin_login_failures").fetchall())
    finally:
        other.config["POOL"].shutdown(wait=True)


def test_with_the_database_down_the_limit_still_counts_in_memory():
    class Down:
        def __getattr__(self, name):
            def fail(*args):
                raise ConnectionError("down")
            return fail

    limiter = access.SharedLimiter(Down(), "key", allowed=2, window=60)
    limiter.fail("1.2.3.4", now=1000)
    limiter.fail("1.2.3.4", now=1001)
    assert limiter.retry_after("1.2.3.4", now=1002) == 58


def test_login_returns_only_to_admin_pages(admin):
    client = admin.test_client()
    assert client.post("/admin/login", data={"password": TOKEN, "next": f"/admin/{OFFICE}"}
                       ).headers["Location"].endswith(f"/admin/{OFFICE}")
    for evil in ("https://evil.example/", "//evil.example/admin", "/simulator"):
        client = admin.test_client()
        location = client.post("/admin/login", data={"password": TOKEN, "next": evil}).headers["Location"]
        assert location.endswith("/admin/"), evil


def test_the_overview_shows_this_months_figures_and_the_peer_comparison(admin):
    client = admin.test_client()
    login(client)
    page = client.get("/admin/").text
    taoyuan = next(r for r in reports(admin) if r.agency == OFFICE)
    month = taoyuan.months[-1]
    row = re.search(rf'<tr data-agency="{OFFICE}">(.*?)</tr>', page, re.S).group(1)
    assert f"{month.up_rate:.0%}" in row and f"{month.thumbs_up + month.thumbs_down} 次" in row
    assert f"{month.survey_mean:.1f}" in row and "樣本太少" in row
    assert f"{sum(u.status is None for u in taoyuan.unanswered)} 組" in row
    assert "同類機關比較" in page and "榮民服務處" in page and "屏東縣榮民服務處" in page
    for office in reports(admin):  # offices with little or no data draw empty charts, not errors
        assert client.get(f"/admin/{office.agency}").status_code == 200


def test_the_office_page_shows_the_stores_figures(admin):
    client = admin.test_client()
    login(client)
    response = client.get(f"/admin/{OFFICE}")
    assert response.status_code == 200
    page = response.text
    r = reports(admin, agency=OFFICE)[0]
    assert text_of(page, "up-rate") == f"{r.total.up_rate:.0%}"
    assert text_of(page, "ratings-n") == str(r.total.thumbs_up + r.total.thumbs_down) == "45"
    assert text_of(page, "survey-mean") == f"{r.total.survey_mean:.1f}"
    assert text_of(page, "survey-n") == str(r.total.survey_n)
    assert text_of(page, "response-rate") == f"{r.total.response_rate:.0%}"
    assert text_of(page, "open-count") == text_of(page, "queue-count") == "4"
    for m in r.months:
        row = re.search(rf'data-month="{m.month}">(.*?)</tr>', page, re.S).group(1)
        few = [(m.up_rate, m.few_ratings), (m.survey_mean, m.few_surveys), (m.response_rate, m.few_offers)]
        assert ("樣本太少" in row) == any(v is not None and flag for v, flag in few), m.month
    assert "「停車場在哪裡」" in page and "問了 <strong>3</strong> 次" in page and "被按 👎 1 次" in page
    assert page.count("<svg") == 3 and "樣本太少（少於 20 筆）" in page
    assert r.start in page and r.end in page


def test_a_range_picks_the_months_and_a_bad_range_is_400(admin):
    client = admin.test_client()
    login(client)
    months = report.months_between(*report.month_range(None, None))
    page = client.get(f"/admin/{OFFICE}?from={months[-3]}&to={months[-3]}").text
    assert text_of(page, "up-rate") == "83%" and text_of(page, "ratings-n") == "30"
    bad = client.get(f"/admin/{OFFICE}?from=2026-05&to=2025-01")
    assert bad.status_code == 400 and "月份範圍前後顛倒" in bad.text
    assert client.get(f"/admin/{OFFICE}?from=soon").status_code == 400
    assert client.get("/admin/nowhere").status_code == 404
    assert client.get("/admin/nowhere/export.xlsx").status_code == 404


def test_marking_a_group_handled_moves_it_out_of_the_queue(admin):
    client = admin.test_client()
    login(client)
    page = client.get(f"/admin/{OFFICE}").text
    key = reports(admin, agency=OFFICE)[0].unanswered[0].key
    done = client.post(f"/admin/{OFFICE}/review", data={"csrf": csrf_of(page), "key": key, "status": "added"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/admin/{OFFICE}#done")
    assert admin.config["STORE"].reviews(OFFICE) == {key: "added"}
    page = client.get(f"/admin/{OFFICE}").text
    assert text_of(page, "queue-count") == "3" and "停車場在哪裡" not in "".join(queue_on(page))
    page = client.get(f"/admin/{OFFICE}?handled=1").text
    assert "「停車場在哪裡」" in page and "重新列入" in page
    client.post(f"/admin/{OFFICE}/review", data={"csrf": csrf_of(page), "key": key, "status": "open"})
    assert admin.config["STORE"].reviews(OFFICE) == {}


@pytest.mark.parametrize("csrf", [None, "", "forged"])
def test_a_post_without_the_sessions_csrf_token_is_rejected(admin, csrf):
    client = admin.test_client()
    login(client)
    data = {"key": "停車場在哪裡", "status": "not_ours", **({} if csrf is None else {"csrf": csrf})}
    response = client.post(f"/admin/{OFFICE}/review", data=data)
    assert response.status_code == 400 and admin.config["STORE"].reviews(OFFICE) == {}
    assert client.post("/admin/logout", data={}).status_code == 400


def test_bad_review_requests_are_refused(admin):
    client = admin.test_client()
    login(client)
    csrf = csrf_of(client.get("/admin/").text)
    for data in ({"key": "x", "status": "deleted"}, {"key": "", "status": "added"}, {"key": "x" * 2000}):
        assert client.post(f"/admin/{OFFICE}/review", data={"csrf": csrf, **data}).status_code == 400
    assert admin.test_client().post(f"/admin/{OFFICE}/review", data={"key": "x", "status": "added"}).status_code == 401
    assert admin.config["STORE"].reviews(OFFICE) == {}


def test_logout_ends_the_session(admin):
    client = admin.test_client()
    login(client)
    page = client.get("/admin/").text
    assert client.post("/admin/logout", data={"csrf": csrf_of(page)}).status_code == 303
    assert client.get("/admin/").status_code == 401


def test_logout_ends_the_session_on_the_server_too(admin, tmp_path):
    from bot.app import create_app

    client = admin.test_client()
    login(client)
    cookie = client.get_cookie("admin_session", path="/admin").value
    page = client.get("/admin/").text
    assert client.post("/admin/logout", data={"csrf": csrf_of(page)}).status_code == 303
    other_worker = create_app(server_env(tmp_path, ADMIN_TOKEN=TOKEN)).test_client()
    other_worker.set_cookie("admin_session", cookie, path="/admin")
    assert other_worker.get("/admin/").status_code == 401  # the old cookie no longer works anywhere


def test_the_export_is_an_xlsx_attachment_also_for_a_bearer_script(admin):
    from openpyxl import load_workbook

    months = report.months_between(*report.month_range(None, None))
    response = admin.test_client().get(f"/admin/{OFFICE}/export.xlsx?from={months[0]}&to={months[-1]}",
                                       headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{OFFICE}-{months[0]}-{months[-1]}.xlsx"'
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames and sum(ws.max_row for ws in book.worksheets) > 40  # the 45 ratings are in it


def test_no_admin_page_or_static_file_loads_anything_from_elsewhere(admin):
    client = admin.test_client()
    bodies = [client.get(url).text for url in PAGES[1:3]]  # the 401 login form
    login(client)
    csrf = csrf_of(client.get("/admin/").text)
    client.post(f"/admin/{OFFICE}/review", data={"csrf": csrf, "key": "停車場在哪裡", "status": "added"})
    bodies += [client.get(url).text for url in ("/admin/", f"/admin/{OFFICE}", f"/admin/{OFFICE}?handled=1",
                                                "/admin/login", "/admin/nowhere", f"/admin/{OFFICE}?from=x")]
    folder = ROOT / "bot" / "review"
    bodies += [p.read_text(encoding="utf-8") for p in (folder / "static").iterdir()]
    bodies += [p.read_text(encoding="utf-8") for p in (folder / "templates").iterdir()]
    for body in bodies:
        assert "http://" not in body and "https://" not in body and "<script" not in body


def test_a_short_admin_token_is_refused_at_start():
    env = server_env(ROOT / "var", ADMIN_TOKEN="1234")
    with pytest.raises(SettingsError, match="ADMIN_TOKEN"):
        Settings.from_env(env)
    assert Settings.from_env(server_env(ROOT / "var")).admin_token == ""


def _svg(markup: str) -> ET.Element:
    """Parse a chart: it must be well-formed XML."""
    return ET.fromstring(markup)


def test_a_line_chart_labels_values_leaves_gaps_and_marks_small_samples():
    svg = _svg(charts.line_chart("每月 👍 比例 <測試> & co", ["2025-12", "2026-01", "2026-02", "2026-03"],
                                 [0.8, None, 0.5, 0.75], ticks=(0, 0.5, 1), fmt=lambda v: f"{v:.0%}",
                                 few=[False, False, True, False]))
    assert svg.get("role") == "img" and svg.get("aria-label") == "每月 👍 比例 <測試> & co"
    assert svg.find("title").text == "每月 👍 比例 <測試> & co"
    assert "2026年1月 沒有資料" in svg.find("desc").text and "2025年12月 80%" in svg.find("desc").text
    texts = [t.text for t in svg.iter("text")]
    assert {"80%", "50%", "75%", "無資料", "12月", "1月", "2025", "2026"} <= set(texts)
    assert len(svg.findall("polyline")) == 2  # the None month breaks the line
    hollow = [c for c in svg.iter("circle") if c.get("fill") == "#ffffff"]
    assert len(hollow) == 2  # the small-sample point and the legend's sample
    assert any("樣本太少" in t for t in texts)


def test_a_bar_chart_labels_every_answer_with_its_count_and_share():
    svg = _svg(charts.bar_chart("分布", {5: 6, 4: 3, 3: 1, 2: 0, 1: 0}, {5: "5 很滿意", 4: "4 滿意", 3: "3 普通",
                                                                         2: "2 不滿意", 1: "1 很不滿意"}))
    texts = [t.text for t in svg.iter("text")]
    assert texts[:2] == ["5 很滿意", "6 人（60%）"] and "0 人（0%）" in texts
    assert "共 10 人" in svg.find("desc").text
    empty = _svg(charts.bar_chart("空", {}, {1: "1", 2: "2"}))
    assert [t.text for t in empty.iter("text")][1] == "0 人"


SCREENSHOT = ROOT / "var" / "screenshots" / "admin.png"


def _shown(driver, element_id: str) -> str:
    """The text of an element, or "" while the page is being replaced."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.ID, element_id).text
    except WebDriverException:  # missing, stale, or Chromium's "node does not belong to the document"
        return ""


# Every chart's labels as Chromium laid them out: the text, its attributes and its box in the chart's units.
LABEL_BOXES = """
return Array.from(document.querySelectorAll('svg.chart')).map(svg => ({
  width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height,
  texts: Array.from(svg.querySelectorAll('text')).map(t => {
    const b = t.getBBox();
    return {text: t.textContent, x: +t.getAttribute('x'), y: +t.getAttribute('y'),
            size: +t.getAttribute('font-size'), anchor: t.getAttribute('text-anchor'),
            weight: t.getAttribute('font-weight'), box: [b.x, b.y, b.x + b.width, b.y + b.height]};
  })}));
"""


def _meet(p, q, slack: float = 0.5) -> bool:
    """Whether two (left, top, right, bottom) boxes overlap by more than rounding."""
    return p[0] < q[2] - slack and q[0] < p[2] - slack and p[1] < q[3] - slack and q[1] < p[3] - slack


def test_a_supervisor_logs_in_and_works_the_queue_in_headless_chromium(tmp_path, agencies):
    from selenium.webdriver.common.by import By

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    store = open_store(url)
    seed(store)
    expected = report.build(store, agencies, agency=OFFICE)[0]
    port = free_port()
    env = server_env(tmp_path, ADMIN_TOKEN=TOKEN, SIMULATOR="", WEB_CONCURRENCY="2")  # LINE set: not local mode
    argv = [sys.executable, "-m", "bot", "serve", "--port", str(port)]
    with running(argv, env, port, tmp_path / "serve.log") as (base, log):
        driver = chromium("1280,1000")
        try:
            driver.get(f"{base}/admin/{OFFICE}")
            assert "要先登入" in driver.find_element(By.TAG_NAME, "main").text and "停車場" not in driver.page_source
            driver.find_element(By.ID, "password").send_keys(TOKEN)
            driver.find_element(By.CSS_SELECTOR, ".login button").click()
            shown = lambda element_id: _shown(driver, element_id)  # noqa: E731
            assert wait_for(lambda: driver.find_elements(By.ID, "up-rate"), 15)
            assert shown("up-rate") == f"{expected.total.up_rate:.0%}"
            assert shown("ratings-n") == str(expected.total.thumbs_up + expected.total.thumbs_down)
            assert shown("survey-mean") == f"{expected.total.survey_mean:.1f}"
            assert shown("survey-n") == str(expected.total.survey_n)
            assert shown("open-count") == shown("queue-count") == str(len(expected.unanswered)) == "4"
            first = driver.find_element(By.CSS_SELECTOR, ".queue .item")
            assert first.find_element(By.CSS_SELECTOR, ".example").text == f"「{expected.unanswered[0].example}」"
            first.find_element(By.XPATH, ".//button[text()='已加入知識庫']").click()
            assert wait_for(lambda: shown("queue-count") == "3", 15)
            assert store.reviews(OFFICE) == {expected.unanswered[0].key: "added"}
            assert len(driver.find_elements(By.CSS_SELECTOR, ".queue .item")) == 3
            example = expected.unanswered[0].example
            assert f"已把「{example}」標為「已加入知識庫」" in shown("done")
            driver.find_element(By.XPATH, "//*[@id='done']//button[text()='復原']").click()
            assert wait_for(lambda: shown("queue-count") == "4", 15)
            assert store.reviews(OFFICE) == {} and f"已復原：「{example}」回到待處理清單。" in shown("done")
            labels = driver.execute_script(LABEL_BOXES)
            assert len(labels) == 3 and all(chart["texts"] for chart in labels)
            for chart in labels:  # what Chromium really drew: no two labels meet, none leaves the chart …
                boxes = [t["box"] for t in chart["texts"]]
                assert [(a, b) for a, b in itertools.combinations(range(len(boxes)), 2)
                        if _meet(boxes[a], boxes[b])] == [], chart
                assert all(b[0] >= -0.5 and b[1] >= -0.5 and b[2] <= chart["width"] + 0.5
                           and b[3] <= chart["height"] + 0.5 for b in boxes), chart
                for t in chart["texts"]:  # … and the layout's estimate is never smaller than the real label
                    estimate = charts.text_box(t["x"], t["y"], t["text"], t["size"], t["anchor"], t["weight"])
                    assert estimate[2] - estimate[0] >= t["box"][2] - t["box"][0] - 0.5, t
                    assert estimate[0] <= t["box"][0] + 0.5 and estimate[2] >= t["box"][2] - 0.5, t
            driver.execute_script("window.scrollTo(0, 0)")
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1280, height + 200)  # the window's own frame takes some of its height
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            assert driver.save_screenshot(str(SCREENSHOT))
            asked = len(store.records("questions"))  # 試問小幫手: from the office page, a question, the card
            driver.find_element(By.ID, "try-link").click()
            driver.find_element(By.NAME, "q").send_keys("榮民證要去哪裡辦？")
            driver.find_element(By.CSS_SELECTOR, ".try-form button").click()
            assert wait_for(lambda: shown("outcome") == "回答", 15)
            assert "榮民證申辦" in driver.find_element(By.CSS_SELECTOR, ".line-chat .flex").text
            assert len(store.records("questions")) == asked  # staff trying is not a citizen asking
            severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert [m for m in severe if "status of 401" not in m] == []  # the 401 before login is expected
        finally:
            driver.quit()
            store.close()
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    served = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert TOKEN not in served and "Traceback" not in served


def test_demo_data_is_flagged_on_the_pages_and_in_the_report(tmp_path, desk):
    from bot.review import demo, report
    from bot.store import open_store

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    store = open_store(url)
    demo.fill(store, desk, days=2, seed=3)
    assert all(r.synthetic for r in report.build(store, {a: d.agency for a, d in desk.answerers.items()}))
    assert "示範資料" in report.render_text(report.build(store, {"taoyuan-vac": desk.answerers["taoyuan-vac"].agency}))
    app = create_app(server_env(tmp_path, DATABASE_URL=url, ADMIN_TOKEN=TOKEN))
    page = app.test_client().get("/admin/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200 and "示範資料" in page.text


# --- Dashboard polish: the queue in pages, a confirmation with 復原, this month's days, labels that never overlap.

WORDS = "榮民證安家費停車場護照役男出國補助申請地址電話時間文件婚姻戶籍印鑑遷入死亡收養監護寄居身心障礙輔具交通"


def seed_many(store, groups: int = 45) -> list[str]:
    """`groups` more unanswered questions, each unlike any other (random words), asked once this month."""
    import random

    rng, at = random.Random(5), report.bounds(*[report.month_range(None, None)[1]] * 2)[0] + 9000
    texts = ["".join(rng.sample(WORDS, 7)) + "怎麼辦" for _ in range(groups)]
    for i, text in enumerate(texts):
        store.add_question(Question(OFFICE, f"m{i}", text, "fallback", None, 0.1, at + i))
    return texts


def queue_on(page: str) -> list[str]:
    """The examples of the open groups a page lists, in order."""
    section = page.split('<ol class="queue">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<p class="example">「(.*?)」</p>', section)


def test_the_queue_comes_in_pages_of_twenty_with_links_that_keep_the_filters(admin):
    seed_many(admin.config["STORE"])
    client = admin.test_client()
    login(client)
    months = report.months_between(*report.month_range(None, None))
    expected = [u.example for u in reports(admin, agency=OFFICE)[0].unanswered if u.status is None]
    assert len(expected) == 49  # the seed's 4 and 45 more: 3 pages
    shown, range_query = [], f"from={months[0]}&to={months[-1]}"
    for number, size in ((1, 20), (2, 20), (3, 9)):
        page = client.get(f"/admin/{OFFICE}?{range_query}&handled=1&page={number}").text
        assert len(queue_on(page)) == size and text_of(page, "queue-count") == "49"
        assert page.count(f"第 {number} 頁，共 3 頁") == 2  # above and under the list
        assert f"第 {20 * number - 19} 到 {20 * (number - 1) + size} 組" in page
        links = re.findall(r'href="([^"]*page=\d[^"]*)"', page)
        assert links and all(f"from={months[0]}" in u and f"to={months[-1]}" in u and "handled=1" in u for u in links)
        assert ('rel="prev"' in page) == (number > 1) and ('rel="next"' in page) == (number < 3)
        assert "上一頁" in page and "下一頁" in page and '<strong aria-current="page">' in page
        shown += queue_on(page)
    assert shown == expected  # every group once, most asked first, across the pages
    assert queue_on(client.get(f"/admin/{OFFICE}?page=99").text) == expected[40:]  # past the end: the last page
    for bad in ("abc", "0", "-2", "1e9", "９"):
        assert queue_on(client.get(f"/admin/{OFFICE}?page={bad}").text) == expected[:20], bad
    page = client.get(f"/admin/{OFFICE}?page=2&{range_query}").text
    key = reports(admin, agency=OFFICE)[0].unanswered[25].key
    form = {"csrf": csrf_of(page), "key": key, "status": "not_ours", "page": "2", "from": months[0], "to": months[-1]}
    location = client.post(f"/admin/{OFFICE}/review", data=form).headers["Location"]
    assert "page=2" in location and f"from={months[0]}" in location and location.endswith("#done")
    assert expected[25] not in queue_on(client.get(location).text)


def test_a_short_queue_has_no_page_links(admin):
    client = admin.test_client()
    login(client)
    page = client.get(f"/admin/{OFFICE}").text
    assert len(queue_on(page)) == 4 and "頁，共" not in page and "上一頁" not in page


def test_a_mark_is_confirmed_and_undone_with_the_sessions_csrf(admin):
    client, store = admin.test_client(), admin.config["STORE"]
    login(client)
    page = client.get(f"/admin/{OFFICE}").text
    key = reports(admin, agency=OFFICE)[0].unanswered[0].key
    client.post(f"/admin/{OFFICE}/review", data={"csrf": csrf_of(page), "key": key, "status": "added"})
    page = client.get(f"/admin/{OFFICE}").text
    assert "已把「停車場在哪裡」標為「已加入知識庫」，這一組已移出待處理清單。" in page
    assert 'role="status"' in page and f'action="/admin/{OFFICE}/undo"' in page and "復原</button>" in page
    assert "已把" not in client.get(f"/admin/{OFFICE}").text  # said once; the undo stays possible
    for data in ({"key": key}, {"key": key, "csrf": "forged"}, {"key": "別的問題", "csrf": csrf_of(page)}):
        assert client.post(f"/admin/{OFFICE}/undo", data=data).status_code == 400
    assert store.reviews(OFFICE) == {key: "added"}
    undone = client.post(f"/admin/{OFFICE}/undo", data={"key": key, "csrf": csrf_of(page)})
    assert undone.status_code == 303 and undone.headers["Location"].endswith("#done")
    assert store.reviews(OFFICE) == {}
    page = client.get(f"/admin/{OFFICE}").text
    assert "已復原：「停車場在哪裡」回到待處理清單。" in page and "停車場在哪裡" in queue_on(page)
    again = client.post(f"/admin/{OFFICE}/undo", data={"key": key, "csrf": csrf_of(page)})
    assert again.status_code == 400 and "沒有可以復原的動作" in again.text  # one undo per mark
    # From the handled list: 重新列入, then 復原 marks it again as it was.
    client.post(f"/admin/{OFFICE}/review", data={"csrf": csrf_of(page), "key": key, "status": "not_ours"})
    page = client.get(f"/admin/{OFFICE}?handled=1").text
    client.post(f"/admin/{OFFICE}/review", data={"csrf": csrf_of(page), "key": key, "status": "open", "handled": "1"})
    page = client.get(f"/admin/{OFFICE}?handled=1").text
    assert "已把「停車場在哪裡」重新列入待處理清單。" in page and store.reviews(OFFICE) == {}
    client.post(f"/admin/{OFFICE}/undo", data={"key": key, "csrf": csrf_of(page), "handled": "1"})
    assert store.reviews(OFFICE) == {key: "not_ours"}
    assert "又標回「不是我們的業務」" in client.get(f"/admin/{OFFICE}?handled=1").text


def test_an_undo_never_overwrites_a_colleagues_later_mark(admin):
    mine, theirs, store = admin.test_client(), admin.test_client(), admin.config["STORE"]
    login(mine)
    login(theirs)
    key = reports(admin, agency=OFFICE)[0].unanswered[0].key
    page = mine.get(f"/admin/{OFFICE}").text
    mine.post(f"/admin/{OFFICE}/review", data={"csrf": csrf_of(page), "key": key, "status": "added"})
    other = theirs.get(f"/admin/{OFFICE}?handled=1").text
    theirs.post(f"/admin/{OFFICE}/review", data={"csrf": csrf_of(other), "key": key, "status": "not_ours"})
    assert theirs.post(f"/admin/{OFFICE}/undo", data={"key": key, "csrf": csrf_of(other)}
                       ).status_code == 303  # their own last mark, theirs to undo …
    theirs.post(f"/admin/{OFFICE}/review", data={"csrf": csrf_of(other), "key": key, "status": "not_ours"})
    page = mine.get(f"/admin/{OFFICE}").text
    assert mine.post(f"/admin/{OFFICE}/undo", data={"key": key, "csrf": csrf_of(page)}).status_code == 303
    assert store.reviews(OFFICE) == {key: "not_ours"}  # … but mine does not undo theirs
    assert "沒有復原：「停車場在哪裡」在您標記之後，已經被其他同仁改成「不是我們的業務」" in mine.get(f"/admin/{OFFICE}").text
    bearer = admin.test_client().post(f"/admin/{OFFICE}/undo", data={"key": key},
                                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 400 and store.reviews(OFFICE) == {key: "not_ours"}  # a script has no last mark


def test_this_months_figures_say_which_days_they_cover(admin):
    from datetime import date

    assert report.so_far("2026-03", date(2026, 3, 1)) == "1 日"
    assert report.so_far("2026-03", date(2026, 3, 3)) == "1–3 日"
    assert report.so_far("2026-02", date(2026, 3, 3)) == report.so_far("2026-04", date(2026, 3, 3)) == ""
    client = admin.test_client()
    login(client)
    this_month = report.month_range(None, None)[1]
    days = report.so_far(this_month)
    overview = client.get("/admin/").text
    row = re.sub(r"</?span>", "", re.search(rf'<tr data-agency="{OFFICE}">(.*?)</tr>', overview, re.S).group(1))
    assert f"本月（{days}，樣本太少）" in row  # 10 ratings and 3 surveys this month: both marked
    assert row.count("樣本太少") == row.count(f"本月（{days}，樣本太少）") == 2
    assert f"只算到今天：{days}" in text_of(overview, "this-month")
    page = client.get(f"/admin/{OFFICE}").text
    current = re.sub(r"</?span>", "", re.search(rf'data-month="{this_month}">(.*?)</tr>', page, re.S).group(1))
    assert f"本月，只有 {days}" in current and current.count(f"本月（{days}，樣本太少）") == 3
    earlier = re.search(r'data-month="([^"]+)">(.*?)</tr>', page, re.S).group(2)
    assert "本月" not in earlier  # a month that is over says nothing of days
    for svg in re.findall(r"<svg.*?</svg>", page, re.S)[:2]:
        assert f">{days}</text>" in svg and f"（{days}）" in _svg(svg).find("desc").text


def overlapping(svg: ET.Element) -> list:
    """Pairs of labels whose estimated boxes meet, and labels reaching outside the chart."""
    boxes = [(t.text, charts.text_box(float(t.get("x")), float(t.get("y")), t.text, float(t.get("font-size")),
                                      t.get("text-anchor"), t.get("font-weight"))) for t in svg.iter("text")]
    width, height = float(svg.get("width")), float(svg.get("height"))
    meet = [(a, b) for (a, p), (b, q) in itertools.combinations(boxes, 2) if _meet(p, q, slack=0)]
    return meet + [(a, "outside") for a, p in boxes if p[0] < 0 or p[1] < 0 or p[2] > width or p[3] > height]


LONG_NAMES = ["高雄縣鳳山市第一戶政事務所", "國軍退除役官兵輔導委員會桃園市榮民服務處", "高雄市政府兵役處", "三民區公所"]


@pytest.mark.parametrize("values, few", [
    ([1.0] * 14, [True] * 14),  # every point on the top line, the legend shown
    ([0.0, None, 1.0, None, 0.0, 1.0], [False, True] * 3),  # gaps beside points on the bottom line
    ([1.0], [True]),  # one month: the narrowest chart
    ([0.333, 0.999, 0.001, 0.5] * 6, [i % 3 == 0 for i in range(24)]),
])
def test_chart_labels_never_meet_the_legend_or_each_other(values, few):
    months = report.months_between("2025-01", "2027-12")[-len(values):]
    notes = [""] * (len(values) - 1) + ["1–31 日"]
    for fmt, ticks in ((lambda v: f"{v:.0%}", (0, 0.25, 0.5, 0.75, 1)),
                       (lambda v: f"{1 + 4 * v:.1f} 分", (0, 0.25, 0.5, 0.75, 1)),
                       (lambda v: f"{v * 100:.1f}%（{LONG_NAMES[0]}）", (0, 0.5, 1))):  # an unusually long label
        svg = _svg(charts.line_chart(f"{LONG_NAMES[1]}：每月 👍 比例", months, values, ticks=ticks, fmt=fmt,
                                     few=few, notes=notes))
        assert overlapping(svg) == [], fmt(0.5)
    bars = _svg(charts.bar_chart("各機關問卷份數", {i: 1000 * i for i in range(4)}, dict(enumerate(LONG_NAMES)),
                                 unit="份"))
    assert overlapping(bars) == [] and "高雄縣鳳山市第一戶政事務所" in [t.text for t in bars.iter("text")]


def test_no_chart_on_any_office_page_has_labels_that_meet(admin):
    store = admin.config["STORE"]
    this_month = report.month_range(None, None)[1]
    at = report.bounds(this_month, this_month)[0] + 60
    for i in range(3):  # 100% and 5 stars in a young month: labels on the top line, under the legend
        store.add_rating(Rating("fengshan-household", f"f{i}", "x", "up", at + i, f"r-fengshan-{i}"))
        store.add_survey(Survey("fengshan-household", f"f{i}", 5, at + i, f"s-fengshan-{i}"))
    client = admin.test_client()
    login(client)
    months = report.months_between(*report.month_range(None, None))
    for office in reports(admin):
        for query in ("", f"?from={months[-1]}&to={months[-1]}", "?from=2021-01"):
            page = client.get(f"/admin/{office.agency}{query}").text
            svgs = re.findall(r"<svg.*?</svg>", page, re.S)
            assert len(svgs) == 3 and all(overlapping(_svg(svg)) == [] for svg in svgs), (office.name, query)
