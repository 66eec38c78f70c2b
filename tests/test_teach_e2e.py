"""Teach from the queue end to end (issue 14): a supervisor in headless Chromium teaches a real gunicorn with
two workers, citizens' signed webhooks are answered from the taught entry by both workers, 復原 takes it back,
`kb export` writes it into the file with its comments; and two instances on one PostgreSQL, taught on one,
answer on the other."""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import yaml

from bot.core import teach
from bot.core.knowledge import load_agency
from bot.review.unanswered import question_key
from bot.webhook import signature
from conftest import KNOWLEDGE, ROOT, SECRET, run_cli, server_env
from servers import chromium, free_port, running, side_by_side, wait_for

ARGV = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "bot.app:create_app()"]
TOKEN = "teach-e2e-admin-token-0123456789"
OFFICE = "taoyuan-vac"
ENTRY = "home-visits"
ASKED = "想找人陪阿公聊天"  # falls back today; 居家/榮民眷訪視 (home-visits) is what the citizen needs
VARIANT = "想找人來陪我阿公聊天"  # the same question in other words: one group in the queue
HOME_VISITS = load_agency(KNOWLEDGE / f"{OFFICE}.yaml").entry(ENTRY)
FALLBACK = "這個問題我還不會回答"
SCREENSHOT = ROOT / "var" / "screenshots" / "teach.png"
# The text of the first element matching a selector, once the page has loaded; None when there is none.
SHOWN = "const e = document.readyState === 'complete' && document.querySelector(arguments[0]); " \
        "return e ? e.innerText : null;"
LOADED = re.compile(rf"knowledge loaded {OFFICE} (\w+)")


@pytest.fixture()
def folder(tmp_path):
    """A copy of the shipped knowledge (KNOWLEDGE_DIR): `kb export` writes into it."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def said(text: str) -> dict:
    """A citizen's text message as LINE sends it: its own event id, reply token and user (no conversation
    state carries over from one event to the next)."""
    tag = uuid.uuid4().hex.upper()
    return {"type": "message", "mode": "active", "timestamp": int(time.time() * 1000), "webhookEventId": f"01TEACH{tag}",
            "replyToken": f"token-{tag}", "source": {"type": "user", "userId": f"U{tag.lower()}"},
            "deliveryContext": {"isRedelivery": False},
            "message": {"type": "text", "id": tag[:18], "quoteToken": f"q-{tag}", "text": text}}


def deliver(base: str, event: dict) -> None:
    """POST one event in its own signed delivery, as LINE does."""
    body = json.dumps({"destination": "U123", "events": [event]}, ensure_ascii=False).encode()
    request = urllib.request.Request(base + f"/callback/{OFFICE}", body, method="POST", headers={
        "X-Line-Signature": signature(SECRET, body), "Content-Type": "application/json"})
    assert urllib.request.urlopen(request, timeout=10).status == 200


def ask(fake_line, base: str, *texts: str) -> list[str]:
    """Each text sent as a webhook event of its own; the JSON of the reply each got (in order)."""
    events = [said(text) for text in texts]
    for event in events:
        deliver(base, event)

    def replies() -> list[str]:
        by_token = {r["replyToken"]: r for r in fake_line.replies()}
        return [json.dumps(by_token[e["replyToken"]], ensure_ascii=False) for e in events if e["replyToken"] in by_token]

    assert wait_for(lambda: len(replies()) == len(events), 20), replies()
    return replies()


def from_home_visits(reply: str) -> bool:
    """The reply is the home-visits answer, with the 👍/👎 buttons of that entry."""
    first = json.loads(reply)["messages"][0]
    return first["text"] == HOME_VISITS.answer and f"e={ENTRY}&r=up" in reply and FALLBACK not in reply


def fallback(reply: str) -> bool:
    return FALLBACK in reply and HOME_VISITS.answer not in reply and f"e={ENTRY}&r=up" not in reply


def served_version(base: str) -> str:
    """The office's knowledge version as /healthz says (each call is also a knowledge look of the worker)."""
    return json.loads(urllib.request.urlopen(base + "/healthz", timeout=5).read())["offices"][OFFICE]


