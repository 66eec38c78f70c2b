"""Staff teach the bot from the unanswered queue: preview, save, served by every worker, undo, change log,
conflicts with a newer file edit, and `kb export` writing the edit into the file with its comments kept."""

import csv
import io
import re
import shutil
import time

import pytest

from bot.app import create_app
from bot.review.unanswered import question_key
from bot.store import Question
from conftest import KNOWLEDGE, run_cli, server_env

TOKEN = "teach-admin-token-0123456789"
OFFICE = "taoyuan-vac"
ASKED = "想找人陪阿公聊天"  # falls back today; 居家訪視 (home-visits) is what the citizen needs


@pytest.fixture()
def folder(tmp_path):
    """A copy of the shipped knowledge: export writes into it."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


def make_app(tmp_path, folder):
    return create_app(server_env(tmp_path, ADMIN_TOKEN=TOKEN, KNOWLEDGE_DIR=str(folder), KNOWLEDGE_RELOAD_SECONDS="0"))


@pytest.fixture()
def apps(tmp_path, folder):
    """Two workers on one database and one knowledge folder."""
    made = [make_app(tmp_path, folder) for _ in range(2)]
    now = int(time.time())
    for i, text in enumerate([ASKED, ASKED, "想找人來陪我阿公聊天"]):
        made[0].config["STORE"].add_question(Question(OFFICE, f"user{i}", text, "fallback", None, 0.2, now - i))
    yield made
    for app in made:
        app.config["POOL"].shutdown(wait=True)


def client_of(app):
    client = app.test_client()
    assert client.post("/admin/login", data={"password": TOKEN}).status_code == 303
    return client


def csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def answer(app, question: str):
    return app.config["KNOWLEDGE"].current().answerers[OFFICE].ask(question)


def teach_home_visits(client, save: bool):
    page = client.get(f"/admin/{OFFICE}/teach", query_string={"key": question_key(ASKED)})
    assert page.status_code == 200 and "「想找人陪阿公聊天」" in page.text
    form = {"csrf": csrf(page.text), "key": question_key(ASKED), "mode": "add", "entry_id": "home-visits",
            "examples": f"{ASKED}\n想找人來陪我阿公聊天"} | ({"save": "1"} if save else {})
    return client.post(f"/admin/{OFFICE}/teach", data=form)


def test_the_queue_offers_teaching_with_the_engines_candidates(apps):
    client = client_of(apps[0])
    office = client.get(f"/admin/{OFFICE}")
    assert f'/admin/{OFFICE}/teach?key=' in office.text and "教小幫手回答" in office.text
    page = client.get(f"/admin/{OFFICE}/teach", query_string={"key": question_key(ASKED)})
    offered = re.findall(r'name="entry_id" value="([^"]+)"', page.text)
    assert 1 <= len(offered) <= 5
    found = client.get(f"/admin/{OFFICE}/teach", query_string={"key": question_key(ASKED), "find": "居家訪視"})
    assert 'value="home-visits"' in found.text  # staff search by the engine when the right one is not offered
    assert client.get(f"/admin/{OFFICE}/teach", query_string={"key": "nothing-like-this"}).status_code == 404


def test_preview_then_save_is_served_here_and_by_another_worker_and_undo_restores(apps):
    first, second = apps
    assert answer(first, ASKED).outcome == "fallback"
    preview = teach_home_visits(client_of(first), save=False)
    assert preview.status_code == 200 and "儲存前，先看看效果" in preview.text
    assert re.search(r"「想找人陪阿公聊天」</td>\s*<td>答不出來</td>\s*<td>[^<]*訪視", preview.text)
    assert answer(first, ASKED).outcome == "fallback"  # a preview changes nothing
    client = client_of(first)
    saved = teach_home_visits(client, save=True)
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/admin/{OFFICE}/changes#done")
    assert answer(first, ASKED).entry_id == "home-visits"
    assert answer(second, ASKED).entry_id == "home-visits"  # the other worker reads the store on its next look
    log = client.get(f"/admin/{OFFICE}/changes")
    assert "已儲存" in log.text and "共用密碼" in log.text and "使用中" in log.text
    queue = client.get(f"/admin/{OFFICE}", query_string={"handled": "1"})
    assert "已加入知識庫" in queue.text  # the group left the queue, marked by who taught it
    change_id = re.search(r'/changes/(\d+)/undo', log.text).group(1)
    undone = client.post(f"/admin/{OFFICE}/changes/{change_id}/undo", data={"csrf": csrf(log.text)})
    assert undone.status_code == 303
    assert answer(first, ASKED).outcome == "fallback" and answer(second, ASKED).outcome == "fallback"
    after = client.get(f"/admin/{OFFICE}/changes")
    assert "已復原第" in after.text and "已復原" in after.text and f"/changes/{change_id}/undo" not in after.text
    rows = list(csv.reader(io.StringIO(client.get(f"/admin/{OFFICE}/changes.csv").text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["編號", "時間", "誰", "做了什麼"] and rows[1][2] == "共用密碼" and rows[1][5] == "已復原"
    assert '"home-visits"' in rows[1][9] and ASKED in rows[1][9] and ASKED not in rows[1][8]


def test_a_new_entry_is_checked_by_the_loader_and_errors_are_shown_in_words(apps):
    client = client_of(apps[0])
    page = client.get(f"/admin/{OFFICE}/teach", query_string={"key": question_key(ASKED)})
    form = {"csrf": csrf(page.text), "key": question_key(ASKED), "mode": "new", "title": "陪伴聊天",
            "answer": "本處志工會到家裡陪伴長輩聊天，請打本處電話申請。", "examples": ASKED, "keywords": "陪伴",
            "section": "faqs", "source": ""}
    refused = client.post(f"/admin/{OFFICE}/teach", data=form)
    assert refused.status_code == 400 and "還不能儲存" in refused.text
    assert "questions" in refused.text and "keywords" in refused.text and "source" in refused.text
    assert "Traceback" not in refused.text and 'value="陪伴聊天"' in refused.text  # what was typed is kept
    dead_end = {**form, "examples": f"{ASKED}\n有人可以陪老人家說說話嗎\n阿公一個人很孤單", "keywords": "陪伴、聊天",
                "source": "https://www.vac.gov.tw/", "answer": "想找人陪長輩聊天，請打電話到本處詢問。"}
    held = client.post(f"/admin/{OFFICE}/teach", data={**dead_end, "save": "1"})
    assert held.status_code == 400 and "office 段落都沒有電話" in held.text  # the office block has no phone
    good = {**form, "examples": f"{ASKED}\n有人可以陪老人家說說話嗎\n阿公一個人很孤單", "keywords": "陪伴、聊天",
            "source": "https://www.vac.gov.tw/"}
    saved = client.post(f"/admin/{OFFICE}/teach", data={**good, "save": "1"})
    assert saved.status_code == 303
    got = answer(apps[0], "有人可以陪老人家說說話嗎")
    assert got.entry_id, (got.outcome, [(c.entry.id, round(c.score, 2)) for c in got.candidates])
    assert got.entry.title == "陪伴聊天"


def test_a_preview_shows_regression_questions_the_change_would_move(apps, folder):
    (folder / "tests" / f"{OFFICE}.yaml").write_text(f"- {{q: {ASKED}, expect: none}}\n", encoding="utf-8")
    shown = teach_home_visits(client_of(apps[0]), save=False)
    assert 'id="moved"' in shown.text and "原本就答得好的問題" in shown.text and ASKED in shown.text


def test_a_file_edited_since_wins_and_the_edit_is_shown_as_a_conflict(apps, folder):
    client = client_of(apps[0])
    teach_home_visits(client, save=True)
    path = folder / f"{OFFICE}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - id: home-visits\n", "  - id: home-visits\n    # edited by hand\n", 1)
                    .replace("title: 榮民眷訪視", "title: 到府訪視", 1), encoding="utf-8")
    assert "title: 到府訪視" in path.read_text(encoding="utf-8")
    assert answer(apps[0], ASKED).outcome == "fallback"  # the file is the truth; the edit no longer applies
    log = client.get(f"/admin/{OFFICE}/changes")
    assert "檔案已被改過" in log.text and "/undo" not in log.text
    exported = run_cli("kb", "export", env={"KNOWLEDGE_DIR": str(folder),
                                            "DATABASE_URL": apps[0].config["SETTINGS"].database_url})
    assert exported.returncode == 1 and "沒有寫入" in exported.stdout


def test_kb_export_writes_the_edit_into_the_file_with_its_comments(apps, folder):
    client = client_of(apps[0])
    teach_home_visits(client, save=True)
    path = folder / f"{OFFICE}.yaml"
    before = path.read_text(encoding="utf-8")
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    env = {"KNOWLEDGE_DIR": str(folder), "DATABASE_URL": apps[0].config["SETTINGS"].database_url}
    done = run_cli("kb", "export", env=env)
    assert done.returncode == 0 and "已寫入 taoyuan-vac.yaml" in done.stdout, done.stdout + done.stderr
    after = path.read_text(encoding="utf-8")
    assert ASKED in after and [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
    assert len(after.splitlines()) == len(before.splitlines()) + 2  # two example lines, nothing else moved
    assert run_cli("kb", "check", "--no-gaps", env=env).returncode == 0
    assert answer(apps[0], ASKED).entry_id == "home-visits"  # now from the file itself
    assert "已寫入知識庫檔案" in client.get(f"/admin/{OFFICE}/changes").text
    again = run_cli("kb", "export", env=env)
    assert again.returncode == 0 and "已寫入" not in again.stdout and path.read_text(encoding="utf-8") == after


def test_an_older_edit_of_an_entry_waits_until_the_newer_one_is_undone(apps):
    client = client_of(apps[0])
    teach_home_visits(client, save=True)
    page = client.get(f"/admin/{OFFICE}/teach", query_string={"key": question_key(ASKED)})
    more = {"csrf": csrf(page.text), "key": question_key(ASKED), "mode": "add", "entry_id": "home-visits",
            "examples": "有人會來家裡關心老榮民嗎", "save": "1"}
    assert client.post(f"/admin/{OFFICE}/teach", data=more).status_code == 303
    log = client.get(f"/admin/{OFFICE}/changes")
    older, newer = sorted(int(i) for i in re.findall(r'id="change-(\d+)"', log.text))
    assert f"/changes/{older}/undo" not in log.text and f"/changes/{newer}/undo" in log.text
    refused = client.post(f"/admin/{OFFICE}/changes/{older}/undo", data={"csrf": csrf(log.text)})
    assert refused.status_code == 409 and "請先復原較新的修改" in refused.text
    assert answer(apps[0], ASKED).entry_id == "home-visits"  # nothing was undone
    client.post(f"/admin/{OFFICE}/changes/{newer}/undo", data={"csrf": csrf(log.text)})
    client.post(f"/admin/{OFFICE}/changes/{older}/undo", data={"csrf": csrf(log.text)})
    assert answer(apps[0], ASKED).outcome == "fallback"
    assert "使用中" not in client.get(f"/admin/{OFFICE}/changes").text