def loads(log_path) -> list[str]:
    """The versions of the office each worker loaded, in the order the server logged them."""
    return LOADED.findall(log_path.read_text(encoding="utf-8"))


def reloaded(base: str, log_path, seen: int) -> list[str]:
    """Wait (a few seconds) until both workers logged one more load of the office than the `seen` loads;
    the versions they loaded. /healthz is asked meanwhile: a look by whichever worker takes it."""
    assert wait_for(lambda: served_version(base) and len(loads(log_path)) >= seen + 2, 10), loads(log_path)
    return loads(log_path)[seen:]


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def exported_correctly(folder, env: dict, before: str) -> None:
    """`kb export` writes the taught wording under home-visits, keeps every comment, and `kb check` passes."""
    cli_env = {"KNOWLEDGE_DIR": str(folder), "DATABASE_URL": env["DATABASE_URL"]}
    done = run_cli("kb", "export", env=cli_env)
    assert done.returncode == 0 and f"已寫入 {OFFICE}.yaml" in done.stdout, done.stdout + done.stderr
    after = (folder / f"{OFFICE}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(after)
    section, at = teach.find(data, ENTRY)
    entry = data[section][at]
    assert entry["questions"][-2:] == [ASKED, VARIANT] and entry["answer"] == HOME_VISITS.answer
    assert comments(after) == comments(before) and len(comments(before)) > 10
    checked = run_cli("kb", "check", "--no-gaps", "--agency", OFFICE, env=cli_env)  # the file export wrote
    assert checked.returncode == 0, checked.stdout + checked.stderr


# --- One gunicorn, two workers, SQLite: the supervisor in Chromium.

def test_a_supervisor_teaches_from_the_queue_in_chromium_and_every_worker_answers(tmp_path, folder, fake_line):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    port = free_port()
    env = server_env(tmp_path, fake_line.url, PORT=str(port), WEB_CONCURRENCY="2", ADMIN_TOKEN=TOKEN,
                     KNOWLEDGE_DIR=str(folder), KNOWLEDGE_RELOAD_SECONDS="1")
    log_path = tmp_path / "gunicorn.log"
    original = (folder / f"{OFFICE}.yaml").read_text(encoding="utf-8")
    with running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, log_path) as (base, _):
        first = served_version(base)
        assert wait_for(lambda: loads(log_path) == [first, first], 15), loads(log_path)  # both workers are up
        assert all(map(fallback, ask(fake_line, base, ASKED, ASKED, VARIANT)))  # today: the queue gets the group

        driver = chromium("1280,1000")
        try:
            def found(css: str) -> str | None:
                """The text of the first element matching `css` on the loaded page; None while there is none."""
                try:
                    return driver.execute_script(SHOWN, css)
                except WebDriverException:  # Chromium's "node does not belong to the document" mid-navigation
                    return None

            def shown(css: str) -> str:
                return found(css) or ""

            def teach_home_visits(search: bool) -> None:
                """On the teach page: pick home-visits (found with 找其他項目 when not offered, or told to search),
                preview, save; the first preview is the screenshot."""
                assert wait_for(lambda: shown("h1") == "教小幫手回答", 15)
                assert f"「{ASKED}」" in shown(".group-texts") and f"「{VARIANT}」" in shown(".group-texts")
                offered = [e.get_attribute("value") for e in driver.find_elements(By.NAME, "entry_id")]
                assert 1 <= len(offered) <= 5
                if search or ENTRY not in offered:
                    driver.find_element(By.NAME, "find").send_keys("居家訪視")
                    driver.find_element(By.XPATH, "//form[@class='find']//button[text()='找']").click()
                    assert wait_for(lambda: "find=" in driver.current_url
                                    and found(f"input[value='{ENTRY}']") is not None, 15), driver.page_source
                driver.find_element(By.CSS_SELECTOR, f"input[name='entry_id'][value='{ENTRY}']").click()
                driver.find_element(By.XPATH, "//form[@class='teach-add']//button[text()='先看看效果']").click()
                assert wait_for(lambda: shown("h1") == "儲存前，先看看效果", 15)
                rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                        for tr in driver.find_elements(By.CSS_SELECTOR, "table.shifts tbody tr")]
                assert rows == [[f"「{ASKED}」", "答不出來", HOME_VISITS.title],
                                [f"「{VARIANT}」", "答不出來", HOME_VISITS.title]], rows
                assert "加入 2 個問法" in shown(".lead")
                if not search:
                    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
                    assert driver.save_screenshot(str(SCREENSHOT))
                driver.find_element(By.CSS_SELECTOR, ".teach-save button").click()
                assert wait_for(lambda: "已儲存" in shown("#done"), 15), driver.page_source
                assert "小幫手幾秒內就會這樣回答" in shown("#done")
                assert shown(".changes .item .status") == "使用中"

            def teach_from_the_queue() -> None:
                """On the office page: 「教小幫手回答」 on the group of the question."""
                assert wait_for(lambda: shown(".queue:not(.handled) .item .example") == f"「{ASKED}」", 15)
                (item,) = [i for i in driver.find_elements(By.CSS_SELECTOR, ".queue:not(.handled) .item")
                           if i.find_element(By.CSS_SELECTOR, ".example").text == f"「{ASKED}」"]
                link = item.find_element(By.LINK_TEXT, "教小幫手回答")
                assert question_key(ASKED) in urllib.parse.unquote(link.get_attribute("href"))
                link.click()

            driver.get(f"{base}/admin/{OFFICE}")
            driver.find_element(By.ID, "password").send_keys(TOKEN)
            driver.find_element(By.CSS_SELECTOR, ".login button").click()  # back to the office page
            teach_from_the_queue()
            teach_home_visits(search=False)
            taught = reloaded(base, log_path, 2)  # the saving worker at once, the other at its next look
            assert len(taught) == 2 and taught[0] == taught[1] != first, taught
            replies = ask(fake_line, base, *[ASKED] * 5, VARIANT)  # six deliveries, over both workers
            assert all(map(from_home_visits, replies)), replies

            (undo,) = driver.find_elements(By.XPATH, "//ol[@class='changes']//button[text()='復原']")
            change = undo.find_element(By.XPATH, "ancestor::li").get_attribute("id").removeprefix("change-")
            undo.click()
            assert wait_for(lambda: f"已復原第 {change} 筆修改" in shown("#done"), 15), driver.page_source
            assert shown(".changes .item .status") == "已復原" and not driver.find_elements(
                By.XPATH, "//ol[@class='changes']//button[text()='復原']")
            assert reloaded(base, log_path, 4) == [first, first]  # both workers serve the file as it was
            replies = ask(fake_line, base, ASKED, ASKED, ASKED, VARIANT)
            assert all(map(fallback, replies)), replies

            driver.get(f"{base}/admin/{OFFICE}")  # undone: the group is back in the queue; teach again,
            teach_from_the_queue()
            teach_home_visits(search=True)  # this time picking the entry from the search 找其他項目
            severe = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert [m for m in severe if "status of 401" not in m] == []  # the 401 before login is expected
        finally:
            driver.quit()

        exported_correctly(folder, env, original)
        assert all(map(from_home_visits, ask(fake_line, base, ASKED)))  # from the file itself now
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    served = log_path.read_text(encoding="utf-8")
    assert TOKEN not in served and "Traceback" not in served


# --- Two instances on one PostgreSQL: taught on A over HTTP, answered on B.

class Dashboard:
    """A supervisor's browser reduced to urllib: a cookie jar, the login form, the forms' CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        status, page, _ = self.post("/admin/login", {"password": TOKEN})
        assert status == 200 and "要先登入" not in page and "登出" in page

    def teach_keys(self) -> list[str]:
        """The group keys of the office page's 「教小幫手回答」 links (the open queue)."""
        links = re.findall(rf'href="(/admin/{OFFICE}/teach\?[^"]+)"', self.get(f"/admin/{OFFICE}"))
        return [urllib.parse.parse_qs(urllib.parse.urlsplit(html.unescape(h)).query)["key"][0] for h in links]

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, form: dict) -> tuple[int, str, str]:
        """(status, page, final URL), redirects followed as a browser does (303: GET)."""
        try:
            with self.opener.open(self.base + path, urllib.parse.urlencode(form).encode(), timeout=10) as response:
                return response.status, response.read().decode("utf-8"), response.url
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8"), exc.url


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def test_taught_on_one_instance_is_answered_by_the_other_on_one_postgresql(tmp_path, folder, fake_line, pg_db):
    servers = []
    for name in ("a", "b"):
        port = free_port()
        (tmp_path / name).mkdir()
        env = server_env(tmp_path / name, fake_line.url, DATABASE_URL=pg_db[1], PORT=str(port), WEB_CONCURRENCY="1",
                         ADMIN_TOKEN=TOKEN, KNOWLEDGE_DIR=str(folder), KNOWLEDGE_RELOAD_SECONDS="1")
        servers.append(running([*ARGV, "--bind", f"127.0.0.1:{port}"], env, port, tmp_path / name / "gunicorn.log"))
    with side_by_side(*servers) as started:
        (a, _), (b, _) = started
        first = served_version(b)
        assert all(map(fallback, ask(fake_line, b, ASKED, ASKED, VARIANT)))  # B's citizens fill the shared queue

        staff = Dashboard(a)
        key = question_key(ASKED)
        assert staff.teach_keys() == [key]  # the group is in the queue with 「教小幫手回答」
        # (found with 找其他項目: which entries the engine offers for the group changes with the knowledge)
        page = staff.get(f"/admin/{OFFICE}/teach?" + urllib.parse.urlencode({"key": key, "find": "居家訪視"}))
        assert f"「{ASKED}」" in page and f'value="{ENTRY}"' in page
        form = {"csrf": csrf(page), "key": key, "mode": "add", "entry_id": ENTRY, "examples": f"{ASKED}\n{VARIANT}",
                "find": ""}
        status, preview, _ = staff.post(f"/admin/{OFFICE}/teach", form)
        assert status == 200 and re.search(rf"「{ASKED}」</td>\s*<td>答不出來</td>\s*<td>{HOME_VISITS.title}<", preview)
        status, log, url = staff.post(f"/admin/{OFFICE}/teach", {**form, "save": "1"})
        assert status == 200 and url.endswith(f"/admin/{OFFICE}/changes#done") and "已儲存" in log, (status, url)
        taught = served_version(a)
        assert taught != first
        assert wait_for(lambda: served_version(b) == taught, 5)  # B's next look (every second) reads the store
        assert all(map(from_home_visits, ask(fake_line, b, ASKED, VARIANT)))

        change = re.search(rf"/admin/{OFFICE}/changes/(\d+)/undo", log).group(1)
        assert staff.post(f"/admin/pingtung-vac/changes/{change}/undo", {"csrf": csrf(log)})[0] == 404  # not its edit
        status, after, _ = staff.post(f"/admin/{OFFICE}/changes/{change}/undo", {"csrf": csrf(log)})
        assert status == 200 and f"已復原第 {change} 筆修改" in after
        assert served_version(a) == first
        assert staff.teach_keys() == [key]  # back in the queue: the bot cannot answer it again
        assert wait_for(lambda: served_version(b) == first, 5)
        assert all(map(fallback, ask(fake_line, b, ASKED, VARIANT)))
